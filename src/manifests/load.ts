/**
 * The manifest loader: files (or API objects) in, typed objects and diagnostics out. Pure:
 * no I/O, no clock. Every object with an error is left out of the result, but never hides
 * the other objects; the controller refuses a revision that has any error diagnostic.
 */
import { nameOf, type Candidate, type ManifestKind } from './candidate.ts';
import { checkPolicy } from './check-policy.ts';
import { checkRelease } from './check-release.ts';
import { checkSchema } from './check-schema.ts';
import { checkDuplicateNames, checkPolicyOverlap, checkReleaseReferences, type SetIssue } from './check-set.ts';
import { DIAGNOSTIC_CODES, sortDiagnostics, type Diagnostic } from './diagnostic.ts';
import type { ObjectIssue } from './issue.ts';
import { resolveLimits, type ManifestLimits } from './limits.ts';
import { API_VERSION, type ManifestFile, type PackageRelease, type RolloutPolicy, type SourceLocation } from './types.ts';
import { documentValue, isOurGroup, locatorOf, readYamlDocuments, type YamlDocument } from './yaml-documents.ts';
import { collectNodeLocations } from './yaml-locator.ts';

/**
 * The valid objects of a revision, every diagnostic (sorted by file, line, column), and
 * source locations keyed `"<Kind>/<name>"` (the object) and `"<Kind>/<name>#<pointer>"`
 * (its fields) for the returned objects.
 */
export interface ManifestSet {
  releases: PackageRelease[];
  policies: RolloutPolicy[];
  diagnostics: Diagnostic[];
  locations: Map<string, SourceLocation>;
}

const KINDS: readonly string[] = ['PackageRelease', 'RolloutPolicy'] satisfies ManifestKind[];

/**
 * Loads PackageReleases and RolloutPolicies from manifest files. Documents of other APIs
 * are ignored, and so is every file under a `status/` directory (the controller's output).
 * Files are processed in the given order, which decides which of two duplicates is kept.
 */
export function loadManifests(files: readonly ManifestFile[], limits: Partial<ManifestLimits> = {}): ManifestSet {
  const resolved = resolveLimits(limits);
  const diagnostics: Diagnostic[] = [];
  const candidates: Candidate[] = [];
  for (const file of files) {
    if (isUnderStatus(file.path)) continue;
    const parsed = readYamlDocuments(file, resolved);
    diagnostics.push(...parsed.diagnostics);
    for (const document of parsed.documents) {
      const candidate = fromDocument(document, resolved, diagnostics);
      if (candidate) candidates.push(candidate);
    }
  }
  return validateCandidates(candidates, diagnostics);
}

/**
 * Validates objects that did not come from YAML (the Kubernetes API) with the same schema
 * and semantic rules. Diagnostics and locations name `origin` with line and column 0.
 */
export function validateObjects(objects: readonly unknown[], origin: string): ManifestSet {
  const here: SourceLocation = { file: origin, line: 0, column: 0 };
  const candidates: Candidate[] = [];
  for (const value of objects) {
    const kind = kindOf(value);
    if (!kind) continue;
    candidates.push({ kind, name: nameOf(value), value, locate: () => here, nodes: () => [], failed: false });
  }
  return validateCandidates(candidates, []);
}

/** Whether a path (relative, `/`-separated) lies under a `status/` directory. */
export function isUnderStatus(path: string): boolean {
  return path.split('/').slice(0, -1).includes('status');
}

function kindOf(value: unknown): ManifestKind | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { apiVersion, kind } = value as { apiVersion?: unknown; kind?: unknown };
  return apiVersion === API_VERSION && typeof kind === 'string' && KINDS.includes(kind) ? (kind as ManifestKind) : undefined;
}

function fromDocument(document: YamlDocument, limits: ManifestLimits, diagnostics: Diagnostic[]): Candidate | undefined {
  const { apiVersion, kind } = document;
  if (apiVersion === undefined || !isOurGroup(apiVersion)) return undefined;
  if (apiVersion !== API_VERSION || kind === undefined || !KINDS.includes(kind)) {
    diagnostics.push(unknownKind(document));
    return undefined;
  }
  const converted = documentValue(document, limits);
  if ('diagnostic' in converted) {
    diagnostics.push(converted.diagnostic);
    return undefined;
  }
  const { doc, lines, file } = document;
  return {
    kind: kind as ManifestKind,
    name: nameOf(converted.value),
    value: converted.value,
    locate: locatorOf(document),
    nodes: () => collectNodeLocations(doc, lines, file),
    failed: false,
  };
}

function validateCandidates(candidates: readonly Candidate[], diagnostics: Diagnostic[]): ManifestSet {
  for (const candidate of candidates) report(candidate, checkObject(candidate), diagnostics);
  reportSet(checkDuplicateNames(candidates), diagnostics);
  const live = (kind: ManifestKind): Candidate[] => candidates.filter((c) => c.kind === kind && !c.failed);
  const allReleases = candidates.filter((c) => c.kind === 'PackageRelease');
  reportSet(checkReleaseReferences(live('RolloutPolicy'), allReleases), diagnostics);
  reportSet(checkPolicyOverlap(live('RolloutPolicy'), live('PackageRelease')), diagnostics);
  return {
    releases: live('PackageRelease').map((c) => c.value as PackageRelease),
    policies: live('RolloutPolicy').map((c) => c.value as RolloutPolicy),
    diagnostics: sortDiagnostics(diagnostics),
    locations: locationsOf(candidates.filter((c) => !c.failed)),
  };
}

/** Schema first; semantic rules only on schema-valid data (they rely on its shape). */
function checkObject(candidate: Candidate): ObjectIssue[] {
  const schemaIssues = checkSchema(candidate.kind, candidate.value);
  if (schemaIssues.length > 0) return schemaIssues;
  return candidate.kind === 'PackageRelease'
    ? checkRelease(candidate.value as PackageRelease)
    : checkPolicy(candidate.value as RolloutPolicy);
}

function report(candidate: Candidate, issues: readonly ObjectIssue[], diagnostics: Diagnostic[]): void {
  for (const issue of issues) {
    const severity = DIAGNOSTIC_CODES[issue.code];
    if (severity === 'error') candidate.failed = true;
    const at = candidate.locate(issue.pointer, issue.at);
    diagnostics.push({ code: issue.code, severity, message: issue.message, ...at, pointer: issue.pointer });
  }
}

function reportSet(issues: readonly SetIssue[], diagnostics: Diagnostic[]): void {
  for (const { target, issue } of issues) report(target, [issue], diagnostics);
}

function locationsOf(candidates: readonly Candidate[]): Map<string, SourceLocation> {
  const locations = new Map<string, SourceLocation>();
  for (const candidate of candidates) {
    const key = `${candidate.kind}/${candidate.name ?? ''}`;
    if (locations.has(key)) continue;
    locations.set(key, candidate.locate(''));
    for (const [pointer, at] of candidate.nodes()) if (pointer !== '') locations.set(`${key}#${pointer}`, at);
  }
  return locations;
}

function unknownKind(document: YamlDocument): Diagnostic {
  return {
    code: 'W_UNKNOWN_KIND',
    severity: 'warning',
    message: `${document.apiVersion} ${document.kind ?? '(no kind)'} is not a kind Ringmaster knows; it is ignored (known: ${API_VERSION} PackageRelease and RolloutPolicy)`,
    ...document.start,
  };
}
