import { describe, expect, it } from 'vitest';
import { buildProgrammesRows } from './index.js';
import { matchableTexts, matchPriorities } from './matches.js';

describe('programme matches', () => {
  it('offers a focus its title and sub-points, a paper priority its title and summary', () => {
    expect(matchableTexts({ kind: 'FOCUS', title: 'Mental health', summary: null }, ['IAPT'])).toEqual([
      { text: 'Mental health', in: 'TITLE' },
      { text: 'IAPT', in: 'SUB_POINT' },
    ]);
    expect(
      matchableTexts({ kind: 'LINCOLNSHIRE_PRIORITY', title: 'Planned Care', summary: 'diabetes' }, ['ignored']),
    ).toEqual([
      { text: 'Planned Care', in: 'TITLE' },
      { text: 'diabetes', in: 'SUMMARY' },
    ]);
  });

  it("maps Lincolnshire's paper priorities as the headline answer shows", () => {
    const rows = buildProgrammesRows();
    const matches = matchPriorities(rows.priorities, new Map());
    const of = (id: string) => matches.filter((m) => m.priority_id === id).map((m) => m.programme_code);
    expect(of('QJM.paper.5.1')).toEqual(['MENTAL_HEALTH']);
    expect(of('QJM.paper.5.3')).toEqual(['PRIMARY_CARE']);
    expect(of('QJM.paper.5.6')).toEqual(['DIABETES', 'RAPID_IMPROVEMENT_100_DAY']);
    expect(of('QJM.focus.1')).toEqual([]);
  });
});
