import { readFileSync } from 'node:fs';
import { subgraph as geography } from '@nhs-hub/geography';
import { displayPath, listReleases, loadFile, releaseChanges, revertRelease } from '@nhs-hub/kit/subgraph';
import { subgraphHarness } from '@nhs-hub/gateway/testing';
import { loadFiles, refusedProblems as problemsOf } from '@nhs-hub/kit/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subgraph } from '../index.js';
import { PROGRAMMES_DATA_DIR } from './files.js';
import { paperPointLoadable, statedOutcomeLoadable } from './loadables.js';

// Through the gateway, composed with geography (whose regions programmes' RegionSnapshot extends).
const programmes = subgraphHarness(subgraph, { composedWith: [geography] });
const files = loadFiles('paper-rows-');
beforeAll(programmes.start);
afterAll(async () => {
  await programmes.close();
  files.remove();
});

const PAPER = 'seeds/000_647e8cd618725ea4.txt';
const PICU = 'QJM.paper.5.1';
const OUTCOMES = 'priority_id,position,kind,line,text,value,unit,flag_code,flag_explanation';
const POINTS = 'priority_id,position,line,text';

const releaseCount = async () => (await listReleases(programmes.db)).length;

interface Node {
  id: string;
  subPoints: string[];
  outcomes: { value: string; unit: string; text: string; source: { line: number } }[];
}
const picu = async () => {
  const { priorities } = await programmes.ask<{ priorities: { nodes: Node[] } }>(
    '{ priorities(filter: { stp: "QJM" }, first: 200) { nodes { id subPoints outcomes { value unit text source { line } } } } }',
  );
  const node = priorities.nodes.find((n) => n.id === PICU);
  if (!node) throw new Error(`no ${PICU}`);
  return node;
};

describe('npm run load -- programmes stated_outcome', () => {
  it('loads a figure the paper states, answered through the gateway and cited by its line; a delete and reverts', async () => {
    const seeded = await picu();
    expect(seeded.outcomes.map((o) => [o.value, o.unit])).toEqual([
      ['10', 'COUNT'],
      ['24', 'HOURS'],
    ]);
    // Line 80 also states how many people were cared for out of county before the PICU opened.
    const path = files.csv('previous.csv', OUTCOMES, `${PICU},3,RESULT,80,rather than the previous 10,10,COUNT,,`);
    const loaded = await loadFile(programmes.db, statedOutcomeLoadable, path, { actor: 'test' });
    expect(loaded).toMatchObject({ inserted: 1 });
    expect((await picu()).outcomes.at(-1)).toEqual({
      value: '10',
      unit: 'COUNT',
      text: 'rather than the previous 10',
      source: { line: 80 },
    });
    const [change] = await releaseChanges(programmes.db, loaded.release ?? 0);
    expect(change).toMatchObject({
      op: 'insert',
      key: { priority_id: PICU, position: 3 },
      source: { file: displayPath(path), line: 2, document: PAPER, documentLine: 80 },
    });

    const deleted = await loadFile(programmes.db, statedOutcomeLoadable, path, { mode: 'delete', actor: 'test' });
    expect(deleted).toMatchObject({ deleted: 1 });
    expect((await picu()).outcomes).toEqual(seeded.outcomes);
    await revertRelease(programmes.db, deleted.release ?? 0, { actor: 'test' });
    expect((await picu()).outcomes).toHaveLength(3);
    await revertRelease(programmes.db, loaded.release ?? 0, { actor: 'test' });
    expect((await picu()).outcomes).toEqual(seeded.outcomes);
  });

  it('refuses bad rows in plain words, the seed’s checks first and the priority after the write; nothing is written', async () => {
    const releases = await releaseCount();
    const rows = files.csv(
      'bad.csv',
      OUTCOMES,
      `${PICU},1,RESULT,80,with 10 male beds,12,COUNT,,`,
      `${PICU},2,RESULT,81,providing a 24-hour assessment period,24,HOURS,ESTIMATE,`,
      `${PICU},3,RESULT,80,with 12 male beds,12,COUNT,,`,
      `${PICU},4,RESULT,80,with 10 male beds,10,BEDS,,`,
    );
    expect(await problemsOf(loadFile(programmes.db, statedOutcomeLoadable, rows))).toEqual([
      "bad.csv:2 [value] 12 is not a number stated in 'with 10 male beds'",
      'bad.csv:3 [flag_explanation] flag_code and flag_explanation go together',
      expect.stringMatching(/^bad\.csv:4 \[text\] citation does not hold: .*:80 does not contain "with 12 male beds"/),
      expect.stringMatching(/^bad\.csv:5 \[unit\] Invalid option: expected one of /),
    ]);
    const owners = files.csv(
      'owners.csv',
      OUTCOMES,
      `QJM.paper.9,1,RESULT,80,with 10 male beds,10,COUNT,,`,
      `QJM.focus.1,1,RESULT,80,with 10 male beds,10,COUNT,,`,
    );
    expect(await problemsOf(loadFile(programmes.db, statedOutcomeLoadable, owners))).toEqual([
      'owners.csv:2 [priority_id] QJM.paper.9 is not a priority or work stream of the paper (lincolnshire-priorities.csv or its loads)',
      'owners.csv:3 [priority_id] QJM.focus.1 is not a priority or work stream of the paper (lincolnshire-priorities.csv or its loads)',
    ]);
    expect(await releaseCount()).toBe(releases);
  });
});

describe('npm run load -- programmes sub_point', () => {
  const [HEADER = '', ...LINES] = readFileSync(`${PROGRAMMES_DATA_DIR}lincolnshire-points.csv`, 'utf8')
    .trim()
    .split('\n');
  const trackerPoints = async () =>
    Number(
      (
        await sql<{
          n: number;
        }>`select count(*)::int as n from ${sql.table(`${programmes.running.schemaName}.sub_point`)}
          where source_document <> ${PAPER}`.execute(programmes.db)
      ).rows[0]?.n,
    );

  it('corrects a point of the paper, answered through the gateway; a revert undoes it', async () => {
    expect(HEADER).toBe(POINTS);
    const path = files.csv(
      'point.csv',
      POINTS,
      `${PICU},2,81,Psychiatric Clinical Decisions Unit (PCDU) which has been open since the New Year`,
    );
    const loaded = await loadFile(programmes.db, paperPointLoadable, path, { actor: 'test' });
    expect(loaded).toMatchObject({ updated: 1 });
    expect((await picu()).subPoints[1]).toBe(
      'Psychiatric Clinical Decisions Unit (PCDU) which has been open since the New Year',
    );
    await revertRelease(programmes.db, loaded.release ?? 0, { actor: 'test' });
    expect((await picu()).subPoints[1]).toMatch(
      /^Psychiatric Clinical Decisions Unit \(PCDU\).*county wide service\.$/,
    );
  });

  it("replaces only the paper's points: the tracker's sub-points in the same table stay", async () => {
    const before = await trackerPoints();
    expect(before).toBeGreaterThan(0);
    // The data file without PICU's fourth point.
    const path = files.csv('all-but-one.csv', HEADER, ...LINES.filter((l) => !l.startsWith(`${PICU},4,`)));
    const replaced = await loadFile(programmes.db, paperPointLoadable, path, { mode: 'replace', actor: 'test' });
    expect(replaced).toMatchObject({ deleted: 1, replacedKeys: [{ owner_id: PICU, position: 4 }] });
    expect(await trackerPoints()).toBe(before);
    expect((await picu()).subPoints).toHaveLength(3);
    await revertRelease(programmes.db, replaced.release ?? 0, { actor: 'test' });
    expect((await picu()).subPoints).toHaveLength(4);
  });

  it('refuses a point whose text is not on its line, or whose priority is not the paper’s', async () => {
    const path = files.csv(
      'bad-points.csv',
      POINTS,
      `${PICU},5,80,with 12 male beds`,
      `QJM.focus.1,1,80,with 10 male beds`,
    );
    expect(await problemsOf(loadFile(programmes.db, paperPointLoadable, path))).toEqual([
      expect.stringMatching(/^bad-points\.csv:2 \[text\] citation does not hold/),
    ]);
    const owner = files.csv('owner.csv', POINTS, `QJM.focus.1,1,80,with 10 male beds`);
    expect(await problemsOf(loadFile(programmes.db, paperPointLoadable, owner))).toEqual([
      'owner.csv:2 [priority_id] QJM.focus.1 is not a priority or work stream of the paper (lincolnshire-priorities.csv or its loads)',
    ]);
  });
});
