import { subgraphHarness } from '@nhs-hub/gateway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subgraph } from '../index.js';

const programmes = subgraphHarness(subgraph);
beforeAll(programmes.start);
afterAll(programmes.close);

const TRACKER_CODES = [
  'QU9',
  'QVV',
  'QNQ',
  'QE1',
  'QHG',
  'QOP',
  'QVP',
  'QT1',
  'QF7',
  'QT8',
  'QMK',
  'QWO',
  'QOQ',
  'QYG',
  'QNC',
  'QOC',
  'QJ2',
  'QJM',
  'QK1',
  'QUA',
  'QHL',
  'QWU',
  'QGH',
  'QPM',
  'QUE',
  'QMM',
  'QJG',
  'QM7',
  'QH8',
  'QRV',
  'QMJ',
  'QMF',
  'QKK',
  'QWE',
  'QKS',
  'QNX',
  'QXU',
  'QT6',
  'QJK',
  'QSL',
  'QUY',
  'QOX',
  'QRL',
  'QR1',
];

describe('programmes', () => {
  it('answers a programme with its sources and the STPs that prioritise it', async () => {
    const { body } = await programmes.query<{
      programme: {
        code: string;
        name: string;
        sources: { line: number; text: string; document: { file: string } }[];
        stps: { code: string }[];
      };
    }>(`{ programme(code: "mental_health") { code name sources { line text document { file } } stps { code } } }`);
    expect(body.errors).toBeUndefined();
    expect(body.data?.programme.code).toBe('MENTAL_HEALTH');
    expect(body.data?.programme.sources[0]).toEqual({
      line: 47,
      text: 'the national priority areas of cancer, mental health, learning disabilities and diabetes',
      document: { file: 'seeds/004_76447a4d1bef46a3.txt' },
    });
    // Coast, Humber and Vale (655), Cheshire and Merseyside (687), Black Country (894), Herefordshire and
    // Worcestershire (1010), Mid and South Essex (1212), North West London (1248), North Central London (1277),
    // South East London (1349), Kent and Medway (1423), Devon (1562), Hampshire (1695), Gloucestershire (1731),
    // and Lincolnshire's paper (5.1).
    expect(body.data?.programme.stps.map((s) => s.code)).toEqual([
      'QGH',
      'QH8',
      'QJK',
      'QJM',
      'QKK',
      'QKS',
      'QMJ',
      'QOQ',
      'QR1',
      'QRL',
      'QRV',
      'QUA',
      'QYG',
    ]);
  });

  it('lists every programme in order and answers an unknown code with NOT_FOUND', async () => {
    const { body } = await programmes.query<{ programmes: { code: string }[] }>(`{ programmes { code } }`);
    expect(body.data?.programmes.map((p) => p.code)).toEqual([
      'URGENT_AND_EMERGENCY_CARE',
      'MENTAL_HEALTH',
      'CANCER',
      'LEARNING_DISABILITIES',
      'DIABETES',
      'PRIMARY_CARE',
      'PREVENTION',
      'NEW_CARE_MODELS',
      'RAPID_IMPROVEMENT_100_DAY',
      'TRANSFORMATION_FUNDING',
    ]);
    const missing = await programmes.query(`{ programme(code: "MATERNITY") { code } }`);
    expect(missing.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('filters priorities by programme, STP, kind and text, with a total count', async () => {
    type Page = { totalCount: number; nodes: { id: string; title: string; stp: { code: string } }[] };
    const { body } = await programmes.query<{ cancer: Page; streams: Page; text: Page; page: Page; none: Page }>(`{
      cancer: priorities(filter: { programme: "CANCER" }) { totalCount nodes { title stp { code } } }
      streams: priorities(filter: { stp: "qjm", kind: WORK_STREAM }, first: 3) { totalCount nodes { id title } }
      text: priorities(filter: { textSearch: "dermatology" }) { totalCount nodes { id } }
      page: priorities(first: 2, offset: 1) { totalCount nodes { id } }
      none: priorities(filter: { stp: "qjm", kind: WORK_STREAM }, first: 0) { totalCount nodes { id } }
    }`);
    expect(body.errors).toBeUndefined();
    expect(body.data?.cancer.nodes.map((n) => [n.stp.code, n.title])).toEqual([
      ['QF7', 'Cancer'],
      [
        'QGH',
        'Establish sustainable services through developing networks and collaborations in the following areas: urgent care, cancer care, elective care, maternity services, specialist mental health and learning disability services',
      ],
      ['QMJ', 'Cancer'],
      [
        'QU9',
        'Enhancing the range of specialised services, such as cancer, and supporting Oxford University Hospitals NHS Foundation Trust as a centre of excellence to provide expert services in the region',
      ],
    ]);
    expect(body.data?.streams.totalCount).toBe(12); // 5.2.1-2, 5.5.1-2, 5.6.1-3 and five enabling work streams of 5.7
    expect(body.data?.streams.nodes.map((n) => n.title)).toEqual([
      'Integrated Neighbourhood Working',
      'Enhanced Support to Care Homes Programme',
      'Pharmacy and prescribing',
    ]);
    expect(body.data?.text.nodes.map((n) => n.id)).toEqual(['QJM.paper.5.6', 'QJM.paper.5.6.1']);
    expect(body.data?.page.nodes).toHaveLength(2);
    // first: 0 returns no rows for the window count to ride on; the total is the same 12.
    expect(body.data?.none).toEqual({ totalCount: 12, nodes: [] });
    const unknown = await programmes.query(`{ priorities(filter: { programme: "NOPE" }) { totalCount } }`);
    expect(unknown.body.errors?.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
    const malformed = await programmes.query(`{ priorities(filter: { stp: "Lincs" }) { totalCount } }`);
    expect(malformed.body.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  });

  it('explains a mapping and keeps figures with their flags', async () => {
    const { body } = await programmes.query<{ priority: Record<string, unknown> }>(`{
      priority(id: "QJM.paper.5.6.3") {
        kind sectionNumber title parent { id title }
        programmeMatches { programme { code } rule matchedText matchedIn }
        outcomes { text value unit kind flags { code } source { line } }
        source { line text }
      }
    }`);
    expect(body.errors).toBeUndefined();
    expect(body.data?.priority).toMatchObject({
      kind: 'WORK_STREAM',
      sectionNumber: '5.6.3',
      title: 'Diabetes',
      parent: { id: 'QJM.paper.5.6', title: 'Planned Care' },
      programmeMatches: [
        { programme: { code: 'DIABETES' }, rule: '/\\bdiabet\\w*/i', matchedText: 'Diabetes', matchedIn: 'TITLE' },
      ],
      source: { line: 215, text: '5.6.3 Diabetes' },
    });
    expect(body.data?.priority.outcomes).toContainEqual({
      text: 'of 38 patients seen, 14 (37%) no longer required specialist care',
      value: '37',
      unit: 'PERCENT',
      kind: 'RESULT',
      flags: [],
      source: { line: 222 },
    });
    expect(body.data?.priority.outcomes).toContainEqual(
      expect.objectContaining({ value: '98', flags: [{ code: 'PERCENT_MISMATCH' }], source: { line: 223 } }),
    );
  });

  it('resolves STP entities with priorities and considerations in a constant number of statements', async () => {
    const q = `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Stp { code
      priorities { id title kind subPoints outcomes { value } programmes { code } programmeMatches { matchedText } children { title subPoints programmes { code } outcomes { value } } }
      considerations { text subPoints } } } }`;
    const run = async (codes: string[]) => {
      programmes.resetCounters();
      const { body } = await programmes.query<{ _entities: { code: string; priorities: { title: string }[] }[] }>(q, {
        reps: codes.map((code) => ({ __typename: 'Stp', code })),
      });
      expect(body.errors).toBeUndefined();
      expect(body.data?._entities).toHaveLength(codes.length);
      return { count: programmes.statements(), data: body.data };
    };
    const one = await run(['QJM']);
    const all = await run(TRACKER_CODES);
    expect(all.count).toBe(one.count);
    // one per loader batch: priorities, sub-points, outcomes, matches, children..., considerations
    expect(one.count).toBeLessThanOrEqual(10);
    const gm = all.data?._entities.find((e) => e.code === 'QOP');
    expect(gm?.priorities.map((p) => p.title)).toEqual([
      'Radical upgrade in population health prevention',
      'Standardising acute and specialist care',
      'Standardising clinical support and back office services',
    ]);
  });

  it('lists programmes with their STPs and priorities in a constant number of statements', async () => {
    programmes.resetCounters();
    const { body } = await programmes.query(
      `{ programmes { code stps { code } priorities { title programmes { code } } sources { line } } }`,
    );
    expect(body.errors).toBeUndefined();
    const many = programmes.statements();
    programmes.resetCounters();
    await programmes.query(
      `{ programme(code: "CANCER") { code stps { code } priorities { title programmes { code } } sources { line } } }`,
    );
    expect(many).toBe(programmes.statements());
  });
});
