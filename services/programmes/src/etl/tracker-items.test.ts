import { type DataProblem, located } from '@nhs-hub/kit/subgraph';
import { editedCopy } from '@nhs-hub/kit/testing';
import { describe, expect, it } from 'vitest';
import { TRACKER } from './sources.js';
import { PROGRAMMES_DATA_DIR } from './files.js';
import { readSections } from './sections.js';
import { readTrackerItems } from './tracker-items.js';

const read = (dir: string) => {
  const problems: DataProblem[] = [];
  const items = readTrackerItems(dir, readSections(dir, problems), problems);
  return { ...items, problems: problems.map(located) };
};

describe('tracker-stps.csv and tracker-items.csv', () => {
  const { priorities, considerations, subPoints, subPointsOf, problems } = read(PROGRAMMES_DATA_DIR);

  it("reads Lincolnshire's four focuses verbatim from lines 826-829, and its considerations", () => {
    expect(problems).toEqual([]);
    expect(
      priorities.filter((p) => p.stp_code === 'QJM').map((p) => [p.id, p.source_line, p.title, p.sort_key]),
    ).toEqual([
      ['QJM.focus.1', 826, 'Clinical Redesign', 1],
      ['QJM.focus.2', 827, 'Capacity optimisation', 2],
      ['QJM.focus.3', 828, 'Operational Efficiency', 3],
      ['QJM.focus.4', 829, 'Workforce productivity and redesign', 4],
    ]);
    expect(considerations.find((c) => c.id === 'QJM.consideration.2')).toEqual({
      id: 'QJM.consideration.2',
      stp_code: 'QJM',
      position: 2,
      text: 'Success factors include delivery of integrated care for 38434 people 2021.',
      source_document: TRACKER,
      source_line: 836,
    });
  });

  it('covers all 44 sections, keeps sub-points under their bullet and flags remarks that are not priorities', () => {
    expect(new Set(priorities.map((p) => p.stp_code)).size).toBe(44);
    // Every sub-point hangs under a bullet this step read (a priority or a consideration), none is orphaned.
    const owners = new Set([...priorities, ...considerations].map((x) => x.id));
    expect(subPoints.length).toBeGreaterThan(0);
    expect(subPoints.filter((s) => !owners.has(s.owner_id))).toEqual([]);
    expect([...subPointsOf.values()].flat()).toHaveLength(subPoints.length);
    expect(priorities.find((p) => p.stp_code === 'QJ2' && p.source_line === 789)).toMatchObject({
      flag_code: 'NOT_A_PRIORITY',
    });
  });

  it('refuses a bullet outside its STP section, naming file:line', () => {
    const broken = read(
      editedCopy(PROGRAMMES_DATA_DIR, {
        'tracker-items.csv': (csv) =>
          csv.replace('QJM,FOCUS,1,0,826,Clinical Redesign', 'QJM,FOCUS,1,0,812,Clinical Redesign'),
      }),
    );
    expect(broken.problems[0]).toBe(
      'tracker-items.csv:124 [line] line 812 is outside the QJM section of the tracker (lines 817-846)',
    );
    expect(broken.problems[1]).toMatch(
      /^tracker-items\.csv:124 \[text\] citation does not hold: seeds\/002_5ca6f18803646174\.txt:812/,
    );
  });
});
