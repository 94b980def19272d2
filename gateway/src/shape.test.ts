import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderSubgraph } from '../../scripts/scaffold.js';
import { readGraphConfig, REPO_ROOT } from './config.js';
import { DATALESS_REQUIRED, DATALESS_SRC_ENTRIES, DB_ENTRIES, docsMentioning, REQUIRED, SRC_ENTRIES } from './shape.js';

function filesUnder(root: string, dir = root): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (entry === 'node_modules' || entry === 'dist') return [];
    return statSync(path).isDirectory() ? filesUnder(root, path) : [relative(root, path)];
  });
}

const scratch = mkdtempSync(join(tmpdir(), 'hub-shape-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The scaffold's output for a throw-away name: the template as a data engineer gets it. */
function scaffolded(name: string, port: number): string {
  const root = join(scratch, name);
  mkdirSync(join(root, 'services'), { recursive: true });
  renderSubgraph({ name, root, port, date: new Date('2026-11-22') });
  return join(root, 'services', name);
}

const all = readGraphConfig().map((entry) => ({
  name: entry.name,
  dir: join(REPO_ROOT, 'services', entry.name),
  dataless: entry.data === false,
}));
const subgraphs = all.filter((s) => !s.dataless);
/** Subgraphs declared `"data": false`: no tables, so none of the files that make and read them. */
const dataless = all.filter((s) => s.dataless);
/** Never a name the docs use (checked below): a data engineer following them could make it for real. */
const THROWAWAY = 'shapecheck';
const shapes = [...subgraphs, { name: 'the scaffold template', dir: scaffolded(THROWAWAY, 4099) }];

describe('one shape for every subgraph and the scaffold', () => {
  it('has schema/subgraphs.json list every subgraph folder in services/, and nothing else', () => {
    // Read, never counted here: a scaffolded subgraph is one more folder and one more entry.
    const folders = readdirSync(join(REPO_ROOT, 'services')).filter((entry) =>
      existsSync(join(REPO_ROOT, 'services', entry, 'package.json')),
    );
    expect(subgraphs.length).toBeGreaterThan(0);
    expect(all.map((s) => s.name).sort()).toEqual(folders.sort());
  });

  it('scaffolds a throw-away name that no doc uses, so following a doc never collides with this test', () => {
    expect(docsMentioning(THROWAWAY)).toEqual([]);
  });

  it.each(shapes)('$name has every required file', ({ dir }) => {
    const files = new Set(filesUnder(dir));
    expect(REQUIRED.filter((file) => !files.has(file))).toEqual([]);
    // a migration besides the index, at least one type file, and an ETL step with its own test
    const listed = [...files];
    expect(
      listed.filter((f) => /^src\/db\/migrations\/\d{4}_\d{2}_\d{2}_\d{3}_[a-z0-9_]+\.ts$/.test(f)).length,
    ).toBeGreaterThan(0);
    expect(
      listed.filter((f) => /^src\/schema\/[a-z-]+\.ts$/.test(f) && !/\/(index|refs|loaders)\.ts$/.test(f)).length,
    ).toBeGreaterThan(0);
    expect(
      listed.filter((f) => /^src\/etl\/[a-z0-9-]+\.test\.ts$/.test(f) && !f.endsWith('index.test.ts')).length,
    ).toBeGreaterThan(0);
  });

  it.each(shapes)('$name keeps nothing else in src/ and nothing but reads and migrations in db/', ({ dir }) => {
    expect(readdirSync(join(dir, 'src')).filter((entry) => !SRC_ENTRIES.has(entry))).toEqual([]);
    expect(readdirSync(join(dir, 'src', 'db')).filter((entry) => !DB_ENTRIES.has(entry))).toEqual([]);
    // tests sit beside the code they test, never in a folder of their own
    expect(filesUnder(join(dir, 'src')).filter((f) => /(^|\/)(__tests__|test|tests)\//.test(f))).toEqual([]);
  });

  it.each(dataless)(
    '$name (declared "data": false) has the files of a subgraph without tables, and no others',
    ({ dir }) => {
      const files = new Set(filesUnder(dir));
      expect(DATALESS_REQUIRED.filter((file) => !files.has(file))).toEqual([]);
      expect(readdirSync(join(dir, 'src')).filter((entry) => !DATALESS_SRC_ENTRIES.has(entry))).toEqual([]);
      expect(['data', 'src/db', 'src/etl'].filter((folder) => existsSync(join(dir, folder)))).toEqual([]);
      // The kit's runtime must know too: it neither migrates nor seeds it, and gives it the data subgraphs' URLs.
      expect(readFileSync(join(dir, 'src', 'index.ts'), 'utf8')).toMatch(/dataless: true/);
    },
  );

  it.each([...shapes, ...dataless])(
    '$name imports the kit through @nhs-hub/kit/subgraph (and /testing in tests) only',
    ({ dir }) => {
      const wrong: string[] = [];
      for (const file of filesUnder(join(dir, 'src')).filter((f) => f.endsWith('.ts'))) {
        const allowed = file.endsWith('.test.ts') ? ['subgraph', 'testing'] : ['subgraph'];
        for (const [, entry] of readFileSync(join(dir, 'src', file), 'utf8').matchAll(
          /from '@nhs-hub\/kit(\/[^']*)?'/g,
        )) {
          // anything else (the gateway entry above all) would load code a subgraph process does not need
          if (!allowed.includes(entry?.slice(1) ?? '')) wrong.push(`${file}: @nhs-hub/kit${entry ?? ''}`);
        }
      }
      expect(wrong).toEqual([]);
    },
  );

  it('workforce is what the scaffold makes, but for its data and one test of its own figures', () => {
    const generated = scaffolded('workforce', 4005);
    const own = join(REPO_ROOT, 'services', 'workforce');
    const compared = filesUnder(generated).filter(
      // data/ holds its real facts; fact.test.ts adds a test of Lincolnshire's figures; schema.graphql is printed;
      // its migration is frozen as the template wrote it on 2026-11-22 (before the kit's citationColumns)
      (file) =>
        !file.startsWith('data/') &&
        file !== 'src/schema/fact.test.ts' &&
        file !== 'schema.graphql' &&
        file !== 'src/db/migrations/2026_11_22_001_workforce.ts',
    );
    expect(compared.length).toBeGreaterThan(15);
    for (const file of compared)
      expect(readFileSync(join(own, file), 'utf8'), `services/workforce/${file}`).toBe(
        readFileSync(join(generated, file), 'utf8'),
      );
    expect(filesUnder(join(own, 'src')).sort()).toEqual(filesUnder(join(generated, 'src')).sort());
  });
});
