import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { REPO_ROOT } from '@nhs-hub/kit/repo';
import { GENERATED_DIR, generatedFiles, SCALARS, SERVER_TYPES } from './codegen.js';
import type { Date as HubDate, Decimal, Scalars, StpOverviewQuery, StpOverviewQueryVariables } from './index.js';
import { CLIENT_VERSION } from './version.js';

describe('the generated documents and types', () => {
  it('are what codegen makes of schema/api.graphql and schema/operations today (run `npm run codegen -w @nhs-hub/client` if not)', async () => {
    const temp = mkdtempSync(join(tmpdir(), 'hub-codegen-'));
    try {
      const fresh = await generatedFiles(`${temp}/`);
      const committed = new Map(
        readdirSync(GENERATED_DIR).map((f) => [f, readFileSync(join(GENERATED_DIR, f), 'utf8')]),
      );
      expect([...fresh.client.keys()].sort()).toEqual([...committed.keys()].sort());
      for (const [file, content] of fresh.client)
        expect(committed.get(file), `src/generated/${file} is stale`).toBe(content);
      // The answer types of the server's own documents, generated into the packages that send them.
      expect([...fresh.server.keys()].sort()).toEqual(Object.keys(SERVER_TYPES).sort());
      for (const [file, content] of fresh.server)
        expect(readFileSync(`${REPO_ROOT}${file}`, 'utf8'), `${file} is stale`).toBe(content);
    } finally {
      rmSync(temp, { recursive: true, force: true });
    }
  });

  it('type Decimal and Date as strings, not unknown', () => {
    const generated = readFileSync(join(GENERATED_DIR, 'graphql.ts'), 'utf8');
    // Date as a variable (StpOverview's asOf) and Decimal in answers (the gap figures).
    expect(generated).toMatch(
      /export type StpOverviewQueryVariables = Exact<\{\n {2}code: string \| number;\n {2}asOf\?: string \| null \| undefined;\n\}>/,
    );
    expect(generated).toContain('combinedGbpM: string | null');
    expect(generated).not.toContain('unknown;');
  });
});

describe('the scalar types', () => {
  it("are exported for each of the schema's scalars, as the documents carry them", () => {
    const declared = [...readFileSync(`${REPO_ROOT}schema/api.graphql`, 'utf8').matchAll(/^scalar (\w+)/gm)].map(
      (m) => m[1],
    );
    expect(Object.keys(SCALARS).sort()).toEqual(declared.sort());
    // Checked by tsc (npm run typecheck): Scalars names what codegen maps, and the documents use it.
    expectTypeOf<keyof Scalars>().toEqualTypeOf<keyof typeof SCALARS>();
    expectTypeOf<StpOverviewQueryVariables['asOf']>().toEqualTypeOf<HubDate | null | undefined>();
    expectTypeOf<
      NonNullable<NonNullable<StpOverviewQuery['stp']>['financialGap']>['combinedGbpM']
    >().toEqualTypeOf<Decimal | null>();
  });
});

/** A file as the last commit has it; null outside git, or where that commit has none. */
function committed(path: string): string | null {
  try {
    return execFileSync('git', ['show', `HEAD:${path}`], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'ignore'],
    }).toString();
  } catch {
    return null;
  }
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const semver = (version: string) => version.split('.').map(Number);

describe('the package version', () => {
  it('follows the API schema: npm run compose sets it for schema/api.graphql, from the committed one', () => {
    const pkg = JSON.parse(readFileSync(`${REPO_ROOT}packages/client/package.json`, 'utf8')) as {
      version: string;
      nhsHub: { apiSchemaSha256: string };
    };
    const api = readFileSync(`${REPO_ROOT}schema/api.graphql`, 'utf8');
    expect(pkg.nhsHub.apiSchemaSha256, 'schema/api.graphql changed without `npm run compose`').toBe(sha256(api));
    expect(pkg.version).toMatch(/^\d+\.\d+\.\d+$/);
    // What the client names itself by in its headers.
    expect(CLIENT_VERSION).toBe(pkg.version);
    // Against the last commit: its schema keeps its version; another schema has a later one.
    const before = committed('packages/client/package.json');
    const beforeApi = committed('schema/api.graphql');
    if (before === null || beforeApi === null) return;
    const { version } = JSON.parse(before) as { version: string };
    if (sha256(beforeApi) === sha256(api)) expect(pkg.version).toBe(version);
    else {
      const [now, then] = [semver(pkg.version), semver(version)];
      const later = now.findIndex((n, i) => n !== then[i]);
      expect(later >= 0 && (now[later] ?? 0) > (then[later] ?? 0), `${pkg.version} after ${version}`).toBe(true);
    }
  });
});
