import { readFileSync } from 'node:fs';
import { displayPath, formatChange, loadFile, releaseChanges, revertRelease } from '@nhs-hub/kit/subgraph';
import { subgraphHarness } from '@nhs-hub/gateway/testing';
import { loadFiles, refusedProblems as problemsOf } from '@nhs-hub/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subgraph } from '../index.js';
import { DATA_FILES, PROGRAMMES_DATA_DIR } from './files.js';
import { focusLoadable, priorityLoadable } from './loadables.js';

const programmes = subgraphHarness(subgraph);
const files = loadFiles('hub-priorities-');
beforeAll(programmes.start);
afterAll(async () => {
  await programmes.close();
  files.remove();
});

const [HEADER = '', ...ROWS] = readFileSync(`${PROGRAMMES_DATA_DIR}${DATA_FILES.paperPriorities}`, 'utf8')
  .trim()
  .split('\n');
/** A row of the seed's lincolnshire-priorities.csv, as it stands. */
const row = (id: string) => {
  const found = ROWS.find((l) => l.startsWith(`${id},`));
  if (!found) throw new Error(`no priority ${id} in ${DATA_FILES.paperPriorities}`);
  return found;
};
const file = (name: string, ...rows: string[]) => files.csv(name, HEADER, ...rows);

const PAPER = 'seeds/000_647e8cd618725ea4.txt';
interface Node {
  id: string;
  summary: string | null;
  programmes: { code: string }[];
}
/** QJM's priorities and work streams in the STP's own order (sort keys). */
const qjm = async () =>
  (
    await programmes.ask<{ priorities: { nodes: Node[] } }>(
      '{ priorities(filter: { stp: "QJM" }, first: 200) { nodes { id summary programmes { code } } } }',
    )
  ).priorities.nodes.filter((n) => n.id.startsWith('QJM.paper.'));
const ids = async () => (await qjm()).map((n) => n.id);

describe('npm run load -- programmes priority', () => {
  // Real edits of the seed's rows: Planned Care (5.6) without its summary, and its first two work
  // streams in the other order.
  const edited = () =>
    file(
      'priorities.csv',
      row('QJM.paper.5.6').replace(/,185,"[^"]*",,$/, ',,,,'),
      row('QJM.paper.5.6.1').replace(',QJM.paper.5.6,1,', ',QJM.paper.5.6,2,'),
      row('QJM.paper.5.6.2').replace(',QJM.paper.5.6,2,', ',QJM.paper.5.6,1,'),
    );

  it('previews the priorities, the renumbered tree and the programme matches, old → new, writing nothing', async () => {
    const seeded = await ids();
    const dry = await loadFile(programmes.db, priorityLoadable, edited(), { dryRun: true });
    expect(dry).toMatchObject({
      rows: 3,
      inserted: 0,
      updated: 5,
      deleted: 2,
      unchanged: 0,
      derived: 4,
      release: null,
    });
    const shown = dry.preview.map(formatChange);
    expect(shown[0]).toMatch(
      /^~ priority id=QJM\.paper\.5\.6: summary The key success .* → \(empty\), summary_line 185 → \(empty\)$/,
    );
    expect(shown.slice(1)).toEqual([
      '~ priority id=QJM.paper.5.6.1: position 1 → 2',
      '~ priority id=QJM.paper.5.6.2: position 2 → 1',
      '~ priority id=QJM.paper.5.6.2: sort_key 112 → 111',
      '~ priority id=QJM.paper.5.6.1: sort_key 111 → 112',
      '- priority_programme priority_id=QJM.paper.5.6, programme_code=DIABETES: rule /\\bdiabet\\w*/i, matched_text diabetes, matched_in SUMMARY',
      expect.stringMatching(
        /^- priority_programme priority_id=QJM\.paper\.5\.6, programme_code=RAPID_IMPROVEMENT_100_DAY: /,
      ),
    ]);
    expect(await ids()).toEqual(seeded);
  });

  it('loads the file as one release: the graph answers the new order and matches, each change with its source', async () => {
    const path = edited();
    const loaded = await loadFile(programmes.db, priorityLoadable, path);
    expect(loaded).toMatchObject({ updated: 5, deleted: 2, derived: 4 });
    const nodes = await qjm();
    const order = nodes.map((n) => n.id);
    expect(order.indexOf('QJM.paper.5.6.2')).toBe(order.indexOf('QJM.paper.5.6') + 1);
    expect(order.indexOf('QJM.paper.5.6.1')).toBe(order.indexOf('QJM.paper.5.6') + 2);
    expect(nodes.find((n) => n.id === 'QJM.paper.5.6')).toEqual({ id: 'QJM.paper.5.6', summary: null, programmes: [] });
    const changes = await releaseChanges(programmes.db, loaded.release ?? 0);
    expect(changes.find((c) => c.key.id === 'QJM.paper.5.6.1' && c.after?.position !== undefined)).toMatchObject({
      op: 'update',
      before: { position: 1 },
      after: { position: 2 },
      source: { file: displayPath(path), line: 3, document: PAPER, documentLine: 191 },
    });
    expect(changes.filter((c) => c.table === 'priority_programme').map((c) => [c.op, c.source])).toEqual([
      ['delete', { file: displayPath(path), line: 2 }],
      ['delete', { file: displayPath(path), line: 2 }],
    ]);
    expect(await loadFile(programmes.db, priorityLoadable, path)).toMatchObject({ updated: 0, release: null });

    await revertRelease(programmes.db, loaded.release ?? 0);
    const back = await qjm();
    expect(
      back
        .find((n) => n.id === 'QJM.paper.5.6')
        ?.programmes.map((p) => p.code)
        .sort(),
    ).toEqual(['DIABETES', 'RAPID_IMPROVEMENT_100_DAY']);
    const again = back.map((n) => n.id);
    expect(again.indexOf('QJM.paper.5.6.1')).toBe(again.indexOf('QJM.paper.5.6') + 1);
  });

  it('deletes a work stream and closes the gap in the order; refuses to delete a priority that still has any', async () => {
    const before = await ids();
    const deleted = await loadFile(programmes.db, priorityLoadable, file('delete.csv', row('QJM.paper.5.7.finance')), {
      mode: 'delete',
    });
    expect(deleted).toMatchObject({ deleted: 1, updated: 1 });
    expect(await ids()).toEqual(before.filter((id) => id !== 'QJM.paper.5.7.finance'));
    await revertRelease(programmes.db, deleted.release ?? 0);
    expect(await ids()).toEqual(before);

    expect(
      await problemsOf(
        loadFile(programmes.db, priorityLoadable, file('refused.csv', row('QJM.paper.5.6'), row('QJM.paper.5.1')), {
          mode: 'delete',
        }),
      ),
    ).toEqual([
      // The priorities left would not run 1, 2, 3... (the seed's rule), besides what each still has.
      'refused.csv:1 QJM: positions 2,3,4,5,7 do not run 1..5',
      `refused.csv:2 [id] QJM.paper.5.6 still has 3 work streams; delete those first`,
      `refused.csv:3 [id] QJM.paper.5.1 still has 4 rows in ${DATA_FILES.paperPoints}; delete those first`,
      `refused.csv:3 [id] QJM.paper.5.1 still has 2 rows in ${DATA_FILES.outcomes}; delete those first`,
    ]);
    expect(await ids()).toEqual(before);
  });

  it("loads the seed's own lincolnshire-priorities.csv as no change: the load derives what the seed does", async () => {
    expect(await loadFile(programmes.db, priorityLoadable, file('all.csv', ...ROWS))).toMatchObject({
      unchanged: ROWS.length,
      release: null,
    });
  });

  it('refuses bad rows in plain words, file:line [column], loading nothing', async () => {
    const path = file(
      'bad.csv',
      row('QJM.paper.5.6').replace(',Planned Care,', ',,'),
      row('QJM.paper.5.6.1').replace(',WORK_STREAM,QJM.paper.5.6,', ',WORK_STREAM,,'),
      row('QJM.paper.5.6.2').replace(',Ophthalmology,', ',Optometry,'),
    );
    const problems = await problemsOf(loadFile(programmes.db, priorityLoadable, path));
    expect(problems).toEqual([
      'bad.csv:2 [title] column title is required',
      'bad.csv:3 [parent_id] a work stream, and only a work stream, has a parent',
      expect.stringMatching(
        /^bad\.csv:4 \[title\] citation does not hold: seeds\/000_647e8cd618725ea4\.txt:203 does not contain "Optometry"/,
      ),
    ]);

    const orphan = file('orphan.csv', row('QJM.paper.5.6.1').replace(',QJM.paper.5.6,', ',QJM.paper.5.6.2,'));
    expect(await problemsOf(loadFile(programmes.db, priorityLoadable, orphan, { dryRun: true }))).toEqual([
      'orphan.csv:2 [parent_id] QJM.paper.5.6.2 is not a priority of the paper',
    ]);
    expect(await problemsOf(loadFile(programmes.db, priorityLoadable, orphan))).toHaveLength(1);
    const nodes = await qjm();
    expect(nodes.find((n) => n.id === 'QJM.paper.5.6')?.programmes).toHaveLength(2);
  });
});

describe('npm run load -- programmes focus', () => {
  const [ITEMS_HEADER = '', ...ITEMS] = readFileSync(`${PROGRAMMES_DATA_DIR}${DATA_FILES.trackerItems}`, 'utf8')
    .trim()
    .split('\n');
  const item = (prefix: string) => {
    const found = ITEMS.find((l) => l.startsWith(prefix));
    if (!found) throw new Error(`no row ${prefix} in ${DATA_FILES.trackerItems}`);
    return found;
  };
  const items = (name: string, ...rows: string[]) => files.csv(name, ITEMS_HEADER, ...rows);
  const TRACKER = 'seeds/002_5ca6f18803646174.txt';
  const URGENT = 'Organising urgent and emergency care so that people are directed to the right services for treatment';
  const qu9 = async () =>
    (
      await programmes.ask<{ priorities: { nodes: { id: string; title: string; programmes: { code: string }[] }[] } }>(
        '{ priorities(filter: { stp: "QU9" }, first: 50) { nodes { id title programmes { code } } } }',
      )
    ).priorities.nodes;

  it("loads a focus's corrected text: the graph answers it and its re-derived matches; the release records it; revert restores", async () => {
    // The words of line 215 after "care": still the cited line's, no longer naming urgent and emergency care.
    const path = items(
      'focus.csv',
      item('QU9,FOCUS,1,0,').replace(URGENT, 'people are directed to the right services'),
    );
    const dry = await loadFile(programmes.db, focusLoadable, path, { dryRun: true });
    expect(dry.preview.map(formatChange)).toEqual([
      `~ priority id=QU9.focus.1: title ${URGENT} → people are directed to the right services, source_text ${URGENT} → people are directed to the right services`,
      expect.stringMatching(
        /^- priority_programme priority_id=QU9\.focus\.1, programme_code=URGENT_AND_EMERGENCY_CARE: /,
      ),
    ]);
    expect((await qu9())[0]).toEqual({
      id: 'QU9.focus.1',
      title: URGENT,
      programmes: [{ code: 'URGENT_AND_EMERGENCY_CARE' }],
    });

    const loaded = await loadFile(programmes.db, focusLoadable, path);
    expect((await qu9())[0]).toEqual({
      id: 'QU9.focus.1',
      title: 'people are directed to the right services',
      programmes: [],
    });
    const [change] = await releaseChanges(programmes.db, loaded.release ?? 0);
    expect(change).toMatchObject({
      table: 'priority',
      op: 'update',
      before: { title: URGENT },
      after: { title: 'people are directed to the right services' },
      source: { file: displayPath(path), line: 2, document: TRACKER, documentLine: 215 },
      entity: { type: 'Stp', code: 'QU9' },
    });
    await revertRelease(programmes.db, loaded.release ?? 0);
    expect((await qu9())[0]).toEqual({
      id: 'QU9.focus.1',
      title: URGENT,
      programmes: [{ code: 'URGENT_AND_EMERGENCY_CARE' }],
    });
  });

  it("loads the focus bullets of the seed's own tracker-items.csv as no change", async () => {
    const focuses = ITEMS.filter((l) => /^[A-Z0-9]+,FOCUS,\d+,0,/.test(l));
    // Every STP has at least one.
    expect(new Set(focuses.map((l) => l.split(',')[0])).size).toBe(44);
    expect(await loadFile(programmes.db, focusLoadable, items('focuses.csv', ...focuses))).toMatchObject({
      rows: focuses.length,
      unchanged: focuses.length,
      release: null,
    });
  });

  it('refuses an STP the tracker has no section for, a line outside its section, and what is not a focus bullet', async () => {
    const path = items(
      'bad-focus.csv',
      item('QU9,FOCUS,1,0,').replace('QU9,', 'QZZ,'),
      item('QU9,FOCUS,2,0,').replace(',216,', ',240,'),
      item('QU9,CONSIDERATION,2,0,'),
      item('QU9,CONSIDERATION,1,1,'),
    );
    expect(await problemsOf(loadFile(programmes.db, focusLoadable, path))).toEqual([
      `bad-focus.csv:2 [stp_code] QZZ is not in ${DATA_FILES.stps}`,
      'bad-focus.csv:3 [line] line 240 is outside the QU9 section of the tracker (lines 205-234)',
      "bad-focus.csv:4 [list] only FOCUS bullets load as priorities; considerations are the seed's",
      "bad-focus.csv:5 [list] only FOCUS bullets load as priorities; considerations are the seed's",
      "bad-focus.csv:5 [sub_position] only the bullets themselves (sub_position 0) load; sub-points are the seed's",
    ]);
    expect((await qu9()).map((n) => n.id)).toEqual(['QU9.focus.1', 'QU9.focus.2', 'QU9.focus.3']);
  });
});
