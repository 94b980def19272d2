import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openDatabase } from '@nhs-hub/kit/db';
import { createTestHub, type TestHub } from '@nhs-hub/kit/testing';
import { buildSchema, Kind, parse, print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSchemaCheck } from '../../scripts/schema-check.js';
import { runSchemaUsage } from '../../scripts/schema-usage.js';
import { REPO_ROOT, SUPERGRAPH_PATH } from './config.js';
import { API_SCHEMA_PATH } from './governance.js';
import { copyRepository } from './repository-copy.js';
import {
  coordinatesOf,
  ensureUsageTables,
  type RecordedOperation,
  USAGE_SCHEMA,
  type UsageTarget,
  writeUsage,
} from './usage.js';

/**
 * The schema commands as a data engineer runs them, against a usage database (PGlite, or the
 * PostgreSQL of TEST_DATABASE_URL) holding what the gateway would have recorded: `npm run
 * schema:check` refuses a breaking change a client used in the window unless the allow-list
 * accepts it, and lets one nobody used through with a warning; `npm run schema:usage` says who used
 * a field; `npm run compose` reads the same usage as schema:check. The in-process runs take the
 * database open; the child processes find it where the environment says, as from a shell.
 */
const run = promisify(execFile);
const apiSdl = readFileSync(API_SCHEMA_PATH, 'utf8');
const supergraphSdl = readFileSync(SUPERGRAPH_PATH, 'utf8');
const api = buildSchema(apiSdl);
const DAY = 86_400_000;
const temp = mkdtempSync(join(tmpdir(), 'hub-schema-cli-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

/** The SDL without one field of one type (with its description). */
function withoutField(sdl: string, typeName: string, fieldName: string): string {
  const document = parse(sdl);
  return print({
    ...document,
    definitions: document.definitions.map((d) =>
      d.kind === Kind.OBJECT_TYPE_DEFINITION && d.name.value === typeName
        ? { ...d, fields: d.fields?.filter((f) => f.name.value !== fieldName) }
        : d,
    ),
  });
}

const operation = (name: string, document: string): RecordedOperation => ({
  hash: `${name.toLowerCase()}-hash`,
  name,
  coordinates: coordinatesOf(api, parse(document)),
});
/** A workforce board that asked for units an hour ago, and a report that asked for qualifiers 40 days ago. */
const UNITS = operation('Units', 'query Units { stp(code: "QJM") { workforceFacts { kind unit } } }');
const QUALIFIERS = operation('Qualifiers', 'query Qualifiers { stp(code: "QJM") { workforceFacts { qualifier } } }');
async function record(target: UsageTarget): Promise<void> {
  await ensureUsageTables(target);
  const now = Date.now();
  const hour = (at: number) => at - (at % 3_600_000);
  await writeUsage(
    target,
    [
      {
        hour: hour(now),
        clientName: 'workforce-board',
        clientVersion: '1.0.0',
        operation: UNITS,
        count: 3,
        lastSeen: now,
      },
      {
        hour: hour(now - 40 * DAY),
        clientName: 'old-report',
        clientVersion: '2',
        operation: QUALIFIERS,
        count: 1,
        lastSeen: now - 40 * DAY,
      },
    ],
    [UNITS, QUALIFIERS],
  );
}

/** Child processes find the usage database the environment names, and no other. */
const childEnv = (pgliteDataDir: string) => {
  const env: NodeJS.ProcessEnv = { ...process.env, PGLITE_DATA_DIR: pgliteDataDir, LOG_LEVEL: 'silent', NO_COLOR: '1' };
  for (const key of ['DATABASE_URL', 'HUB_USAGE_DATABASE_URL', 'TEST_DATABASE_URL']) delete env[key];
  return env;
};
const tsx = (cwd: string, script: string, args: string[], env: NodeJS.ProcessEnv) =>
  run(process.execPath, ['--conditions=@nhs-hub/source', '--import', 'tsx', script, ...args], {
    cwd,
    env,
    maxBuffer: 16 * 2 ** 20,
  }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({
      code: error.code ?? -1,
      stdout: error.stdout ?? '',
      stderr: error.stderr ?? '',
    }),
  );

describe('npm run schema:check and schema:usage on recorded usage', () => {
  let hub: TestHub;
  let target: UsageTarget;
  // schema/ committed in a repository of its own: git HEAD is today's checked-in API schema.
  const root = `${join(temp, 'baseline')}/`;
  beforeAll(async () => {
    hub = await createTestHub();
    target = { db: hub.database.root, schema: hub.schema('usage') };
    await record(target);
    mkdirSync(join(root, 'schema'), { recursive: true });
    writeFileSync(join(root, 'schema/api.graphql'), apiSdl);
    writeFileSync(join(root, 'schema/supergraph.graphql'), supergraphSdl);
    for (const args of [
      ['init', '-q'],
      ['add', 'schema'],
      ['commit', '-qm', 'schema'],
    ])
      execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.org', ...args], {
        cwd: root,
        stdio: 'ignore',
      });
  });
  afterAll(() => hub?.close());

  const check = async (
    removed: [string, string],
    args: string[] = [],
    more: { allowlist?: { path: string; reason: string; approvedBy: string; date: string }[]; usage?: null } = {},
  ) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runSchemaCheck(args, {
      root,
      composed: { apiSdl: withoutField(apiSdl, ...removed), supergraphSdl },
      usageDatabase: more.usage === null ? null : target,
      allowlist: more.allowlist ?? [],
      stdout: (l) => out.push(l),
      stderr: (l) => err.push(l),
    });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('refuses a breaking change to a field a client used in the window, naming the client', async () => {
    const refused = await check(['WorkforceFact', 'unit']);
    expect(refused.code).toBe(1);
    expect(refused.out).toContain('removed (breaking) WorkforceFact.unit (owner workforce)');
    expect(refused.out).toContain('Known use: the checked-in operations and the clients recorded in the last 30 days.');
    expect(refused.err).toMatch(
      /Refused: 1 breaking change\(s\):\n {2}WorkforceFact\.unit: .* Owned by workforce\. Breaks public API consumers: client workforce-board@1\.0\.0: Units \(3 request\(s\), last \d{4}-\d\d-\d\dT[\d:]+Z\), and any other client selecting it\./,
    );
  });

  it('lets through, with a warning naming it, a breaking change no client used in the window; a longer window refuses it', async () => {
    const passed = await check(['WorkforceFact', 'qualifier']);
    expect(passed.code).toBe(0);
    expect(passed.err).toContain('Warning, unused breaking change: WorkforceFact.qualifier:');
    expect(passed.err).toContain('No known use');
    const longer = await check(['WorkforceFact', 'qualifier'], ['--usage-days=60']);
    expect(longer.code).toBe(1);
    expect(longer.err).toContain('client old-report@2: Qualifiers (1 request(s)');
  });

  it('accepts a used breaking change the allow-list names, with its reason', async () => {
    const allowlist = [
      { path: 'WorkforceFact.unit', reason: 'Units move into the value', approvedBy: 'API review', date: '2026-12-07' },
    ];
    const allowed = await check(['WorkforceFact', 'unit'], [], { allowlist });
    expect(allowed.code).toBe(0);
    expect(allowed.out).toContain('Allowed by the allow-list: WorkforceFact.unit:');
  });

  it('refuses a field a checked-in operation selects with no usage database at all', async () => {
    const refused = await check(['Stp', 'leads'], [], { usage: null });
    expect(refused.code).toBe(1);
    expect(refused.out).toContain('Known use: the checked-in operations only.');
    expect(refused.err).toContain('the checked-in operation(s) AllStps, StpOverview (schema/operations/)');
    expect((await check(['WorkforceFact', 'unit'], [], { usage: null })).code).toBe(0);
    expect((await check(['Stp', 'leads'], ['--usage-days=0'])).code).toBe(2);
  });

  it('schema:usage lists the clients and operations that used a field, within the days asked', async () => {
    const lines: string[] = [];
    expect(await runSchemaUsage(['WorkforceFact.unit'], { usageDatabase: target, stdout: (l) => lines.push(l) })).toBe(
      0,
    );
    expect(lines.join('\n')).toMatch(
      /^WorkforceFact\.unit: 3 request\(s\) in the last 90 days, 1 client\(s\)\.\nclient\s+operation\s+requests\s+last seen\nworkforce-board@1\.0\.0\s+Units\s+3\s+\d{4}-/,
    );
    const recent: string[] = [];
    await runSchemaUsage(['WorkforceFact.qualifier', '--days=30'], {
      usageDatabase: target,
      stdout: (l) => recent.push(l),
    });
    expect(recent).toEqual(['WorkforceFact.qualifier: no recorded use in the last 30 days.']);
    const err: string[] = [];
    expect(await runSchemaUsage(['--days=x'], { usageDatabase: target, stderr: (l) => err.push(l) })).toBe(2);
    expect(err[0]).toMatch(/^usage: npm run schema:usage/);
  });

  it('schema:usage runs as its own command on the embedded database the environment names', async () => {
    const dir = join(temp, 'usage-pglite');
    const database = await openDatabase({ pgliteDataDir: dir });
    await record({ db: database.root, schema: USAGE_SCHEMA }).finally(() => database.close());
    const found = await tsx(REPO_ROOT, 'scripts/schema-usage.ts', ['WorkforceFact.unit'], childEnv(dir));
    expect(found).toMatchObject({ code: 0, stderr: '' });
    expect(found.stdout).toMatch(/^WorkforceFact\.unit: 3 request\(s\) in the last 90 days, 1 client\(s\)\./);
    expect(found.stdout).toMatch(/\nworkforce-board@1\.0\.0\s+Units\s+3\s+/);
    const none = await tsx(
      REPO_ROOT,
      'scripts/schema-usage.ts',
      ['WorkforceFact.unit'],
      childEnv(join(temp, 'nowhere')),
    );
    expect(none.stdout).toContain('WorkforceFact.unit: no usage recorded (no HUB_USAGE_DATABASE_URL');
  }, 60_000);
});

describe('npm run compose on recorded usage', () => {
  it('refuses, naming the live client, a removal the usage database records in use; passes it as unused without one', async () => {
    // A copy of the repository with WorkforceFact.unit removed from the workforce subgraph.
    const root = `${join(temp, 'repo')}/`;
    copyRepository(root, { commit: true });
    const fact = join(root, 'services/workforce/src/schema/fact.ts');
    const code = readFileSync(fact, 'utf8');
    const line = "    unit: t.exposeString('unit', { nullable: true }),\n";
    expect(code).toContain(line);
    writeFileSync(fact, code.replace(line, ''));
    const usage = join(temp, 'compose-usage');
    const database = await openDatabase({ pgliteDataDir: usage });
    await record({ db: database.root, schema: USAGE_SCHEMA }).finally(() => database.close());

    const refused = await tsx(root, 'gateway/src/compose.ts', [], childEnv(usage));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Known use: the checked-in operations and the clients recorded in PGlite');
    expect(refused.stderr).toMatch(
      /Refusing 1 breaking change\(s\) against git HEAD; nothing written:\n {2}WorkforceFact\.unit: .* Breaks public API consumers: client workforce-board@1\.0\.0: Units \(3 request\(s\)/,
    );
    expect(readFileSync(join(root, 'schema/api.graphql'), 'utf8')).toBe(apiSdl);

    const passed = await tsx(root, 'gateway/src/compose.ts', [], childEnv(join(temp, 'no-usage')));
    expect(passed.code).toBe(0);
    expect(passed.stderr).toContain('unused breaking change WorkforceFact.unit:');
    expect(readFileSync(join(root, 'schema/CHANGELOG.md'), 'utf8')).toContain(
      '| removed (breaking) | `WorkforceFact.unit` | workforce |',
    );
    // A breaking change, allowed or unused, is a major step of the client.
    const version = (dir: string) =>
      (JSON.parse(readFileSync(join(dir, 'packages/client/package.json'), 'utf8')) as { version: string }).version;
    const major = Number(version(REPO_ROOT).split('.')[0]);
    expect(version(root)).toBe(`${major + 1}.0.0`);
    expect(passed.stdout).toContain(`@nhs-hub/client ${major + 1}.0.0 (major, from ${version(REPO_ROOT)})`);
  }, 300_000);
});
