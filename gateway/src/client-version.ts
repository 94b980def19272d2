import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './config.js';
import type { SchemaReview } from './governance.js';

/**
 * @nhs-hub/client's version follows the API schema it was generated from (docs/frontend.md), and
 * `npm run compose` sets it: a data engineer who adds a field never bumps it by hand. Against the
 * version committed with the baseline (git HEAD): major for a breaking change (which only an
 * allow-list entry, or no known use, lets through), minor for anything else a client can notice
 * (a type, field, argument or enum value added, deprecated or changed), patch for descriptions
 * alone, and the committed version itself when the schema is the committed one. So recomposing
 * never bumps twice, and reverting a change gives the committed version back.
 */
export const CLIENT_PACKAGE = 'packages/client/package.json';
/** The version as the client's code reads it (the headers it names itself by), written beside package.json's. */
export const CLIENT_VERSION_MODULE = 'packages/client/src/version.ts';

export type VersionStep = 'major' | 'minor' | 'patch';

export interface ClientRelease {
  readonly version: string;
  /** sha256 of schema/api.graphql as written: the client test checks it is the checked-in schema's. */
  readonly apiSchemaSha256: string;
}

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** How far a reviewed change moves the version; null when the API schema is the baseline's. */
export function versionStep(apiSdl: string, review: SchemaReview): VersionStep | null {
  if (review.baseline?.apiSdl === apiSdl) return null;
  if (review.breaking.length) return 'major';
  // No baseline to compare with: what changed is unknown, so not less than an addition.
  if (review.changes.length || !review.baseline) return 'minor';
  return 'patch';
}

export function bump(version: string, step: VersionStep): string {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  if (!match) throw new Error(`${CLIENT_PACKAGE}: version ${version} is not major.minor.patch`);
  const [major, minor, patch] = match.slice(1).map(Number) as [number, number, number];
  if (step === 'major') return `${major + 1}.0.0`;
  if (step === 'minor') return `${major}.${minor + 1}.0`;
  return `${major}.${minor}.${patch + 1}`;
}

/** The client's version and schema hash in a package.json's text (null when it has none). */
export function clientReleaseOf(packageJson: string | null): ClientRelease | null {
  if (packageJson === null) return null;
  const parsed = JSON.parse(packageJson) as { version?: unknown; nhsHub?: { apiSchemaSha256?: unknown } };
  const { version } = parsed;
  const apiSchemaSha256 = parsed.nhsHub?.apiSchemaSha256;
  return typeof version === 'string' && typeof apiSchemaSha256 === 'string' ? { version, apiSchemaSha256 } : null;
}

/**
 * The release compose writes: from the version committed with the baseline when git has one;
 * where it has none, from the working copy's, moved only when the schema is not the one it names.
 */
export function nextClientRelease(options: {
  apiSdl: string;
  step: VersionStep | null;
  committed: ClientRelease | null;
  current: ClientRelease;
}): ClientRelease {
  const apiSchemaSha256 = sha256(options.apiSdl);
  const { committed, current, step } = options;
  if (committed) return { version: step ? bump(committed.version, step) : committed.version, apiSchemaSha256 };
  if (current.apiSchemaSha256 === apiSchemaSha256) return current;
  return { version: bump(current.version, step ?? 'minor'), apiSchemaSha256 };
}

/** The committed client package, at the ref the review's baseline came from (null outside git). */
function committedPackage(review: SchemaReview, root: string): string | null {
  const ref = /^git (.+)$/.exec(review.baseline?.source ?? '')?.[1];
  if (!ref) return null;
  try {
    return execFileSync('git', ['show', `${ref}:${CLIENT_PACKAGE}`], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'ignore'],
    }).toString();
  } catch {
    return null;
  }
}

export function versionModule(version: string): string {
  return `// Written by \`npm run compose\` with package.json's version (docs/frontend.md): do not edit.
/** This package's version: that of the API schema it was generated from. */
export const CLIENT_VERSION = '${version}';
`;
}

/**
 * Sets the client's version and schema hash in package.json (its other lines as they are) and in
 * src/version.ts; returns the release and the version it moved from.
 */
export function writeClientRelease(
  apiSdl: string,
  review: SchemaReview,
  root: string = REPO_ROOT,
): { release: ClientRelease; from: string; step: VersionStep | null } {
  const packagePath = join(root, CLIENT_PACKAGE);
  const text = readFileSync(packagePath, 'utf8');
  const current = clientReleaseOf(text);
  if (!current) throw new Error(`${CLIENT_PACKAGE} has no version or nhsHub.apiSchemaSha256`);
  const committed = clientReleaseOf(committedPackage(review, root));
  const step = versionStep(apiSdl, review);
  const release = nextClientRelease({ apiSdl, step, committed, current });
  writeFileSync(
    packagePath,
    text
      .replace(/^( {2}"version": )"[^"]*"/m, `$1"${release.version}"`)
      .replace(/("apiSchemaSha256": )"[^"]*"/, `$1"${release.apiSchemaSha256}"`),
  );
  writeFileSync(join(root, CLIENT_VERSION_MODULE), versionModule(release.version));
  return { release, from: (committed ?? current).version, step };
}
