import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { figureHistories, prepareSubgraph, REFERENCE_LISTS_PATH } from '@nhs-hub/kit/subgraph';
import { createTestHub, type TestHub } from '@nhs-hub/kit/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoadCommand } from '../../scripts/load.js';
import { referenceListsText } from '../../scripts/publish-references.js';
import { runReleasesCommand } from '../../scripts/releases.js';
import { runRevertCommand } from '../../scripts/revert.js';
import { loadSubgraph, REPO_ROOT, readGraphConfig } from './config.js';

/** The release commands as a data engineer runs them, on workforce's table in a schema of this test's own. */
const temp = mkdtempSync(join(tmpdir(), 'hub-releases-'));
const SEED = 'seeds/000_647e8cd618725ea4.txt';
const HEADER = 'id,stp_code,kind,value,unit,qualifier,statement,source_document,source_line';
const vacancy = (id: string, value: number) =>
  `${id},QJM,VACANCY_RATE,${value},PERCENT,≈,high vacancy rate ≈ 9%,${SEED},34`;
const gps = (id: string) => `${id},QJM,EXTRA_GPS_IN_POST,26,GPS,,An extra 26 GPs are now in post,${SEED},36`;
const file = (name: string, text: string) => {
  writeFileSync(join(temp, name), text);
  return name;
};

let hub: TestHub;
let schema: string;
beforeAll(async () => {
  hub = await createTestHub();
  schema = hub.schema('releases_cli');
});
afterAll(async () => {
  await hub.close();
  rmSync(temp, { recursive: true, force: true });
});

type Command = typeof runLoadCommand | typeof runReleasesCommand | typeof runRevertCommand;
async function run(
  command: Command,
  args: string[],
  confirm?: (q: string) => Promise<boolean>,
  target: string = schema,
) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await command([...args, `--schema=${target}`], {
    database: hub.database,
    cwd: temp,
    stdout: (l) => out.push(l),
    stderr: (l) => err.push(l),
    ...(confirm ? { confirm } : {}),
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}
const ids = async () =>
  (
    await sql<{
      id: string;
      value: string | null;
    }>`select id, value from ${sql.table(`${schema}.workforce_fact`)} order by id`.execute(hub.database.root)
  ).rows;

describe('npm run load, releases, revert', () => {
  it('records each load as a release, and a dry run prints the values that would change', async () => {
    file('a.csv', `${HEADER}\n${vacancy('w.1', 9)}\n${gps('w.2')}\n`);
    const loaded = await run(runLoadCommand, ['workforce', 'workforce_fact', 'a.csv']);
    expect(loaded.code).toBe(0);
    expect(loaded.err).toContain(`Recorded as release 1 of ${schema} (npm run revert -- workforce/1 undoes it).`);
    file('b.csv', `${HEADER}\n${vacancy('w.1', 10)}\n${gps('w.2')}\n${gps('w.3')}\n`);
    const dry = await run(runLoadCommand, ['workforce', 'workforce_fact', 'b.csv', '--dry-run']);
    expect(dry.out.split('\n')).toEqual([
      '~ workforce_fact id=w.1: value 9 → 10',
      `+ workforce_fact id=w.3: stp_code QJM, kind EXTRA_GPS_IN_POST, value 26, unit GPS, qualifier (empty), statement An extra 26 GPs are now in post, source_document ${SEED}, source_line 36`,
      `${join(temp, 'b.csv')} -> workforce_fact: 3 rows; would insert 1, would update 1, unchanged 1. (dry run: nothing written)`,
    ]);
    expect((await run(runLoadCommand, ['workforce', 'workforce_fact', 'b.csv'])).code).toBe(0);
    const listed = await run(runReleasesCommand, ['workforce']);
    expect(listed.code).toBe(0);
    const lines = listed.out.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^workforce\/2 +\d{4}-\d\d-\d\dT[\d:.]+Z {2}load {4}\S+ {2}\[workforce_fact\] 1 inserted, 1 updated, 0 deleted; files \/.*b\.csv sha256:[0-9a-f]{12}$/,
    );
    expect(lines[1]).toMatch(/^workforce\/1 .* load .* 2 inserted, 0 updated, 0 deleted; files .*a\.csv/);
    const shown = await run(runReleasesCommand, ['--show=workforce/2']);
    expect(shown.out.split('\n').slice(1)).toEqual([
      `  ~ workforce_fact id=w.1: value 9 → 10  (${join(temp, 'b.csv')}:2, citing ${SEED}:34)`,
      expect.stringMatching(
        /^ {2}\+ workforce_fact id=w\.3: .* \(.*b\.csv:4, citing seeds\/000_647e8cd618725ea4\.txt:36\)$/,
      ),
    ]);
  });

  it('deletes rows by key, and replaces the table only once what would disappear was shown and confirmed', async () => {
    file('del.csv', 'id\nw.3\n');
    const deleted = await run(runLoadCommand, ['workforce', 'workforce_fact', 'del.csv', '--delete']);
    expect(deleted.out).toContain('deleted 1.');
    file('only.csv', `${HEADER}\n${vacancy('w.1', 10)}\n`);
    const questions: string[] = [];
    const declined = await run(runLoadCommand, ['workforce', 'workforce_fact', 'only.csv', '--replace'], async (q) => {
      questions.push(q);
      return false;
    });
    expect(declined.code).toBe(1);
    expect(declined.err).toContain(
      `--replace would delete 1 row(s) of ${schema}.workforce_fact that the file does not have:`,
    );
    expect(declined.err).toContain('  - workforce_fact id=w.2: stp_code QJM, kind EXTRA_GPS_IN_POST, value 26');
    expect(declined.err).toContain('Nothing was written. (Give --yes to confirm without being asked.)');
    expect(questions).toEqual(['Delete them and load the file? [y/N] ']);
    expect((await ids()).map((r) => r.id)).toEqual(['w.1', 'w.2']);
    const confirmed = await run(
      runLoadCommand,
      ['workforce', 'workforce_fact', 'only.csv', '--replace', '--yes'],
      async () => {
        throw new Error('--yes must not ask');
      },
    );
    expect(confirmed.code).toBe(0);
    expect(confirmed.out).toContain('1 rows; inserted 0, updated 0, unchanged 1, deleted 1.');
    expect(await ids()).toEqual([{ id: 'w.1', value: '10' }]);
    expect((await run(runLoadCommand, ['workforce', 'workforce_fact', 'a.csv', '--delete', '--replace'])).code).toBe(2);
  });

  it('reverts a release, refusing one whose rows a later release changed and naming them', async () => {
    const refused = await run(runRevertCommand, ['workforce/2']);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(
      /^Cannot revert release 2: 1 row\(s\) it changed were changed since; nothing was reverted:\n {2}workforce_fact id=w\.3: changed by release 3 \(delete by \S+\)\nRevert the later release\(s\) first\.$/,
    );
    expect(await ids()).toEqual([{ id: 'w.1', value: '10' }]);
    const reverted = await run(runRevertCommand, ['workforce/4']);
    expect(reverted).toMatchObject({
      code: 0,
      out: 'Reverted workforce/4 as release workforce/5: 1 row(s) put back, 0 updated, 0 deleted.',
    });
    expect(await ids()).toEqual([
      { id: 'w.1', value: '10' },
      { id: 'w.2', value: '26' },
    ]);
    expect((await run(runRevertCommand, ['workforce/4'])).err).toBe('Release 4 was already reverted by release 5');
    expect((await run(runRevertCommand, ['workforce'])).code).toBe(2);
    expect((await run(runRevertCommand, ['nobody/1'])).err).toMatch(/^No subgraph 'nobody'/);
    const listed = (await run(runReleasesCommand, ['workforce'])).out.split('\n');
    expect(listed[0]).toMatch(/^workforce\/5 .* revert .* 1 inserted, 0 updated, 0 deleted; reverts workforce\/4$/);
    expect(listed[1]).toMatch(/^workforce\/4 .* replace .*; reverted by workforce\/5$/);
  });

  it('deletes on --replace exactly the rows it showed: another load meanwhile, as many rows but others, is refused', async () => {
    const own = hub.schema('releases_cli_swap');
    const rows = async () =>
      (
        await sql<{ id: string }>`select id from ${sql.table(`${own}.workforce_fact`)} order by id`.execute(
          hub.database.root,
        )
      ).rows.map((r) => r.id);
    file('swap-start.csv', `${HEADER}\n${vacancy('w.1', 10)}\n${gps('w.2')}\n`);
    expect((await run(runLoadCommand, ['workforce', 'workforce_fact', 'swap-start.csv'], undefined, own)).code).toBe(0);
    file('swap-only.csv', `${HEADER}\n${vacancy('w.1', 10)}\n`);
    // While the person reads what --replace would delete (w.2), a colleague's load removes w.2 and adds w.9:
    // one row would still disappear, but not the one shown.
    file('swap-del.csv', 'id\nw.2\n');
    file('swap-add.csv', `${HEADER}\n${gps('w.9')}\n`);
    const replaced = await run(
      runLoadCommand,
      ['workforce', 'workforce_fact', 'swap-only.csv', '--replace'],
      async () => {
        expect(
          (await run(runLoadCommand, ['workforce', 'workforce_fact', 'swap-del.csv', '--delete'], undefined, own)).code,
        ).toBe(0);
        expect((await run(runLoadCommand, ['workforce', 'workforce_fact', 'swap-add.csv'], undefined, own)).code).toBe(
          0,
        );
        return true;
      },
      own,
    );
    expect(replaced.code).toBe(1);
    expect(replaced.err).toContain('  - workforce_fact id=w.2: stp_code QJM');
    expect(replaced.err).toContain(
      'The table changed while the replace was being confirmed (another release landed): it would now also delete 1 row(s) not shown: workforce_fact id=w.9; 1 row(s) shown are no longer there to delete: workforce_fact id=w.2. Nothing was written.',
    );
    expect(await rows()).toEqual(['w.1', 'w.9']);
    expect((await run(runReleasesCommand, ['workforce'], undefined, own)).out.split('\n')[0]).toMatch(
      /^workforce\/3 .* load /,
    );
  });
});

describe('npm run publish:references', () => {
  it('has written schema/reference-lists.json from what every subgraph publishes now', async () => {
    const text = await referenceListsText();
    expect(JSON.parse(text).lists.stp).toMatchObject({
      owner: 'geography',
      keys: expect.arrayContaining(['QJM', 'QJ2']),
    });
    expect(readFileSync(REFERENCE_LISTS_PATH, 'utf8')).toBe(text);
  });

  it('refuses a load naming an STP geography does not know', async () => {
    file('qzz.csv', `${HEADER}\n${vacancy('w.9', 9).replace(',QJM,', ',QZZ,')}\n`);
    const refused = await run(runLoadCommand, ['workforce', 'workforce_fact', 'qzz.csv']);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain(
      'qzz.csv:2 [stp_code]: stp_code QZZ is not in the stp list geography publishes (schema/reference-lists.json)',
    );
  });
});

describe("finance's region facts are loadable", () => {
  it("checks each row as the seed does, and records each figure's file, row, document and line", async () => {
    const data = readFileSync(join(REPO_ROOT, 'services/finance/data/annex-a-region-facts.csv'), 'utf8');
    const rows = data.trim().split('\n').length - 1;
    const finance = hub.schema('releases_cli_finance');
    file('annex.csv', data);
    const loaded = await run(runLoadCommand, ['finance', 'region_fact', 'annex.csv'], undefined, finance);
    expect(loaded.out).toContain(`${rows} rows; inserted ${rows}, updated 0, unchanged 0.`);
    file('annex-bad.csv', data.replace('Central & East,Y61,7.3,', 'Central & East,Y61,7.4,'));
    const refused = await run(runLoadCommand, ['finance', 'region_fact', 'annex-bad.csv'], undefined, finance);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain(
      'annex-bad.csv:2 [value_as_stated]: the Central & East column of line 365 reads "7.3", not "7.4"',
    );
    expect((await run(runLoadCommand, ['finance', 'region_fact', 'annex.csv'], undefined, finance)).out).toContain(
      'Nothing to change',
    );
    const shown = await run(runReleasesCommand, ['--show=finance/1'], undefined, finance);
    expect(shown.out).toMatch(
      /\+ region_fact label=Population \(M\) \(GP registered 2016\), region_code=Y61: .*\(.*annex\.csv:2, citing seeds\/000_647e8cd618725ea4\.txt:365\)/,
    );
  });
});

describe("geography's populations and ICS designations are loadable", () => {
  it('sets an STP population from a cited tracker line (never adds an STP), with its history from the releases', async () => {
    const geo = hub.schema('releases_cli_geo');
    file('pop.csv', 'code,population_line,population_text\nQVV,207,Population: 1.7 M\n');
    const unseeded = await run(runLoadCommand, ['geography', 'stp', 'pop.csv'], undefined, geo);
    expect(unseeded.code).toBe(1);
    expect(unseeded.err).toContain(
      'pop.csv:2 [code]: no row with code QVV in stp: this file only sets columns of rows that exist',
    );

    const entry = readGraphConfig().find((e) => e.name === 'geography');
    if (!entry) throw new Error('geography is not registered');
    const geography = await loadSubgraph(entry);
    const { scoped } = await prepareSubgraph(geography, hub.database, geo, true);
    const loaded = await run(runLoadCommand, ['geography', 'stp', 'pop.csv'], undefined, geo);
    expect(loaded.out).toContain('1 rows; inserted 0, updated 1, unchanged 0.');
    const [history] = await figureHistories(scoped.db, 'stp', 'population', [{ code: 'QVV' }]);
    expect(history?.map((h) => [h.kind, h.value, h.source?.documentLine ?? null])).toEqual([
      ['seed', 800_000, null],
      ['load', 1_700_000, 207],
    ]);
    file('pop-bad.csv', 'code,population_line,population_text\nQVV,208,Population: 1.7 M\n');
    expect((await run(runLoadCommand, ['geography', 'stp', 'pop-bad.csv'], undefined, geo)).err).toMatch(
      /pop-bad\.csv:2 \[population_text\]: citation does not hold/,
    );

    const ics = readFileSync(join(REPO_ROOT, 'services/geography/data/ics-designations.csv'), 'utf8');
    file('ics.csv', ics);
    expect((await run(runLoadCommand, ['geography', 'ics_designation', 'ics.csv'], undefined, geo)).out).toContain(
      'Nothing to change',
    );
    file('ics-bad.csv', ics.replace('QHG,', 'QZZ,'));
    expect((await run(runLoadCommand, ['geography', 'ics_designation', 'ics-bad.csv'], undefined, geo)).err).toContain(
      'ics-bad.csv:2 [stp_code]: stp_code QZZ is not in the stp list geography publishes (schema/reference-lists.json)',
    );
  }, 60_000);
});
