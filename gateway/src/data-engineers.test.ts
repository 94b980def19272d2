import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify, stripVTControlCharacters } from 'node:util';
import { createTestHub, type TestHub, testDatabaseUrl, uniqueSchemaName } from '@nhs-hub/kit/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoadCommand } from '../../scripts/load.js';
import { nextFreePort, registerBuild, registerSubgraph, renderSubgraph, validateName } from '../../scripts/scaffold.js';
import { CONFIG_PATH, readGraphConfig, REPO_ROOT, SUPERGRAPH_PATH } from './config.js';
import { copyRepository } from './repository-copy.js';
import { docsMentioning, REQUIRED } from './shape.js';

/** The data engineers' tools, run as a data engineer runs them: the scaffold and the loader CLI. */
const run = promisify(execFile);
const temp = mkdtempSync(join(tmpdir(), 'hub-dataeng-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));
/** The subgraph these tests scaffold: never a name the docs use (checked), nor one already in the graph. */
const THROWAWAY = 'sandpit';

describe('npm run new:subgraph', () => {
  it('refuses names that cannot name a package, a schema and GraphQL types, and names already taken', () => {
    const registered = readGraphConfig().map((e) => e.name);
    const supergraph = readFileSync(SUPERGRAPH_PATH, 'utf8');
    expect(validateName('Work-Force', REPO_ROOT)).toMatch(/lower-case letters and digits/);
    expect(validateName('geography', REPO_ROOT)).toBe('services/geography already exists');
    expect(validateName('kit', REPO_ROOT)).toMatch(/reserved/);
    expect(validateName('pgcrypto', REPO_ROOT)).toMatch(/reserved/);
    expect(validateName(THROWAWAY, temp, [THROWAWAY])).toBe(`${THROWAWAY} is already in schema/subgraphs.json`);
    // finance owns FinancialFact: a "financial" subgraph's FinancialFact would not compose.
    expect(validateName('financial', REPO_ROOT, registered, supergraph)).toBe(
      'the graph already has a type FinancialFact; choose another name',
    );
    expect(validateName(THROWAWAY, REPO_ROOT, registered, supergraph)).toBeNull();
    // Never a name the docs use: following them (npm run new:subgraph -- estates) must not collide with this test.
    expect(docsMentioning(THROWAWAY)).toEqual([]);
  });

  it('no test takes a name the docs scaffold for a subgraph the graph lacks', () => {
    // A reader who follows the docs (npm run new:subgraph -- estates) gives that name a subgraph:
    // a test that means "no such subgraph" by it would then be wrong, so none may use it.
    const registered = readGraphConfig().map((e) => e.name);
    const supergraph = readFileSync(SUPERGRAPH_PATH, 'utf8');
    const scaffolded = [
      ...new Set(
        docsMentioning('new:subgraph').flatMap((doc) =>
          [...readFileSync(join(REPO_ROOT, doc), 'utf8').matchAll(/new:subgraph -- (\S+)/g)].map((m) => m[1] ?? ''),
        ),
      ),
    ].filter((name) => validateName(name, REPO_ROOT, registered, supergraph) === null);
    expect(scaffolded.length).toBeGreaterThan(0);
    const tests = execFileSync(
      'git',
      ['ls-files', '--cached', '--others', '--exclude-standard', '-z', '--', '*.test.ts', '*.test.ts.tpl'],
      { cwd: REPO_ROOT },
    )
      .toString()
      .split('\0')
      .filter((file) => file && existsSync(join(REPO_ROOT, file)));
    const uses = tests.flatMap((file) => {
      const source = readFileSync(join(REPO_ROOT, file), 'utf8');
      // As a value (a string, a key in JSON), not in prose: quoted or backquoted where it starts.
      return scaffolded.filter((name) => new RegExp(`['"\`]${name}\\b`).test(source)).map((name) => `${file}: ${name}`);
    });
    expect(uses).toEqual([]);
  });

  it('registers the subgraph on the next free port, leaving the other entries as they were', () => {
    const config = join(temp, 'subgraphs.json');
    copyFileSync(CONFIG_PATH, config);
    const before = readGraphConfig(config);
    const port = nextFreePort(before.map((e) => e.url));
    expect(port).toBe(Math.max(...before.map((e) => Number(new URL(e.url).port))) + 1);
    expect(registerSubgraph(config, THROWAWAY, port)).toBe(readFileSync(CONFIG_PATH, 'utf8'));
    expect(readGraphConfig(config)).toEqual([
      ...before,
      {
        name: THROWAWAY,
        url: `http://127.0.0.1:${port}/graphql`,
        sdl: `services/${THROWAWAY}/schema.graphql`,
        package: `@nhs-hub/${THROWAWAY}`,
      },
    ]);
  });

  it('scaffolds into a copy of the repository that passes npm test unchanged: biome, tsc, its tests, shape, composition, docs, client version', async () => {
    // The repository as a data engineer has it (uncommitted work included), committed in a copy so
    // HEAD is the schema baseline and biome finds its VCS root; node_modules linked, not copied.
    const root = `${join(temp, 'repo')}/`;
    copyRepository(root, { commit: true });

    // What `npm run new:subgraph -- <name>` does, its `npm install` being the one link it makes.
    const port = nextFreePort(readGraphConfig(join(root, 'schema/subgraphs.json')).map((e) => e.url));
    const files = renderSubgraph({ name: THROWAWAY, root, port, date: new Date('2026-11-22') });
    registerSubgraph(join(root, 'schema/subgraphs.json'), THROWAWAY, port);
    registerBuild(join(root, 'tsconfig.build.json'), THROWAWAY);
    symlinkSync(join(root, 'services', THROWAWAY), join(root, 'node_modules', '@nhs-hub', THROWAWAY));
    // The shape every subgraph has (shape.ts), with one ETL step and its test, and one type file with its test.
    expect(files).toEqual(expect.arrayContaining(REQUIRED.map((file) => `services/${THROWAWAY}/${file}`)));
    expect(files).toEqual(
      expect.arrayContaining(
        [
          `src/db/migrations/2026_11_22_001_${THROWAWAY}.ts`,
          'src/etl/facts.ts',
          'src/etl/facts.test.ts',
          'src/schema/fact.ts',
          'src/schema/fact.test.ts',
          'src/schema/stp.ts',
        ].map((file) => `services/${THROWAWAY}/${file}`),
      ),
    );
    const tsx = (script: string) => run(process.execPath, ['--import', 'tsx', script], { cwd: root });
    await tsx('gateway/src/compose.ts');
    await run('npm', ['run', '--silent', 'k8s:generate', '-w', '@nhs-hub/infra'], { cwd: root });

    // npm test's own steps, on the copy: nothing edited by hand after the scaffold.
    const bin = (tool: string) => join(REPO_ROOT, 'node_modules', '.bin', tool);
    const vitest = (cwd: string, ...args: string[]) =>
      run(bin('vitest'), ['run', ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } }).then((r) =>
        stripVTControlCharacters(r.stdout),
      );
    await run(bin('biome'), ['ci', '.'], { cwd: root });
    await run(bin('tsc'), ['-p', 'tsconfig.json', '--noEmit'], { cwd: root });
    expect(await vitest(join(root, 'services', THROWAWAY))).toMatch(/Tests\s+(\d+) passed \(\1\)/);
    // Every test that reads the graph's list of subgraphs, or what compose wrote for it: the shape,
    // composition, the docs (README's table and answers), the client's version, the plumbing, k8s.
    for (const [workspace, files] of [
      ['gateway', ['src/shape.test.ts', 'src/composition.test.ts', 'src/docs.test.ts']],
      ['packages/client', ['src/client.test.ts']],
      ['packages/kit', ['src/plumbing.test.ts']],
      ['infra', ['tests/k8s.test.ts']],
    ] as const) {
      const output = await vitest(join(root, workspace), ...files);
      expect(output, workspace).toMatch(new RegExp(`Test Files\\s+${files.length} passed \\(${files.length}\\)`));
      expect(output, workspace).toMatch(/Tests\s+(\d+) passed \(\1\)/);
    }
    // Compose set the client's version for the API schema the new subgraph extends: a minor step.
    const client = (dir: string) =>
      (JSON.parse(readFileSync(join(dir, 'packages/client/package.json'), 'utf8')) as { version: string }).version;
    const [major, minor] = client(REPO_ROOT).split('.').map(Number) as [number, number];
    expect(client(root)).toBe(`${major}.${minor + 1}.0`);
    // The hub's graph has it, and the changelog says who added what.
    const pascal = `${THROWAWAY.charAt(0).toUpperCase()}${THROWAWAY.slice(1)}`;
    expect(readFileSync(join(root, 'schema/supergraph.graphql'), 'utf8')).toContain(
      `${THROWAWAY}Facts: [${pascal}Fact!]!`,
    );
    expect(readFileSync(join(root, 'schema/CHANGELOG.md'), 'utf8')).toContain(
      `| added | \`Stp.${THROWAWAY}Facts\` | ${THROWAWAY} |`,
    );
  }, 600_000);
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
