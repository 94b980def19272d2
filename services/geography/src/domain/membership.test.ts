import { todayIso } from '@nhs-hub/kit/subgraph';
import { describe, expect, it } from 'vitest';
import { buildGeographyRows } from '../etl/index.js';
import {
  firstValidOn,
  icsStatusOf,
  latestDay,
  membershipFlags,
  populationOf,
  validOn,
  withoutPopulation,
} from './membership.js';

const rows = buildGeographyRows();
/** The membership rows as the database returns them: open bounds are null. */
const memberships = rows.memberships.map((m) => ({
  ...m,
  valid_from: m.valid_from ?? null,
  valid_to: m.valid_to ?? null,
}));
const membershipsOf = (stp: string) => memberships.filter((m) => m.stp_code === stp);

describe('validity on a day', () => {
  it("finds Lincolnshire's region on a day: inferred Midlands and East in 2017, Midlands from April 2019", () => {
    const lincolnshire = membershipsOf('QJM');
    expect(firstValidOn(lincolnshire, '2017-01-01')).toMatchObject({ region_code: 'Y55', basis: 'INFERRED' });
    expect(firstValidOn(lincolnshire, '2019-06-01')).toMatchObject({ region_code: 'Y60' });
    expect(validOn(lincolnshire, '2019-06-01').map((m) => m.region_code)).toEqual(['Y60']);
  });

  it('finds nothing for a day the STP did not exist, and asks about a closed STP on its last day', () => {
    // QVP is one of the three STPs merged into Cumbria and North East (QHM) on 2018-06-07.
    const closed = rows.stps.find((s) => s.code === 'QVP');
    expect(closed?.valid_to).toBe('2018-06-06');
    expect(firstValidOn(membershipsOf('QVP'), '2019-06-01')).toBeNull();
    expect(latestDay(closed?.valid_to ?? null)).toBe('2018-06-06');
    expect(firstValidOn(membershipsOf('QVP'), latestDay('2018-06-06'))).toMatchObject({ region_code: 'Y54' });
    expect(latestDay(null)).toBe(todayIso());
  });
});

describe('what the tracker states, summarised', () => {
  it('gives an STP the earliest wave of any ICS within it, NONE without one, and null outside the tracker', () => {
    expect(icsStatusOf(true, ['SECOND_WAVE', 'FIRST_WAVE'])).toBe('FIRST_WAVE');
    expect(icsStatusOf(true, ['SECOND_WAVE'])).toBe('SECOND_WAVE');
    expect(icsStatusOf(true, [])).toBe('NONE');
    expect(icsStatusOf(false, [])).toBeNull();
  });

  it('flags an inferred membership with the rule that inferred it, and a stated one not at all', () => {
    const [inferred] = membershipsOf('QJM').filter((m) => m.basis === 'INFERRED');
    const [stated] = membershipsOf('QJM').filter((m) => m.basis === 'STATED');
    expect(inferred && membershipFlags(inferred)).toEqual([{ code: 'INFERRED', explanation: inferred?.explanation }]);
    expect(stated && membershipFlags(stated)).toEqual([]);
  });

  it("sums the members' stated populations, and has none when no member states one", () => {
    // North East and Yorkshire (Y54) on 2018-06-07: 1.6M + 1.5M + 2.8M + 1.4M + 2.64M + 2.6M; QHM states none.
    const members = validOn(
      memberships.filter((m) => m.region_code === 'Y54'),
      '2018-06-07',
    ).map((m) => ({
      stp_code: m.stp_code,
      population: rows.stps.find((s) => s.code === m.stp_code)?.population ?? null,
    }));
    expect(members).toHaveLength(7);
    expect(populationOf(members.map((m) => m.population))).toBe(12_540_000);
    expect(withoutPopulation(members)).toEqual(['QHM']);
    expect(populationOf([null])).toBeNull();
  });
});
