import type { DataProblem } from '@nhs-hub/kit/subgraph';
import { describe, expect, it } from 'vitest';
import { GEOGRAPHY_DATA_DIR } from './files.js';
import { STPS_2019_FILE } from './sources.js';
import { readStps2019 } from './stps-2019.js';
import { readTrackerStps } from './tracker.js';

const REGIONS = new Set(['Y54', 'Y55', 'Y56', 'Y57', 'Y58', 'Y59', 'Y60', 'Y61', 'Y62', 'Y63']);

describe('reference/stps-2019.csv', () => {
  const problems: DataProblem[] = [];
  const rows = readStps2019(readTrackerStps(GEOGRAPHY_DATA_DIR, problems), REGIONS, problems);

  it('lists the 42 STPs of April 2019 with the names the tracker uses', () => {
    expect(problems).toEqual([]);
    expect(rows.stps).toHaveLength(42);
    expect(rows.stps.find((s) => s.code === 'QJM')).toMatchObject({
      name: 'Lincolnshire',
      official_name: 'Lincolnshire',
      ons_code: 'E54000013',
      official_source_document: STPS_2019_FILE,
      official_source_line: 12,
      official_source_text: 'E54000013,QJM,Lincolnshire,Y60,E40000008,Midlands,Y55',
      population: 700_000,
    });
  });

  it("states Lincolnshire's region from April 2019 (Y60) and in 2018/19 (Y55)", () => {
    expect(
      rows.memberships
        .filter((m) => m.stp_code === 'QJM')
        .map((m) => [m.region_code, m.valid_from, m.valid_to, m.basis, m.source_line]),
    ).toEqual([
      ['Y60', '2019-04-01', null, 'STATED', 12],
      ['Y55', '2018-04-01', '2019-03-31', 'STATED', 12],
    ]);
    expect(rows.onsCodes.find((o) => o.stp_code === 'QJM')).toMatchObject({
      ons_code: 'E54000013',
      note: 'ONS code of April 2019',
    });
  });

  it('refuses a region the region list does not have', () => {
    const local: DataProblem[] = [];
    readStps2019(new Map(), new Set(['Y56']), local);
    expect(local[0]).toEqual({
      file: STPS_2019_FILE,
      line: 2,
      reason: expect.stringMatching(/^unknown region Y\d\d$/),
    });
  });
});
