import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify, stripVTControlCharacters } from 'node:util';
import { composeServices } from '@apollo/composition';
import { createTestHub, type TestHub, testDatabaseUrl, uniqueSchemaName } from '@nhs-hub/kit/testing';
import { parse } from 'graphql';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoadCommand } from '../../scripts/load.js';
import { nextFreePort, registerSubgraph, renderSubgraph, validateName } from '../../scripts/scaffold.js';
import { CONFIG_PATH, readGraphConfig, REPO_ROOT, SUPERGRAPH_PATH } from './config.js';
import { REQUIRED } from './shape.js';

/** The data engineers' tools, run as a data engineer runs them: the scaffold and the loader CLI. */
const run = promisify(execFile);
const temp = mkdtempSync(join(tmpdir(), 'hub-dataeng-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe('npm run new:subgraph', () => {
  it('refuses names that cannot name a package, a schema and GraphQL types, and names already taken', () => {
    const registered = readGraphConfig().map((e) => e.name);
    const supergraph = readFileSync(SUPERGRAPH_PATH, 'utf8');
    expect(validateName('Work-Force', REPO_ROOT)).toMatch(/lower-case letters and digits/);
    expect(validateName('geography', REPO_ROOT)).toBe('services/geography already exists');
    expect(validateName('kit', REPO_ROOT)).toMatch(/reserved/);
    expect(validateName('pgcrypto', REPO_ROOT)).toMatch(/reserved/);
    expect(validateName('estates', temp, ['estates'])).toBe('estates is already in schema/subgraphs.json');
    // finance owns FinancialFact: a "financial" subgraph's FinancialFact would not compose.
    expect(validateName('financial', REPO_ROOT, registered, supergraph)).toBe(
      'the graph already has a type FinancialFact; choose another name',
    );
    expect(validateName('estates', REPO_ROOT, registered, supergraph)).toBeNull();
  });

  it('registers the subgraph on the next free port, leaving the other entries as they were', () => {
    const config = join(temp, 'subgraphs.json');
    copyFileSync(CONFIG_PATH, config);
    const before = readGraphConfig(config);
    const port = nextFreePort(before.map((e) => e.url));
    expect(port).toBe(Math.max(...before.map((e) => Number(new URL(e.url).port))) + 1);
    expect(registerSubgraph(config, 'estates', port)).toBe(readFileSync(CONFIG_PATH, 'utf8'));
    expect(readGraphConfig(config)).toEqual([
      ...before,
      {
        name: 'estates',
        url: `http://127.0.0.1:${port}/graphql`,
        sdl: 'services/estates/schema.graphql',
        package: '@nhs-hub/estates',
      },
    ]);
  });

  it('generates a subgraph that passes its own tests and composes with the hub at once', async () => {
    // A copy of the repository's shape: the generated folder beside links to the real kit and deps.
    const root = join(temp, 'repo');
    mkdirSync(join(root, 'services'), { recursive: true });
    for (const link of ['node_modules', 'packages', 'infra']) symlinkSync(join(REPO_ROOT, link), join(root, link));
    symlinkSync(join(REPO_ROOT, 'services', 'geography'), join(root, 'services', 'geography'));
    const files = renderSubgraph({ name: 'estates', root, port: 4099, date: new Date('2026-11-22') });
    // The shape every subgraph has (shape.ts), with one ETL step and its test, and one type file with its test.
    expect(files).toEqual(expect.arrayContaining(REQUIRED.map((file) => `services/estates/${file}`)));
    expect(files).toEqual(
      expect.arrayContaining([
        'services/estates/src/db/migrations/2026_11_22_001_estates.ts',
        'services/estates/src/etl/facts.ts',
        'services/estates/src/etl/facts.test.ts',
        'services/estates/src/schema/fact.ts',
        'services/estates/src/schema/fact.test.ts',
        'services/estates/src/schema/stp.ts',
      ]),
    );

    // Print its SDL the way `npm run compose` does, then run its own tests.
    const dir = join(root, 'services', 'estates');
    const printed = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        "import('./src/schema/index.ts').then(async ({ schema }) => { const { printSubgraphSdl } = await import('@nhs-hub/kit/subgraph'); process.stdout.write(printSubgraphSdl(schema)); })",
      ],
      { cwd: dir },
    );
    writeFileSync(join(dir, 'schema.graphql'), printed.stdout);
    const tests = await run(join(REPO_ROOT, 'node_modules', '.bin', 'vitest'), ['run'], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(stripVTControlCharacters(tests.stdout)).toMatch(/Tests\s+13 passed \(13\)/);

    const services = [
      ...readGraphConfig().map((e) => ({
        name: e.name,
        url: e.url,
        typeDefs: parse(readFileSync(join(REPO_ROOT, e.sdl), 'utf8')),
      })),
      { name: 'estates', url: 'http://127.0.0.1:4099/graphql', typeDefs: parse(printed.stdout) },
    ];
    const composed = composeServices(services);
    expect(composed.errors ?? []).toEqual([]);
    expect(composed.hints).toEqual([]);
    expect(composed.supergraphSdl).toContain('estatesFacts: [EstatesFact!]!');
  }, 120_000);
});

describe('npm run load', () => {
  const SEED = 'seeds/000_647e8cd618725ea4.txt';
  const HEADER = 'id,stp_code,kind,value,unit,qualifier,statement,source_document,source_line';
  const vacancy = (id: string) => `${id},QJM,VACANCY_RATE,9,PERCENT,≈,high vacancy rate ≈ 9%,${SEED},34`;
  const file = (name: string, text: string) => {
    const path = join(temp, name);
    writeFileSync(path, text);
    return path;
  };

  // In-process on the test database (PGlite, or the CI server's PostgreSQL), in a schema of its own.
  let hub: TestHub;
  let schema: string;
  beforeAll(async () => {
    hub = await createTestHub();
    schema = hub.schema('load_cli');
  });
  afterAll(() => hub.close());
  const load = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runLoadCommand([...args, `--schema=${schema}`], {
      database: hub.database,
      cwd: temp,
      stdout: (l) => out.push(l),
      stderr: (l) => err.push(l),
    });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
  const count = async () => {
    const { rows } = await sql<{
      n: number;
    }>`select count(*)::int as n from ${sql.table(`${schema}.workforce_fact`)}`.execute(hub.database.root);
    return rows[0]?.n;
  };

  it('refuses a file with a bad row, naming file:line [column] and the reason, and loads nothing', async () => {
    file(
      'bad.csv',
      `${HEADER}\n${vacancy('workforce.cli.1')}\n${vacancy('workforce.cli.2').replace(',QJM,', ',QQ,')}\n${vacancy('workforce.cli.3').replace(',34', ',35')}\n`,
    );
    const refused = await load('workforce', 'workforce_fact', 'bad.csv');
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('Data validation failed; nothing was loaded (2 problems)');
    expect(refused.err).toContain('bad.csv:3 [stp_code]: an STP ODS code such as QJM');
    expect(refused.err).toMatch(/bad\.csv:4 \[statement\]: citation does not hold/);
    expect(await count()).toBe(0);
  });

  it('refuses a column the table does not have, once, instead of dropping it', async () => {
    file('typo.csv', `${HEADER},qualifer\n${vacancy('workforce.cli.1')},≈\n${vacancy('workforce.cli.2')},≈\n`);
    const refused = await load('workforce', 'workforce_fact', 'typo.csv');
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('(1 problem)');
    expect(refused.err).toContain(
      'typo.csv:1 [qualifer]: unknown column; workforce_fact has id, stp_code, kind, value, unit, qualifier, statement, source_document, source_line',
    );
  });

  it('dry-runs, loads and reloads a file, saying what it did each time', async () => {
    file('vacancy.csv', `${HEADER}\n${vacancy('workforce.cli.1')}\n`);
    const dry = await load('workforce', 'workforce_fact', 'vacancy.csv', '--dry-run');
    expect(dry.err).toMatch(
      new RegExp(`^Dry run: .*vacancy\\.csv -> ${schema}\\.workforce_fact on (PGlite|PostgreSQL)`),
    );
    expect(dry.out).toMatch(/1 rows; would insert 1, would update 0, unchanged 0\. \(dry run: nothing written\)/);
    expect(await count()).toBe(0);
    expect((await load('workforce', 'workforce_fact', 'vacancy.csv')).out).toMatch(
      /1 rows; inserted 1, updated 0, unchanged 0\.$/,
    );
    expect((await load('workforce', 'workforce_fact', 'vacancy.csv')).out).toMatch(
      /inserted 0, updated 0, unchanged 1\. Nothing to change/,
    );
    expect(await count()).toBe(1);
  });

  it('loads JSON, upserting by key: a changed row is updated, a new one inserted', async () => {
    const rows = [
      {
        id: 'workforce.cli.1',
        stp_code: 'QJM',
        kind: 'VACANCY_RATE',
        value: '9',
        unit: 'PERCENT',
        qualifier: 'about',
        statement: 'high vacancy rate ≈ 9%',
        source_document: SEED,
        source_line: 34,
      },
      {
        id: 'workforce.cli.3',
        stp_code: 'QJM',
        kind: 'EXTRA_GPS_IN_POST',
        value: '26',
        unit: 'GPS',
        qualifier: null,
        statement: 'An extra 26 GPs are now in post',
        source_document: SEED,
        source_line: 36,
      },
    ];
    file('more.json', JSON.stringify(rows, null, 2));
    const dry = await load('workforce', 'workforce_fact', 'more.json', '--dry-run');
    expect(dry.out).toContain('2 rows; would insert 1, would update 1, unchanged 0.');
    expect((await load('workforce', 'workforce_fact', 'more.json')).out).toContain(
      '2 rows; inserted 1, updated 1, unchanged 0.',
    );
    expect((await load('workforce', 'workforce_fact', 'more.json')).out).toContain(
      'inserted 0, updated 0, unchanged 2.',
    );
    expect(await count()).toBe(2);
  });

  it('draws a progress bar with counts and rate on a terminal', async () => {
    const lines = Array.from({ length: 1200 }, (_, i) => vacancy(`workforce.bulk.${i}`));
    file('bulk.csv', `${HEADER}\n${lines.join('\n')}\n`);
    let drawn = '';
    const terminal = Object.assign(
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          drawn += chunk.toString();
          done();
        },
      }),
      { isTTY: true, columns: 120 },
    );
    const code = await runLoadCommand(['workforce', 'workforce_fact', 'bulk.csv', `--schema=${schema}`], {
      database: hub.database,
      cwd: temp,
      stdout: () => undefined,
      stderr: () => undefined,
      progressStream: terminal,
    });
    expect(code).toBe(0);
    expect(drawn).toMatch(/workforce_fact \[=+\] 100% \| 1200\/1200 rows \| \d+ rows\/s/);
  });

  it('names the loadable tables when asked for one that is not, and explains its usage', async () => {
    expect(await load('workforce', 'nope', 'x.csv')).toMatchObject({
      code: 2,
      err: "Subgraph 'workforce' has no loadable table 'nope' (loadable: workforce_fact)",
    });
    expect(await load('nobody', 'nope', 'x.csv')).toMatchObject({
      code: 2,
      err: expect.stringContaining("No subgraph 'nobody'"),
    });
    expect((await load('workforce', 'workforce_fact')).err).toMatch(/^usage: npm run load/);
  });

  it('runs as its own command on the database the environment names, migrating first', async () => {
    // Its own embedded cluster on disk, or a throw-away schema on the CI server's database.
    const url = testDatabaseUrl();
    const own = uniqueSchemaName('load_cmd');
    const env = url ? { DATABASE_URL: url } : { DATABASE_URL: undefined, PGLITE_DATA_DIR: join(temp, 'pglite') };
    try {
      const result = await run(
        process.execPath,
        [
          '--import',
          'tsx',
          join(REPO_ROOT, 'scripts', 'load.ts'),
          'workforce',
          'workforce_fact',
          join(temp, 'vacancy.csv'),
          '--dry-run',
          `--schema=${own}`,
        ],
        {
          cwd: REPO_ROOT,
          env: { ...process.env, ...env, LOG_LEVEL: 'silent' },
        },
      );
      expect(result.stderr).toContain(`-> ${own}.workforce_fact on ${url ? 'PostgreSQL' : 'PGlite'}`);
      expect(result.stdout).toContain(
        '1 rows; would insert 1, would update 0, unchanged 0. (dry run: nothing written)',
      );
    } finally {
      if (url) await hub.database.dropSchema(own);
    }
  }, 60_000);
});
