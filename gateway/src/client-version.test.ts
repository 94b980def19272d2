import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CLIENT_PACKAGE,
  CLIENT_VERSION_MODULE,
  clientReleaseOf,
  sha256,
  versionModule,
  writeClientRelease,
} from './client-version.js';
import { REPO_ROOT, SUPERGRAPH_PATH } from './config.js';
import { API_SCHEMA_PATH, reviewSchema } from './governance.js';

/**
 * npm run compose sets @nhs-hub/client's version from the version committed with the baseline:
 * a copy of schema/ and the client's package.json committed in a repository of its own, then
 * composed schemas reviewed against it as compose reviews them.
 */
const apiSdl = readFileSync(API_SCHEMA_PATH, 'utf8');
const supergraphSdl = readFileSync(SUPERGRAPH_PATH, 'utf8');
const packageJson = readFileSync(join(REPO_ROOT, CLIENT_PACKAGE), 'utf8');
const committed = clientReleaseOf(packageJson);
const root = `${mkdtempSync(join(tmpdir(), 'hub-client-version-'))}/`;
afterAll(() => rmSync(root, { recursive: true, force: true }));
mkdirSync(join(root, 'schema'));
mkdirSync(join(root, 'packages/client/src'), { recursive: true });
writeFileSync(join(root, 'schema/api.graphql'), apiSdl);
writeFileSync(join(root, 'schema/supergraph.graphql'), supergraphSdl);
writeFileSync(join(root, CLIENT_PACKAGE), packageJson);
const git = (...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.org', ...args], {
    cwd: root,
    stdio: 'ignore',
  });

const added = apiSdl.replace('type Stp {', 'type Stp {\n  nickname: String');
const described = apiSdl.replace(/"""A calendar date, ISO 8601[^"]*"""/, '"""A calendar date (ISO 8601)."""');
// Stp.considerations and its description.
const removed = apiSdl.replace(/\n {2}"""\n[^\n]*\n {2}"""\n {2}considerations: [^\n]*\n/, '\n');
const [major, minor, patch] = (committed?.version ?? '').split('.').map(Number) as [number, number, number];

/** What compose writes for the composed API schema, and what it leaves in the client's files. */
async function compose(
  api: string,
  allowlist = [] as { path: string; reason: string; approvedBy: string; date: string }[],
) {
  const review = await reviewSchema({ apiSdl: api, supergraphSdl }, { root, allowlist });
  const written = writeClientRelease(api, review, root);
  return {
    ...written,
    package: readFileSync(join(root, CLIENT_PACKAGE), 'utf8'),
    module: readFileSync(join(root, CLIENT_VERSION_MODULE), 'utf8'),
  };
}

describe("@nhs-hub/client's version, as npm run compose sets it", () => {
  it('is minor for an addition, and recomposing does not bump it again', async () => {
    git('init', '-q');
    git('add', '.');
    git('commit', '-qm', 'schema and client');
    expect(committed?.apiSchemaSha256).toBe(sha256(apiSdl));
    expect(added).not.toBe(apiSdl);
    const first = await compose(added);
    const version = `${major}.${minor + 1}.0`;
    expect(first).toMatchObject({ step: 'minor', from: committed?.version, release: { version } });
    expect(first.release.apiSchemaSha256).toBe(sha256(added));
    // package.json's other lines as they were; the code's constant beside it.
    expect(first.package).toBe(
      packageJson
        .replace(`"version": "${committed?.version}"`, `"version": "${version}"`)
        .replace(sha256(apiSdl), sha256(added)),
    );
    expect(first.module).toBe(versionModule(version));
    expect(first.module).toContain(`export const CLIENT_VERSION = '${version}';`);
    expect((await compose(added)).release.version).toBe(version);
  });

  it('is patch for descriptions alone, major for a breaking change the allow-list accepts', async () => {
    expect(described).not.toBe(apiSdl);
    expect(await compose(described)).toMatchObject({
      step: 'patch',
      release: { version: `${major}.${minor}.${patch + 1}` },
    });
    expect(removed).not.toBe(apiSdl);
    const allowlist = [
      { path: 'Stp.considerations', reason: 'Moved elsewhere', approvedBy: 'API review', date: '2026-12-08' },
    ];
    expect(await compose(removed, allowlist)).toMatchObject({
      step: 'major',
      release: { version: `${major + 1}.0.0` },
    });
  });

  it('is the committed version again when the schema is reverted', async () => {
    const reverted = await compose(apiSdl);
    expect(reverted).toMatchObject({ step: null, release: committed ?? {} });
    expect(reverted.package).toBe(packageJson);
  });

  it('without git, moves only when the schema is not the one package.json names', async () => {
    rmSync(join(root, '.git'), { recursive: true, force: true });
    expect((await compose(apiSdl)).release).toEqual(committed);
    expect((await compose(added)).release).toEqual({
      version: `${major}.${minor + 1}.0`,
      apiSchemaSha256: sha256(added),
    });
  });
});
