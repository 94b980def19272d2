import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GraphQLObjectType, GraphQLSchema, GraphQLString } from 'graphql';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DataFileError } from './data.js';
import { type HubDatabase, openDatabase } from './db.js';
import { formatChange, type LoadableTable, loadFile, readRecords, validateRecords } from './loader.js';
import {
  changesSince,
  dataVersion,
  figureHistories,
  describeSeedOutcome,
  listReleases,
  ReleaseError,
  releaseChanges,
  revertRelease,
  sha256File,
} from './releases.js';
import { replaceTables } from './seed.js';
import { migrateOnce } from './standalone.js';
import { readEnv } from './platform/env.js';
import { prepareSubgraph, type SubgraphDefinition } from './subgraph-runtime.js';
import { createTestHub, type TestHub, testDatabaseUrl } from './testing.js';

interface Db {
  staff_fact: {
    id: string;
    stp_code: string;
    value: string | null;
    statement: string;
    source_document: string;
    source_line: number;
  };
}
type Fact = Db['staff_fact'];

const SEED = 'seeds/000_647e8cd618725ea4.txt';
const Row = z.object({
  id: z.string().min(1),
  stp_code: z.string().regex(/^[A-Z0-9]{3}$/, 'an STP ODS code such as QJM'),
  value: z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'a plain decimal')
    .nullable(),
  statement: z.string().min(1),
  source_document: z.string(),
  source_line: z.coerce.number().int().positive(),
});
const loadable: LoadableTable<Fact> = {
  table: 'staff_fact',
  row: Row,
  columns: Object.keys(Row.shape),
  key: ['id'],
  citations: (row) => [
    { column: 'statement', citation: { document: row.source_document, line: row.source_line, text: row.statement } },
  ],
};
const HEADER = 'id,stp_code,value,statement,source_document,source_line';
const VACANCY = `high vacancy rate ≈ 9%,${SEED},34`;
const GPS = `An extra 26 GPs are now in post,${SEED},36`;

let hub: TestHub;
let dir: string;
beforeAll(async () => {
  hub = await createTestHub();
  dir = mkdtempSync(join(tmpdir(), 'kit-releases-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await hub.close();
});

const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
async function factSchema(prefix: string): Promise<Kysely<Db>> {
  const scoped = await hub.newSchema<Db>(prefix);
  await sql`create table ${sql.table(`${scoped.schema}.staff_fact`)} (id text primary key, stp_code text not null, value numeric, statement text not null, source_document text not null, source_line int not null)`.execute(
    hub.database.root,
  );
  return scoped.db;
}
const facts = (db: Kysely<Db>) => db.selectFrom('staff_fact').select(['id', 'value']).orderBy('id').execute();

describe('a load is a release', () => {
  let db: Kysely<Db>;
  beforeAll(async () => {
    db = await factSchema('rel_load');
  });

  it('records id, time, actor, kind, the file with its sha256, counts, and every row before and after with its source', async () => {
    const path = file('first.csv', `${HEADER}\nw.1,QJM,9,${VACANCY}\nw.2,QJM,26,${GPS}\n`);
    const first = await loadFile(db, loadable, path, { actor: 'alice' });
    expect(first.release).toBe(1);
    const second = await loadFile(
      db,
      loadable,
      file('second.csv', `${HEADER}\nw.1,QJM,10,${VACANCY}\nw.2,QJM,26,${GPS}\n`),
      {
        actor: 'bob',
      },
    );
    expect(second).toMatchObject({ release: 2, inserted: 0, updated: 1, unchanged: 1 });
    const releases = await listReleases(db);
    expect(releases.map((r) => [r.id, r.kind, r.actor, r.counts, r.tables])).toEqual([
      [2, 'load', 'bob', { inserted: 0, updated: 1, deleted: 0 }, ['staff_fact']],
      [1, 'load', 'alice', { inserted: 2, updated: 0, deleted: 0 }, ['staff_fact']],
    ]);
    expect(releases[1]?.files).toEqual([{ path, sha256: sha256File(path) }]);
    expect(Date.parse(releases[0]?.at ?? '')).toBeGreaterThanOrEqual(Date.parse(releases[1]?.at ?? ''));
    // An update records only the columns that changed, old and new, and where the new value came from.
    expect(await releaseChanges(db, 2)).toEqual([
      expect.objectContaining({
        table: 'staff_fact',
        key: { id: 'w.1' },
        op: 'update',
        before: { value: '9' },
        after: { value: '10' },
        source: { file: join(dir, 'second.csv'), line: 2, document: SEED, documentLine: 34 },
      }),
    ]);
    const inserted = await releaseChanges(db, 1);
    expect(inserted.map((c) => [c.op, c.key, c.after?.value, c.source?.line])).toEqual([
      ['insert', { id: 'w.1' }, '9', 2],
      ['insert', { id: 'w.2' }, '26', 3],
    ]);
  });

  it('makes no release when nothing changes, and the data version moves exactly when one lands', async () => {
    const before = await dataVersion(db);
    expect(before.release).toBe(2);
    const same = await loadFile(db, loadable, file('same.csv', `${HEADER}\nw.1,QJM,10.0,${VACANCY}\n`));
    expect(same).toMatchObject({ release: null, unchanged: 1 });
    expect(await dataVersion(db)).toEqual(before);
    await loadFile(db, loadable, file('third.csv', `${HEADER}\nw.3,QJM,39,${GPS}\n`));
    expect((await dataVersion(db)).release).toBe(3);
  });

  it('dry-runs with the values that would change, old → new, and writes nothing', async () => {
    const path = file('dry.csv', `${HEADER}\nw.1,QJM,11,${VACANCY}\nw.4,QJM,,${GPS}\n`);
    const dry = await loadFile(db, loadable, path, { dryRun: true });
    expect(dry).toMatchObject({ release: null, inserted: 1, updated: 1, dryRun: true });
    expect(dry.preview.map(formatChange)).toEqual([
      '~ staff_fact id=w.1: value 10 → 11',
      `+ staff_fact id=w.4: stp_code QJM, value (empty), statement An extra 26 GPs are now in post, source_document ${SEED}, source_line 36`,
    ]);
    expect((await listReleases(db)).length).toBe(3);
    expect(await facts(db)).toEqual([
      { id: 'w.1', value: '10' },
      { id: 'w.2', value: '26' },
      { id: 'w.3', value: '39' },
    ]);
  });

  it('deletes the rows a file lists by key, refusing the whole file for a key the table lacks', async () => {
    const refused = await loadFile(db, loadable, file('del-bad.csv', 'id\nw.3\nw.9\n'), { mode: 'delete' }).catch(
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(DataFileError);
    expect((refused as Error).message).toContain('del-bad.csv:3 [id]: no row with id w.9 in staff_fact to delete');
    expect((await facts(db)).length).toBe(3);
    const missing = await loadFile(db, loadable, file('del-empty.csv', 'id,stp_code\n,QJM\n'), {
      mode: 'delete',
    }).catch((e: unknown) => (e as Error).message);
    expect(missing).toContain('del-empty.csv:2 [id]: column id is required');
    const deleted = await loadFile(db, loadable, file('del.csv', 'id\nw.3\n'), { mode: 'delete' });
    expect(deleted).toMatchObject({ deleted: 1, release: 4 });
    expect((await listReleases(db))[0]).toMatchObject({ id: 4, kind: 'delete' });
    expect((await releaseChanges(db, 4))[0]).toMatchObject({
      op: 'delete',
      key: { id: 'w.3' },
      before: { id: 'w.3', value: '39', source_line: 36 },
      after: null,
    });
  });

  it('replaces the table, refusing if what would disappear changed since it was shown', async () => {
    const path = file('only.csv', `${HEADER}\nw.1,QJM,10,${VACANCY}\n`);
    const plan = await loadFile(db, loadable, path, { mode: 'replace', dryRun: true });
    expect(plan.preview.filter((c) => c.op === 'delete').map((c) => c.key)).toEqual([{ id: 'w.2' }]);
    expect(plan.replacedKeys).toEqual([{ id: 'w.2' }]);
    await expect(loadFile(db, loadable, path, { mode: 'replace', confirmedDeletions: [] })).rejects.toThrow(
      'The table changed while the replace was being confirmed (another release landed): it would now also delete 1 row(s) not shown: staff_fact id=w.2. Nothing was written.',
    );
    // As many rows as were shown, but not the same ones: refused too, naming both.
    await expect(
      loadFile(db, loadable, path, { mode: 'replace', confirmedDeletions: [{ id: 'w.9' }] }),
    ).rejects.toThrow(
      'it would now also delete 1 row(s) not shown: staff_fact id=w.2; 1 row(s) shown are no longer there to delete: staff_fact id=w.9. Nothing was written.',
    );
    expect((await facts(db)).length).toBe(2);
    expect((await listReleases(db)).length).toBe(4);
    expect(
      await loadFile(db, loadable, path, { mode: 'replace', confirmedDeletions: plan.replacedKeys ?? [] }),
    ).toMatchObject({
      release: 5,
      deleted: 1,
      unchanged: 1,
    });
    expect(await facts(db)).toEqual([{ id: 'w.1', value: '10' }]);
    expect((await listReleases(db))[0]?.kind).toBe('replace');
  });
});

describe('revert', () => {
  let db: Kysely<Db>;
  beforeAll(async () => {
    db = await factSchema('rel_revert');
    await loadFile(db, loadable, file('r1.csv', `${HEADER}\nw.1,QJM,9,${VACANCY}\nw.2,QJM,26,${GPS}\n`), {
      actor: 'a',
    });
    await loadFile(db, loadable, file('r2.csv', `${HEADER}\nw.1,QJM,10,${VACANCY}\nw.3,QJM,39,${GPS}\n`), {
      actor: 'b',
    });
    await loadFile(db, loadable, file('r3.csv', `${HEADER}\nw.1,QJM,11,${VACANCY}\n`), { actor: 'c' });
  });

  it('refuses when a later release changed the same rows, naming them, and changes nothing', async () => {
    const error = await revertRelease(db, 2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReleaseError);
    expect((error as Error).message).toBe(
      'Cannot revert release 2: 1 row(s) it changed were changed since; nothing was reverted:\n  staff_fact id=w.1: changed by release 3 (load by c)\nRevert the later release(s) first.',
    );
    expect(await facts(db)).toEqual([
      { id: 'w.1', value: '11' },
      { id: 'w.2', value: '26' },
      { id: 'w.3', value: '39' },
    ]);
    await expect(revertRelease(db, 99)).rejects.toThrow(/There is no release 99/);
  });

  it('undoes a release in one transaction, as a release of its own, then the one before it', async () => {
    expect(await revertRelease(db, 3, { actor: 'd' })).toEqual({
      reverted: 3,
      release: 4,
      counts: { inserted: 0, updated: 1, deleted: 0 },
    });
    expect(await facts(db)).toContainEqual({ id: 'w.1', value: '10' });
    await expect(revertRelease(db, 3)).rejects.toThrow('Release 3 was already reverted by release 4');
    // Release 3's change is undone, so release 2 is the last to have changed its rows.
    expect((await revertRelease(db, 2)).counts).toEqual({ inserted: 0, updated: 1, deleted: 1 });
    expect(await facts(db)).toEqual([
      { id: 'w.1', value: '9' },
      { id: 'w.2', value: '26' },
    ]);
    const releases = await listReleases(db);
    expect(releases.map((r) => [r.id, r.kind, r.reverts, r.revertedBy])).toEqual([
      [5, 'revert', 2, null],
      [4, 'revert', 3, null],
      [3, 'load', null, 4],
      [2, 'load', null, 5],
      [1, 'load', null, null],
    ]);
    // A revert is a release like any other: reverting it puts back what it undid.
    await revertRelease(db, 5);
    expect(await facts(db)).toEqual([
      { id: 'w.1', value: '10' },
      { id: 'w.2', value: '26' },
      { id: 'w.3', value: '39' },
    ]);
  });
});

describe('two loads at once', () => {
  it('are serialised by the release lock, never interleaved', async () => {
    const db = await factSchema('rel_lock');
    const big = (prefix: string, value: number) =>
      file(
        `${prefix}.csv`,
        `${HEADER}\n${Array.from({ length: 1_200 }, (_, i) => `w.${i},QJM,${value},${VACANCY}`).join('\n')}\n`,
      );
    // On PostgreSQL the second load runs on a pool of its own, as a second process would.
    const url = testDatabaseUrl();
    const other: HubDatabase | null = url ? await openDatabase({ url }) : null;
    try {
      const otherDb = other ? other.forSchema<Db>(schemaNameOf(db)).db : db;
      const [a, b] = await Promise.all([loadFile(db, loadable, big('a', 1)), loadFile(otherDb, loadable, big('b', 2))]);
      const ids = [a.release, b.release].sort();
      expect(ids).toEqual([1, 2]);
      // The later one found the earlier one's rows: it updated all 1,200 of them.
      const [earlier, later] = a.release === 1 ? [a, b] : [b, a];
      expect(earlier).toMatchObject({ inserted: 1_200 });
      expect(later).toMatchObject({ updated: 1_200, inserted: 0 });
      const { rows } = await sql<{
        release_id: number;
        first: number;
        last: number;
      }>`select release_id::int, min(id)::int as first, max(id)::int as last
        from ${sql.table(`${schemaNameOf(db)}.hub_change`)} group by release_id order by release_id`.execute(db);
      // Each release's change records are one unbroken run: nothing of the other came in between.
      expect(rows.map((r) => r.last - r.first + 1)).toEqual([1_200, 1_200]);
      expect((rows[0]?.last ?? 0) < (rows[1]?.first ?? 0)).toBe(true);
    } finally {
      await other?.close();
    }
  }, 60_000);
});

function schemaNameOf(db: Kysely<Db>): string {
  const compiled = db.selectFrom('staff_fact').selectAll().compile().sql;
  return /from "([^"]+)"\./.exec(compiled)?.[1] ?? '';
}

/** A subgraph of one table whose seed reads data/facts.csv from a package folder of its own. */
function reseedingSubgraph(root: string): SubgraphDefinition<Db> {
  return {
    name: 'tiny',
    schema: new GraphQLSchema({
      query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLString } } }),
    }),
    migrations: {
      '2026_12_07_001_tiny': {
        // biome-ignore lint/suspicious/noExplicitAny: a migration is frozen in time
        async up(db: Kysely<any>) {
          await db.schema
            .createTable('staff_fact')
            .addColumn('id', 'text', (c) => c.primaryKey())
            .addColumn('stp_code', 'text', (c) => c.notNull())
            .addColumn('value', 'numeric')
            .addColumn('statement', 'text', (c) => c.notNull())
            .addColumn('source_document', 'text', (c) => c.notNull())
            .addColumn('source_line', 'integer', (c) => c.notNull())
            .execute();
        },
      },
    },
    packageRoot: pathToFileURL(`${root}/`),
    seed: async (db) => {
      const path = join(root, 'data', 'facts.csv');
      const problems: Parameters<typeof validateRecords>[3] = [];
      const rows = validateRecords(path, loadable, readRecords(path, problems), problems);
      if (problems.length) throw new DataFileError(problems);
      return replaceTables(db, [['staff_fact', rows.map((r) => r.value)]]);
    },
  };
}

describe('a reseed never loses a loaded row', () => {
  it('load, change data/, restart: loaded rows survive, the start says what it changed and what it kept', async () => {
    const root = join(dir, 'tiny');
    mkdirSync(join(root, 'data'), { recursive: true });
    const data = join(root, 'data', 'facts.csv');
    writeFileSync(data, `${HEADER}\nw.1,QJM,9,${VACANCY}\nw.2,QJM,26,${GPS}\nw.3,QJM,39,${GPS}\n`);
    writeFileSync(join(root, 'data', 'README.md'), 'Three facts.\n');
    const definition = reseedingSubgraph(root);
    const schema = hub.schema('tiny');
    const start = () => prepareSubgraph(definition, hub.database, schema, 'if-changed');

    const first = await start();
    expect(first.seedOutcome).toMatchObject({ release: 1, counts: { inserted: 3, updated: 0, deleted: 0, kept: 0 } });
    const db = first.scoped.db;
    const seedRelease = (await listReleases(db))[0];
    expect(seedRelease?.kind).toBe('seed');
    expect(seedRelease?.actor).toMatch(/\(seed at start\)$/);
    expect(seedRelease?.files.map((f) => f.path).sort()).toEqual([
      join(root, 'data', 'README.md'),
      join(root, 'data', 'facts.csv'),
    ]);
    expect(seedRelease?.files.find((f) => f.path.endsWith('facts.csv'))?.sha256).toBe(sha256File(data));

    // A load adds a row and corrects one; a delete removes another.
    await loadFile(db, loadable, file('tiny-load.csv', `${HEADER}\nw.1,QJM,10,${VACANCY}\nw.4,QJM,40,${GPS}\n`));
    await loadFile(db, loadable, file('tiny-del.csv', 'id\nw.3\n'), { mode: 'delete' });
    const loaded = [
      { id: 'w.1', value: '10' },
      { id: 'w.2', value: '26' },
      { id: 'w.4', value: '40' },
    ];

    // Unchanged data/: no reseed at all.
    expect((await start()).seedReport).toBeNull();
    // Only the README edited: the reseed would have put back w.1 = 9 and w.3 and dropped w.4. It keeps them.
    writeFileSync(join(root, 'data', 'README.md'), 'Three facts, described better.\n');
    const second = await start();
    expect(await facts(db)).toEqual(loaded);
    expect(second.seedOutcome).toMatchObject({ release: null, counts: { inserted: 0, updated: 0, deleted: 0 } });
    expect(describeSeedOutcome(second.seedOutcome)).toBe(
      'no row changed; kept as later releases left them, not reverted to data/: release 2 (load): 2 row(s) [staff_fact id=w.1; staff_fact id=w.4], release 3 (delete): 1 row(s) [staff_fact id=w.3]',
    );

    // data/ corrects a row no release has touched since the seed: that change is applied, the loaded rows stay.
    writeFileSync(data, readFileSync(data, 'utf8').replace('w.2,QJM,26', 'w.2,QJM,27'));
    const third = await start();
    expect(await facts(db)).toEqual([
      { id: 'w.1', value: '10' },
      { id: 'w.2', value: '27' },
      { id: 'w.4', value: '40' },
    ]);
    expect(third.seedOutcome).toMatchObject({ release: 4, counts: { inserted: 0, updated: 1, deleted: 0, kept: 3 } });
    expect(describeSeedOutcome(third.seedOutcome)).toMatch(
      /^release 4: 0 inserted, 1 updated, 0 deleted; kept as later/,
    );

    // A bad data/ file refuses the start and changes nothing.
    writeFileSync(data, `${HEADER}\nw.1,Q,10,${VACANCY}\n`);
    await expect(start()).rejects.toThrow(/facts\.csv:2 \[stp_code\]: an STP ODS code such as QJM/);
    expect(await facts(db)).toEqual([
      { id: 'w.1', value: '10' },
      { id: 'w.2', value: '27' },
      { id: 'w.4', value: '40' },
    ]);
    expect((await listReleases(db)).length).toBe(4);

    // To let data/ win over a load, revert the load: the row is the seed's again, and the next reseed updates it.
    writeFileSync(data, `${HEADER}\nw.1,QJM,12,${VACANCY}\nw.2,QJM,27,${GPS}\nw.3,QJM,39,${GPS}\n`);
    await revertRelease(db, 3); // the delete: w.3 is back
    await expect(revertRelease(db, 2)).resolves.toMatchObject({ counts: { inserted: 0, updated: 1, deleted: 1 } });
    const fourth = await start();
    expect(await facts(db)).toEqual([
      { id: 'w.1', value: '12' },
      { id: 'w.2', value: '27' },
      { id: 'w.3', value: '39' },
    ]);
    expect(fourth.seedOutcome?.kept).toEqual([]);
  });
});

describe('the start line after a reseed', () => {
  it("the migrate Job's line names the loaded rows a reseed kept, with their release", async () => {
    const root = join(dir, 'tiny-line');
    mkdirSync(join(root, 'data'), { recursive: true });
    writeFileSync(join(root, 'data', 'facts.csv'), `${HEADER}\nw.1,QJM,9,${VACANCY}\nw.2,QJM,26,${GPS}\n`);
    writeFileSync(join(root, 'data', 'README.md'), 'Two facts.\n');
    const schema = hub.schema('tiny_line');
    // The Job closes its database when done; this one is the test's. No gateway to tell (a folder of its own).
    const database = { ...hub.database, close: async () => undefined };
    const env = readEnv({
      HUB_SEED: 'if-changed',
      HUB_SCHEMA: schema,
      PGLITE_DATA_DIR: join(dir, 'tiny-line-pg', 'data'),
    });
    const job = async () => {
      const lines: string[] = [];
      const log = console.log;
      console.log = (line: string) => void lines.push(line);
      try {
        expect(await migrateOnce(reseedingSubgraph(root), env, database)).toBe(0);
      } finally {
        console.log = log;
      }
      return lines;
    };
    const where = `tiny migrated in schema ${schema} (${hub.database.kind}); no migration to apply`;
    expect(await job()).toContain(
      `tiny migrated in schema ${schema} (${hub.database.kind}); applied 2026_12_07_001_tiny; 2 staff_fact (release 1: 2 inserted, 0 updated, 0 deleted)`,
    );
    await loadFile(
      hub.database.forSchema<Db>(schema).db,
      loadable,
      file('line-load.csv', `${HEADER}\nw.1,QJM,10,${VACANCY}\n`),
    );
    // Only the README edited: a reseed, which keeps the loaded w.1 and says so.
    writeFileSync(join(root, 'data', 'README.md'), 'Two facts, described better.\n');
    expect(await job()).toContain(
      `${where}; 2 staff_fact (no row changed; kept as later releases left them, not reverted to data/: release 2 (load): 1 row(s) [staff_fact id=w.1])`,
    );
    // data/ changes w.2: applied, and w.1 still named as kept.
    writeFileSync(join(root, 'data', 'facts.csv'), `${HEADER}\nw.1,QJM,9,${VACANCY}\nw.2,QJM,27,${GPS}\n`);
    expect(await job()).toContain(
      `${where}; 2 staff_fact (release 3: 0 inserted, 1 updated, 0 deleted; kept as later releases left them, not reverted to data/: release 2 (load): 1 row(s) [staff_fact id=w.1])`,
    );
  });
});

describe('references to other subgraphs', () => {
  it("refuses an STP code geography does not publish, from the published list, never geography's tables", async () => {
    const db = await factSchema('rel_refs');
    const path = file('qzz.csv', `${HEADER}\nw.1,QJM,9,${VACANCY}\nw.2,QZZ,26,${GPS}\n`);
    const message = await loadFile(db, loadable, path).catch((e: unknown) => (e as Error).message);
    expect(message).toContain(
      'qzz.csv:3 [stp_code]: stp_code QZZ is not in the stp list geography publishes (schema/reference-lists.json)',
    );
    expect(await facts(db)).toEqual([]);
    // An organisation must be one organisations publishes.
    const OrgRow = z.object({ organisation_id: z.string(), note: z.string() });
    const orgLoadable: LoadableTable<z.infer<typeof OrgRow>> = {
      table: 'org_note',
      row: OrgRow,
      columns: Object.keys(OrgRow.shape),
      key: ['organisation_id'],
    };
    const orgs = file('orgs.csv', 'organisation_id,note\nlincolnshire-ccg-nowhere,x\n');
    expect(await loadFile(db, orgLoadable, orgs).catch((e: unknown) => (e as Error).message)).toContain(
      'orgs.csv:2 [organisation_id]: organisation_id lincolnshire-ccg-nowhere is not in the organisation list organisations publishes',
    );
    // A loadable that says which lists it checks (here none) is taken at its word.
    expect(await loadFile(db, { ...loadable, references: [] }, path, { dryRun: true })).toMatchObject({ inserted: 2 });
  });
});

describe('changesSince', () => {
  it('pages the changes after a release in one statement whatever the page size, each with its STP', async () => {
    const db = await factSchema('rel_feed');
    await loadFile(db, loadable, file('f1.csv', `${HEADER}\nw.1,QJM,9,${VACANCY}\nw.2,QJ2,26,${GPS}\n`));
    await loadFile(db, loadable, file('f2.csv', `${HEADER}\nw.1,QJM,10,${VACANCY}\nw.3,QJM,39,${GPS}\n`));
    const counter = hub.database.forSchema(schemaNameOf(db));
    const all = await changesSince(counter.db, { first: 10 });
    expect(all.next).toBeNull();
    expect(all.changes.map((c) => [c.release, c.op, c.key, c.entity])).toEqual([
      [1, 'insert', { id: 'w.1' }, { type: 'Stp', code: 'QJM' }],
      [1, 'insert', { id: 'w.2' }, { type: 'Stp', code: 'QJ2' }],
      [2, 'update', { id: 'w.1' }, { type: 'Stp', code: 'QJM' }],
      [2, 'insert', { id: 'w.3' }, { type: 'Stp', code: 'QJM' }],
    ]);
    const since1 = await changesSince(counter.db, { sinceRelease: 1, first: 1 });
    expect(since1.changes.map((c) => [c.release, c.before, c.after])).toEqual([[2, { value: '9' }, { value: '10' }]]);
    const rest = await changesSince(counter.db, { sinceRelease: 1, first: 1, after: since1.next ?? 0 });
    expect(rest.changes.map((c) => c.key)).toEqual([{ id: 'w.3' }]);
    expect(rest.next).toBeNull();
    for (const first of [1, 100]) {
      const { statements } = await counter.counter.measure(() => changesSince(counter.db, { first }));
      // the page itself: whether the release tables exist was asked once, by the first read
      expect(statements).toBe(1);
    }
  });
});

describe('a table numbered by a serial id, loaded by its natural key', () => {
  interface RegionDb {
    region_fact: { id: number; region_code: string; label: string; value: string };
  }
  const RegionRow = z.object({
    region_code: z.string().regex(/^Y\d\d$/, 'a region code such as Y60'),
    label: z.string().min(1),
    value: z.string().regex(/^\d+(\.\d+)?$/, 'a plain decimal'),
  });
  const regionLoadable: LoadableTable<RegionDb['region_fact']> = {
    table: 'region_fact',
    row: RegionRow as unknown as LoadableTable<RegionDb['region_fact']>['row'],
    columns: Object.keys(RegionRow.shape),
    key: ['region_code', 'label'],
  };

  it('inserts new keys, updates changed rows in place (ids kept), records and reverts them', async () => {
    const scoped = await hub.newSchema<RegionDb>('rel_serial');
    await sql`create table ${sql.table(`${scoped.schema}.region_fact`)} (id serial primary key, region_code text not null, label text not null, value numeric not null)`.execute(
      hub.database.root,
    );
    const db = scoped.db;
    const rows = () =>
      db.selectFrom('region_fact').select(['id', 'region_code', 'label', 'value']).orderBy('id').execute();
    await loadFile(
      db,
      regionLoadable,
      file('r1.csv', 'region_code,label,value\nY60,Population,10.1\nY61,Population,7.3\n'),
    );
    const before = await rows();
    const summary = await loadFile(
      db,
      regionLoadable,
      file('r2.csv', 'region_code,label,value\nY60,Population,10.2\nY61,Population,7.3\nY61,CCGs,19\n'),
    );
    expect(summary).toMatchObject({ release: 2, inserted: 1, updated: 1, unchanged: 1 });
    expect(await rows()).toEqual([
      { id: before[0]?.id, region_code: 'Y60', label: 'Population', value: '10.2' },
      { id: before[1]?.id, region_code: 'Y61', label: 'Population', value: '7.3' },
      { id: expect.any(Number), region_code: 'Y61', label: 'CCGs', value: '19' },
    ]);
    expect((await releaseChanges(db, 2)).map((c) => [c.op, c.key, c.entity])).toEqual([
      ['update', { region_code: 'Y60', label: 'Population' }, { type: 'Region', code: 'Y60' }],
      ['insert', { region_code: 'Y61', label: 'CCGs' }, { type: 'Region', code: 'Y61' }],
    ]);
    const refused = await loadFile(
      db,
      regionLoadable,
      file('r3.csv', 'region_code,label,value\nY99,Population,1\n'),
    ).catch((e: unknown) => (e as Error).message);
    expect(refused).toContain('r3.csv:2 [region_code]: region_code Y99 is not in the region list geography publishes');
    await revertRelease(db, 2);
    expect((await rows()).map((r) => [r.region_code, r.label, r.value])).toEqual([
      ['Y60', 'Population', '10.1'],
      ['Y61', 'Population', '7.3'],
    ]);
  });

  it("seeds know a serial table's rows by the loadables' key, so a figure's history runs across seeds and loads", async () => {
    const root = join(dir, 'regions');
    mkdirSync(join(root, 'data'), { recursive: true });
    const data = join(root, 'data', 'regions.csv');
    writeFileSync(data, 'region_code,label,value\nY60,Population,10.1\nY61,Population,7.3\n');
    const definition: SubgraphDefinition<RegionDb> = {
      name: 'regions',
      schema: new GraphQLSchema({
        query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLString } } }),
      }),
      migrations: {
        '2026_12_07_001_regions': {
          // biome-ignore lint/suspicious/noExplicitAny: a migration is frozen in time
          async up(db: Kysely<any>) {
            await db.schema
              .createTable('region_fact')
              .addColumn('id', 'serial', (c) => c.primaryKey())
              .addColumn('region_code', 'text', (c) => c.notNull())
              .addColumn('label', 'text', (c) => c.notNull())
              .addColumn('value', 'numeric', (c) => c.notNull())
              .execute();
          },
        },
      },
      packageRoot: pathToFileURL(`${root}/`),
      loadables: { region_fact: regionLoadable as unknown as LoadableTable },
      seed: async (db) => {
        const problems: Parameters<typeof validateRecords>[3] = [];
        const rows = validateRecords(data, regionLoadable, readRecords(data, problems), problems);
        if (problems.length) throw new DataFileError(problems);
        return replaceTables(db, [['region_fact', rows.map((r) => r.value)]]);
      },
    };
    const schema = hub.schema('regions');
    const { scoped } = await prepareSubgraph(definition, hub.database, schema, 'if-changed');
    await loadFile(scoped.db, regionLoadable, file('y60.csv', 'region_code,label,value\nY60,Population,10.2\n'));
    writeFileSync(data, 'region_code,label,value\nY60,Population,10.1\nY61,Population,7.4\n');
    const reseed = await prepareSubgraph(definition, hub.database, schema, 'if-changed');
    expect(reseed.seedOutcome).toMatchObject({ release: 3, counts: { updated: 1, kept: 1 } });
    const [y60, y61, none] = await figureHistories(scoped.db, 'region_fact', 'value', [
      { region_code: 'Y60', label: 'Population' },
      { label: 'Population', region_code: 'Y61' },
      { region_code: 'Y62', label: 'Population' },
    ]);
    expect(y60?.map((e) => [e.release, e.kind, e.value, e.source?.line ?? null])).toEqual([
      [1, 'seed', '10.1', 0], // a seed reads its whole data folder: no one line
      [2, 'load', '10.2', 2],
    ]);
    expect(y61?.map((e) => [e.release, e.kind, e.value])).toEqual([
      [1, 'seed', '7.3'],
      [3, 'seed', '7.4'],
    ]);
    expect(none).toEqual([]);
  });
});
