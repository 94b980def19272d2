import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { afterAll, describe, expect, it } from 'vitest';
import { renderSubgraph, validateName } from '../../scripts/scaffold.js';
import { readGraphConfig, REPO_ROOT } from './config.js';

/** The data engineers' tools, run as a data engineer runs them: the scaffold and the loader CLI. */
const run = promisify(execFile);
const temp = mkdtempSync(join(tmpdir(), 'hub-dataeng-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe('npm run new:subgraph', () => {
  it('refuses names that cannot name a package, a schema and GraphQL types, and names already taken', () => {
    expect(validateName('Work-Force', REPO_ROOT)).toMatch(/lower-case letters and digits/);
    expect(validateName('geography', REPO_ROOT)).toBe('services/geography already exists');
    expect(validateName('estates', REPO_ROOT)).toBeNull();
  });

  it('generates a subgraph that passes its own tests and composes with the hub at once', async () => {
    // A copy of the repository's shape: the generated folder beside links to the real kit and deps.
    const root = join(temp, 'repo');
    mkdirSync(join(root, 'services'), { recursive: true });
    for (const link of ['node_modules', 'packages', 'infra']) symlinkSync(join(REPO_ROOT, link), join(root, link));
    symlinkSync(join(REPO_ROOT, 'services', 'geography'), join(root, 'services', 'geography'));
    const files = renderSubgraph({ name: 'estates', root, port: 4099, date: new Date('2026-11-22') });
    expect(files).toContain('services/estates/src/db/migrations/2026_11_22_001_estates.ts');
    expect(files).toContain('services/estates/src/schema/fact.test.ts');

    // Print its SDL the way `npm run compose` does, then run its own tests.
    const dir = join(root, 'services', 'estates');
    const printed = await run(process.execPath, ['--import', 'tsx', '-e', "import('./src/schema/index.ts').then(async ({ schema }) => { const { printSubgraphSdl } = await import('@nhs-hub/kit'); process.stdout.write(printSubgraphSdl(schema)); })"], { cwd: dir });
    writeFileSync(join(dir, 'schema.graphql'), printed.stdout);
    const tests = await run(join(REPO_ROOT, 'node_modules', '.bin', 'vitest'), ['run'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
    expect(tests.stdout.replace(/\u001b\[[0-9;]*m/g, '')).toMatch(/Tests\s+5 passed \(5\)/);

    const services = [
      ...readGraphConfig().map((e) => ({ name: e.name, url: e.url, typeDefs: parse(readFileSync(join(REPO_ROOT, e.sdl), 'utf8')) })),
      { name: 'estates', url: 'http://127.0.0.1:4099/graphql', typeDefs: parse(printed.stdout) },
    ];
    const composed = composeServices(services);
    expect(composed.errors ?? []).toEqual([]);
    expect(composed.hints).toEqual([]);
    expect(composed.supergraphSdl).toContain('estatesFacts: [EstatesFact!]!');
  }, 120_000);
});

describe('npm run load', () => {
  const cli = (args: string[], env: NodeJS.ProcessEnv) =>
    run(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'scripts', 'load.ts'), ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env, LOG_LEVEL: 'silent' } }).then(
      (r) => ({ code: 0, out: r.stdout, err: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout, err: e.stderr }),
    );
  // Its own embedded cluster, or a throw-away schema on the CI server's database.
  const env: NodeJS.ProcessEnv = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL
    ? { DATABASE_URL: process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL }
    : { DATABASE_URL: undefined, PGLITE_DATA_DIR: join(temp, 'pglite') };
  const SEED = 'seeds/000_647e8cd618725ea4.txt';
  const schema = `--schema=load_cli_${process.pid}`;
  afterAll(async () => {
    if (!env.DATABASE_URL) return;
    const { Client } = await import('pg');
    const client = new Client({ connectionString: env.DATABASE_URL });
    await client.connect();
    await client.query(`drop schema if exists ${schema.slice('--schema='.length)} cascade`);
    await client.end();
  });
  const rows = (id: string) => `id,stp_code,kind,value,unit,qualifier,statement,source_document,source_line\n${id},QJM,VACANCY_RATE,9,PERCENT,≈,high vacancy rate ≈ 9%,${SEED},34\n`;

  it('validates, dry-runs, loads and reloads a file, saying what it did each time', async () => {
    const id = 'workforce.cli.1';
    const path = join(temp, 'vacancy.csv');
    writeFileSync(path, rows(id));
    const bad = join(temp, 'bad.csv');
    writeFileSync(bad, rows(id).replace(',QJM,', ',QQ,').replace(',34\n', ',35\n'));

    const refused = await cli(['workforce', 'workforce_fact', bad, schema], env);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('bad.csv:2 [stp_code]: an STP ODS code such as QJM');

    const dry = await cli(['workforce', 'workforce_fact', path, '--dry-run', schema], env);
    expect(dry.out).toMatch(/1 rows; would insert 1, would update 0, unchanged 0\. \(dry run: nothing written\)/);
    const first = await cli(['workforce', 'workforce_fact', path, schema], env);
    expect(first.out).toMatch(/1 rows; inserted 1, updated 0, unchanged 0\./);
    const second = await cli(['workforce', 'workforce_fact', path, schema], env);
    expect(second.out).toMatch(/inserted 0, updated 0, unchanged 1\. Nothing to change/);
  }, 120_000);

  it('names the loadable tables when asked for one that is not', async () => {
    const wrong = await cli(['workforce', 'nope', 'x.csv'], env);
    expect(wrong.code).toBe(2);
    expect(wrong.err).toContain("Subgraph 'workforce' has no loadable table 'nope' (loadable: workforce_fact)");
  }, 60_000);
});
