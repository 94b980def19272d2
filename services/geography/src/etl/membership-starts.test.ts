import type { DataProblem } from '@nhs-hub/kit/subgraph';
import { describe, expect, it } from 'vitest';
import type { NewStpRegionMembership } from '../db/types.js';
import { GEOGRAPHY_DATA_DIR } from './files.js';
import { applyCodeHistory } from './history.js';
import { startMembershipsWithStps } from './membership-starts.js';
import { applyFourRegions, applyRecodes } from './readme-rules.js';
import { readRegions } from './regions.js';
import { STPS_2019_FILE } from './sources.js';
import { readStps2019 } from './stps-2019.js';
import { readTrackerStps } from './tracker.js';

/** The STPs and memberships of the real sources, as every earlier step leaves them. */
function rowsBeforeThisStep() {
  const problems: DataProblem[] = [];
  const tracker = readTrackerStps(GEOGRAPHY_DATA_DIR, problems);
  const rows = readStps2019(tracker, new Set(readRegions(problems).map((r) => r.code)), problems);
  applyCodeHistory(rows, tracker, problems);
  applyFourRegions(rows);
  applyRecodes(rows, problems);
  expect(problems).toEqual([]);
  return rows;
}

const starts = (memberships: readonly NewStpRegionMembership[]) =>
  memberships.map((m) => `${m.stp_code} ${m.region_code} ${m.valid_from ?? '-'}..${m.valid_to ?? '-'}`);

describe('memberships start with their STP', () => {
  it("starts Cumbria and North East's 2018/19 region on the day it formed, not with the year", () => {
    const rows = rowsBeforeThisStep();
    const before = starts(rows.memberships);
    const qhm = rows.memberships.find((m) => m.stp_code === 'QHM' && m.region_code === 'Y54');
    // reference/stps-2019.csv line 5 states Y54 for the whole of 2018/19; QHM formed on 2018-06-07
    expect(qhm).toMatchObject({ valid_from: '2018-04-01', source_document: STPS_2019_FILE, source_line: 5 });
    expect(rows.stps.find((s) => s.code === 'QHM')?.valid_from).toBe('2018-06-07');

    startMembershipsWithStps(rows);

    expect(qhm).toMatchObject({ valid_from: '2018-06-07', valid_to: '2019-03-31', basis: 'STATED' });
    // it is the only membership of the sources that started before its STP
    const after = starts(rows.memberships);
    expect(after.filter((m, i) => m !== before[i])).toEqual(['QHM Y54 2018-06-07..2019-03-31']);
  });

  it('leaves a membership that starts after its STP, or of an STP with no stated start, as it is', () => {
    const rows = {
      stps: [
        { code: 'QJM', valid_from: '2016-01-01' },
        { code: 'QOX', valid_from: null },
      ] as Parameters<typeof startMembershipsWithStps>[0]['stps'],
      memberships: [
        { stp_code: 'QJM', valid_from: '2018-04-01' },
        { stp_code: 'QJM', valid_from: null },
        { stp_code: 'QOX', valid_from: null },
      ] as NewStpRegionMembership[],
    };
    startMembershipsWithStps(rows);
    expect(rows.memberships.map((m) => m.valid_from)).toEqual(['2018-04-01', '2016-01-01', null]);
  });
});
