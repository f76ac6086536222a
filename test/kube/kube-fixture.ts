/** Helpers shared by the Kubernetes-mode tests: apply YAML to the fake API, wait for conditions. */
import { pino } from 'pino';
import { parse } from 'yaml';
import type { FakeApiServer } from './fake-api-server.ts';
import type { KubeObject } from './fake-store.ts';

export const silent = pino({ level: 'silent' });

export const CR_RESOURCES = {
  PackageRelease: 'ringmaster.dev/v1alpha1/packagereleases',
  RolloutPolicy: 'ringmaster.dev/v1alpha1/rolloutpolicies',
} as const;

/** `kubectl apply` of one YAML document: create, or replace the spec (and labels) when it exists. */
export function applyYaml(server: FakeApiServer, namespace: string, document: string): KubeObject {
  const object = parse(document) as KubeObject;
  const resource = CR_RESOURCES[object.kind as keyof typeof CR_RESOURCES];
  const name = String(object.metadata.name);
  try {
    const current = server.store.get(resource, namespace, name);
    return server.store.replace(resource, namespace, name, { ...current, spec: object.spec, metadata: { ...current.metadata, labels: object.metadata.labels } });
  } catch (err) {
    if ((err as { code?: number }).code !== 404) throw err;
    return server.store.create(resource, namespace, object);
  }
}

/** Deletes an object by name from whichever kind holds it. */
export function deleteNamed(server: FakeApiServer, namespace: string, name: string): void {
  for (const resource of Object.values(CR_RESOURCES)) {
    if (server.store.list(resource, namespace).some((o) => o.metadata.name === name)) server.store.delete(resource, namespace, name);
  }
}

/** Polls `check` until it returns a value other than undefined/false (no fixed sleeps). */
export async function eventually<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A minimal valid RolloutPolicy document. */
export function policyDocument(name: string, release: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: 'ringmaster.dev/v1alpha1',
    kind: 'RolloutPolicy',
    metadata: { name },
    spec: { release, selector: { matchLabels: { 'service.name': 'otelcol-custom' } }, rings: [{ name: 'canary', percent: 10 }, { name: 'everyone', percent: 100 }], ...extra },
  });
}
