import { readFileSync } from 'node:fs';
import { checkCitation, DataFileError } from '@nhs-hub/kit/subgraph';
import { editedCopy, subgraphHarness } from '@nhs-hub/gateway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subgraph } from '../index.js';
import { LINCOLNSHIRE_PAPER, TRACKER } from './sources.js';
import { buildProgrammesRows, PROGRAMMES_DATA_DIR, seedProgrammes } from './index.js';

const rows = buildProgrammesRows();
const trackerLines = readFileSync(`${PROGRAMMES_DATA_DIR}../../../infra/sources/${TRACKER}`, 'utf8').split('\n');

describe('rows built from the data files', () => {
  it("holds focuses and considerations for all 44 tracker STPs, and the paper's priorities for Lincolnshire", () => {
    const focusStps = new Set(rows.priorities.filter((p) => p.kind === 'FOCUS').map((p) => p.stp_code));
    expect(focusStps.size).toBe(44);
    expect(new Set(rows.considerations.map((c) => c.stp_code)).size).toBe(44);
    expect(
      rows.priorities.filter((p) => p.kind === 'LINCOLNSHIRE_PRIORITY').map((p) => `${p.section_number} ${p.title}`),
    ).toEqual([
      '5.1 Mental Health',
      '5.2 Integrated Neighbourhood Working',
      '5.3 Implementation of GP Forward View',
      '5.4 Urgent and Emergency Care Transformation',
      '5.5 Operational Efficiencies',
      '5.6 Planned Care',
      '5.7 Other enabling programmes',
    ]);
    expect(rows.programmes.map((p) => p.code)).toHaveLength(10);
  });

  it("reads Lincolnshire's four tracker focuses verbatim from lines 826-829", () => {
    const qjm = rows.priorities.filter((p) => p.stp_code === 'QJM' && p.kind === 'FOCUS');
    expect(qjm.map((p) => [p.source_line, p.title])).toEqual([
      [826, 'Clinical Redesign'],
      [827, 'Capacity optimisation'],
      [828, 'Operational Efficiency'],
      [829, 'Workforce productivity and redesign'],
    ]);
    expect(trackerLines[825]).toBe('- › Clinical Redesign');
  });

  it('keeps sub-points under their bullet, with or without the "-" before "›"', () => {
    const sub = (owner: string) => rows.subPoints.filter((s) => s.owner_id === owner).map((s) => s.text);
    expect(sub('QK1.focus.2')).toEqual([
      'Place based integrated teams',
      'New model for primary care',
      'Integrated urgent care offer',
    ]);
    expect(sub('QVV.focus.3')).toEqual(['a. Leading and working differently', 'b. Digitally-enabled Dorset']);
    expect(sub('QU9.consideration.1')).toEqual(['Buckinghamshire', 'Berkshire', 'Oxfordshire']);
    expect(rows.priorities.filter((p) => p.stp_code === 'QUA' && p.kind === 'FOCUS').map((p) => p.title)).toEqual([
      'Developing place-based care',
      'Hospitals working together',
      'Mental health and learning disability',
      'Maternity and infant health',
    ]);
  });

  it('continues considerations onto "(3)" slides: Greater Manchester has seven, two from line 411 on', () => {
    const gm = rows.considerations.filter((c) => c.stp_code === 'QOP');
    expect(gm.map((c) => c.source_line)).toEqual([403, 404, 405, 406, 407, 411, 413]);
    expect(trackerLines[408]).toBe('GREATER MANCHESTER (3)');
    expect(rows.subPoints.find((s) => s.owner_id === 'QOP.consideration.6')?.source_line).toBe(412);
  });

  it("states the paper's outcomes as typed figures at their lines", () => {
    const at = (line: number) =>
      rows.outcomes.filter((o) => o.source_line === line).map((o) => [o.priority_id, o.value, o.unit, o.kind]);
    expect(at(115)).toEqual([['QJM.paper.5.2.2', '14', 'PERCENT', 'RESULT']]);
    expect(at(113)).toEqual([['QJM.paper.5.2.2', '98', 'PERCENT', 'RESULT']]);
    expect(at(197)).toEqual([['QJM.paper.5.6.1', '54', 'PERCENT', 'RESULT']]);
    expect(at(199)).toEqual([['QJM.paper.5.6.1', '48.2', 'PERCENT', 'RESULT']]);
    expect(at(222)).toEqual([['QJM.paper.5.6.3', '37', 'PERCENT', 'RESULT']]);
    expect(at(80)).toEqual([['QJM.paper.5.1', '10', 'COUNT', 'RESULT']]);
    expect(at(151)).toEqual([['QJM.paper.5.5', '60', 'GBP_M', 'TARGET']]);
    expect(at(132)).toEqual([['QJM.paper.5.3', '39', 'COUNT', 'TARGET']]);
    const mismatch = rows.outcomes.find((o) => o.source_line === 223);
    expect(mismatch?.flag_code).toBe('PERCENT_MISMATCH'); // 38 of 40 is 95%, stated as 98%
  });

  it("nests the paper's work streams under their priorities, in order after the tracker focuses", () => {
    const qjm = rows.priorities.filter((p) => p.stp_code === 'QJM').sort((a, b) => a.sort_key - b.sort_key);
    expect(qjm.map((p) => p.id).slice(0, 8)).toEqual([
      'QJM.focus.1',
      'QJM.focus.2',
      'QJM.focus.3',
      'QJM.focus.4',
      'QJM.paper.5.1',
      'QJM.paper.5.2',
      'QJM.paper.5.2.1',
      'QJM.paper.5.2.2',
    ]);
    expect(rows.priorities.filter((p) => p.parent_id === 'QJM.paper.5.6').map((p) => p.title)).toEqual([
      'Dermatology',
      'Ophthalmology',
      'Diabetes',
    ]);
    expect(rows.priorities.find((p) => p.id === 'QJM.paper.5.5.1')).toMatchObject({
      title: 'Pharmacy and prescribing',
      source_line: 160,
    });
  });

  it('cites only text that stands verbatim on the cited line', () => {
    const citations = [
      ...rows.priorities.map((p) => ({ document: p.source_document, line: p.source_line, text: p.source_text })),
      ...rows.priorities.flatMap((p) =>
        p.summary && p.summary_line ? [{ document: p.source_document, line: p.summary_line, text: p.summary }] : [],
      ),
      ...rows.subPoints.map((s) => ({ document: s.source_document, line: s.source_line, text: s.text })),
      ...rows.outcomes.map((o) => ({ document: o.source_document, line: o.source_line, text: o.text })),
      ...rows.considerations.map((c) => ({ document: c.source_document, line: c.source_line, text: c.text })),
      ...rows.programmeSources.map((s) => ({ document: s.source_document, line: s.source_line, text: s.source_text })),
    ];
    expect(citations.length).toBeGreaterThan(400);
    expect(citations.map(checkCitation).filter(Boolean)).toEqual([]);
    expect(rows.programmeSources.find((s) => s.programme_code === 'CANCER')).toMatchObject({
      source_line: 47,
      source_text: 'the national priority areas of cancer, mental health, learning disabilities and diabetes',
    });
    expect(rows.priorities.find((p) => p.id === 'QJM.paper.5.6')?.source_text).toBe('5.6 Planned Care');
    expect(rows.priorities.find((p) => p.id === 'QJM.paper.5.6')?.source_document).toBe(LINCOLNSHIRE_PAPER);
  });

  it('maps by rule and leaves the rest unmapped', () => {
    const of = (id: string) => rows.matches.filter((m) => m.priority_id === id).map((m) => m.programme_code);
    expect(of('QJM.focus.1')).toEqual([]);
    expect(of('QJM.paper.5.1')).toEqual(['MENTAL_HEALTH']);
    expect(of('QJM.paper.5.3')).toEqual(['PRIMARY_CARE']);
    expect(of('QJM.paper.5.4')).toEqual(['URGENT_AND_EMERGENCY_CARE']);
    expect(of('QJM.paper.5.6')).toEqual(['DIABETES', 'RAPID_IMPROVEMENT_100_DAY']);
    expect(of('QJM.paper.5.6.3')).toEqual(['DIABETES']);
    expect(of('QJ2.focus.4')).toEqual([]);
    const unmapped = rows.priorities.filter((p) => !rows.matches.some((m) => m.priority_id === p.id));
    expect(unmapped.length).toBeGreaterThan(60);
  });
});

describe('seeding', () => {
  const scoped = subgraphHarness(subgraph);
  beforeAll(scoped.start);
  afterAll(scoped.close);

  const count = async (table: 'priority' | 'consideration' | 'stated_outcome' | 'priority_programme') =>
    (
      await scoped.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n;
  const counts = async () => ({
    priority: await count('priority'),
    consideration: await count('consideration'),
    outcome: await count('stated_outcome'),
    match: await count('priority_programme'),
  });

  it('is idempotent: a second run leaves the same rows', async () => {
    const before = await counts();
    const report = await seedProgrammes(scoped.db);
    expect(await counts()).toEqual(before);
    expect(before).toEqual({
      priority: rows.priorities.length,
      consideration: rows.considerations.length,
      outcome: rows.outcomes.length,
      match: rows.matches.length,
    });
    expect(report.priority).toBe(rows.priorities.length);
  });

  it('rejects malformed data files with file:line and leaves the database as it was', async () => {
    const before = await counts();
    const titleBefore = await scoped.db
      .selectFrom('priority')
      .select('title')
      .where('id', '=', 'QJM.focus.1')
      .executeTakeFirstOrThrow();
    let lincs = -1;
    const dir = editedCopy(PROGRAMMES_DATA_DIR, {
      'tracker-items.csv': (csv) => {
        const lines = csv.split('\n');
        lincs = lines.findIndex((l) => l.startsWith('QJM,FOCUS,1,0,826,'));
        lines[lincs] = 'QJM,FOCUS,1,0,826,Clinical Redesign and Reform'; // not what line 826 says
        lines[1] = lines[1]?.replace(/^QU9,FOCUS/, 'QU9,PRIORITY') ?? ''; // unknown list
        return lines.join('\n');
      },
      'lincolnshire-outcomes.csv': (csv) => csv.replace(',48.2,PERCENT', ',42.8,PERCENT'),
    });

    const error = await seedProgrammes(scoped.db, { dataDir: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataFileError);
    const message = (error as DataFileError).message;
    expect(message).toContain(`tracker-items.csv:${lincs + 1} [text]: citation does not hold`);
    expect(message).toContain('tracker-items.csv:2 [list]');
    expect(message).toMatch(
      /lincolnshire-outcomes\.csv:\d+ \[value\]: 42\.8 is not a number stated in 'The team has made a cost saving of 48\.2% per patient seen'/,
    );
    expect(await counts()).toEqual(before);
    expect(
      await scoped.db.selectFrom('priority').select('title').where('id', '=', 'QJM.focus.1').executeTakeFirstOrThrow(),
    ).toEqual(titleBefore);
  });
});
