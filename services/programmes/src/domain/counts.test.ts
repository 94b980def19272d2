import { describe, expect, it } from 'vitest';
import { buildProgrammesRows } from '../etl/index.js';
import { countsByProgramme, type StpProgrammeCount } from './counts.js';

const rows = buildProgrammesRows();
const stpOf = new Map(rows.priorities.map((p) => [p.id, p.stp_code]));

/** Per STP and programme, how many priority items fall under it: what the repository's query returns. */
function countsOf(stpCodes: readonly string[]): StpProgrammeCount[] {
  const counts = new Map<string, StpProgrammeCount>();
  for (const match of rows.matches) {
    const stp = stpOf.get(match.priority_id);
    if (!stp || !stpCodes.includes(stp)) continue;
    const key = `${stp} ${match.programme_code}`;
    const before = Number(counts.get(key)?.priority_count ?? 0);
    counts.set(key, { stp_code: stp, programme_code: match.programme_code, priority_count: before + 1 });
  }
  return [...counts.values()];
}

/** Midlands (Y60) from April 2019, as geography lists its members. */
const MIDLANDS = ['QGH', 'QHL', 'QJ2', 'QJM', 'QK1', 'QNC', 'QOC', 'QPM', 'QT1', 'QUA', 'QWU'];

describe('countsByProgramme', () => {
  it('counts STPs and priorities per programme over a region, every programme listed, zeros kept', () => {
    const counts = countsByProgramme(rows.programmes, countsOf(MIDLANDS));
    expect(counts.map((c) => c.programme.code)).toEqual(rows.programmes.map((p) => p.code));
    const of = (code: string) => counts.find((c) => c.programme.code === code);
    // The Black Country (tracker line 894), Herefordshire and Worcestershire (1010) and Lincolnshire's 5.1.
    expect(of('MENTAL_HEALTH')).toMatchObject({ stpCount: 3, priorityCount: 3 });
    expect(of('RAPID_IMPROVEMENT_100_DAY')).toMatchObject({ stpCount: 1, priorityCount: 1 });
    expect(of('TRANSFORMATION_FUNDING')).toMatchObject({ stpCount: 0, priorityCount: 0 });
  });

  it('reads counts PostgreSQL returns as strings (int8) the same as numbers', () => {
    const asNumbers = countsOf(['QJM']);
    const asStrings = asNumbers.map((c) => ({ ...c, priority_count: String(c.priority_count) }));
    expect(countsByProgramme(rows.programmes, asStrings)).toEqual(countsByProgramme(rows.programmes, asNumbers));
    expect(countsByProgramme(rows.programmes, asNumbers).some((c) => c.priorityCount > 0)).toBe(true);
  });
});
