import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderCrds } from '../../scripts/gen-crds.ts';

const root = new URL('../../', import.meta.url);
type Schema = Record<string, unknown>;

describe('crds/', () => {
  const rendered = renderCrds();

  it('is up to date with schemas/ (run `npm run gen:crds` when this fails)', () => {
    expect([...rendered.keys()].sort()).toEqual(['crds/packagereleases.ringmaster.dev.yaml', 'crds/rolloutpolicies.ringmaster.dev.yaml']);
    for (const [file, text] of rendered) expect(readFileSync(new URL(file, root), 'utf8'), file).toBe(text);
  });

  it.each([...rendered])('%s is a structural schema with descriptions on every field', (_file, text) => {
    const crd = parse(text) as { spec: { versions: { schema: { openAPIV3Schema: Schema } }[] } };
    const schema = crd.spec.versions[0]?.schema.openAPIV3Schema ?? {};
    expect((schema['properties'] as Schema)['metadata']).toEqual({ type: 'object' });
    expect(structuralProblems(schema, '')).toEqual([]);
  });

  it('declares names, printer columns and the status subresource', () => {
    const policy = parse(rendered.get('crds/rolloutpolicies.ringmaster.dev.yaml') ?? '') as CrdShape;
    const release = parse(rendered.get('crds/packagereleases.ringmaster.dev.yaml') ?? '') as CrdShape;
    expect(policy.metadata.name).toBe('rolloutpolicies.ringmaster.dev');
    expect(policy.spec.names).toMatchObject({ kind: 'RolloutPolicy', plural: 'rolloutpolicies', shortNames: ['rpol'] });
    expect(policy.spec.versions[0]?.additionalPrinterColumns.map((c) => c.name)).toEqual(['Release', 'Phase', 'Ring', 'Installed', 'Age']);
    expect(policy.spec.versions[0]?.subresources).toEqual({ status: {} });
    const status = policy.spec.versions[0]?.schema.openAPIV3Schema.properties['status'] as Schema;
    expect(Object.keys(status['properties'] as Schema)).toContain('conditions');
    expect(release.spec.names).toMatchObject({ kind: 'PackageRelease', plural: 'packagereleases', shortNames: ['pkgrel'] });
    expect(release.spec.versions[0]?.additionalPrinterColumns.map((c) => c.name)).toEqual(['Package', 'Version', 'Type', 'Age']);
  });
});

describe('schemas/', () => {
  it.each(['packagerelease', 'rolloutpolicy', 'rolloutpolicystatus'])('%s.schema.json describes every field', (name) => {
    const schema = JSON.parse(readFileSync(new URL(`schemas/${name}.schema.json`, root), 'utf8')) as Schema;
    expect(missingDescriptions(schema, '')).toEqual([]);
  });
});

interface CrdShape {
  metadata: { name: string };
  spec: {
    names: Schema;
    versions: { subresources?: Schema; additionalPrinterColumns: { name: string }[]; schema: { openAPIV3Schema: { properties: Schema } } }[];
  };
}

/** Kubernetes structural schema rules (apiextensions.k8s.io/v1) that our schemas could break. */
function structuralProblems(node: Schema, path: string): string[] {
  const problems: string[] = [];
  if ('$ref' in node || '$schema' in node || 'x-ringmaster-codes' in node) problems.push(`${path}: keyword Kubernetes rejects`);
  if (node['x-kubernetes-int-or-string'] === true) {
    if ('type' in node) problems.push(`${path}: int-or-string must not have a type`);
    expect(node['anyOf'], path).toEqual([{ type: 'integer' }, { type: 'string' }]);
  } else if (typeof node['type'] !== 'string') problems.push(`${path}: no type`);
  if ('properties' in node && 'additionalProperties' in node) problems.push(`${path}: properties and additionalProperties`);
  for (const [name, child] of Object.entries((node['properties'] as Record<string, Schema> | undefined) ?? {})) {
    if (typeof child['description'] !== 'string' && !(path === '' && name === 'metadata')) problems.push(`${path}.${name}: no description`);
    problems.push(...structuralProblems(child, `${path}.${name}`));
  }
  if (node['items']) problems.push(...structuralProblems(node['items'] as Schema, `${path}[]`));
  if (typeof node['additionalProperties'] === 'object') problems.push(...structuralProblems(node['additionalProperties'] as Schema, `${path}{}`));
  return problems;
}

function missingDescriptions(node: Schema, path: string): string[] {
  const missing = typeof node['description'] === 'string' ? [] : [path || '(root)'];
  const children = Object.entries((node['properties'] as Record<string, Schema> | undefined) ?? {});
  const own = children.flatMap(([name, child]) => missingDescriptions(child, `${path}.${name}`));
  const items = node['items'] as Schema | undefined;
  const itemsMissing = items && (items['properties'] || items['type'] === 'object') ? missingDescriptions(items, `${path}[]`) : [];
  return [...missing, ...own, ...itemsMissing];
}
