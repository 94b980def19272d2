import type { DataProblem } from '@nhs-hub/kit/subgraph';
import { describe, expect, it } from 'vitest';
import { readIcsDesignations } from './ics.js';
import { GEOGRAPHY_DATA_DIR } from './files.js';
import { readTrackerStps } from './tracker.js';

describe('data/ics-designations.csv', () => {
  it("reads the tracker's ICS list with each system's wave, citing both lines", () => {
    const problems: DataProblem[] = [];
    const ics = readIcsDesignations(GEOGRAPHY_DATA_DIR, readTrackerStps(GEOGRAPHY_DATA_DIR, problems), problems);
    expect(problems).toEqual([]);
    expect(ics).toHaveLength(14);
    expect(ics[0]).toEqual({
      stp_code: 'QHG',
      ics_name: 'Bedfordshire, Luton and Milton Keynes',
      wave: 'FIRST_WAVE',
      covers_whole_stp: true,
      list_line: 184,
      list_text: 'Bedfordshire, Luton and Milton Keynes (4)',
      wave_line: 199,
      wave_text: 'First-wave ICSs',
    });
    // Blackpool and Fylde Coast is part of Lancashire and South Cumbria, not all of it
    expect(ics.find((i) => i.ics_name === 'Blackpool and Fylde Coast')).toMatchObject({
      stp_code: 'QE1',
      covers_whole_stp: false,
    });
  });

  it('refuses a system in an STP the tracker does not have', () => {
    const problems: DataProblem[] = [];
    readIcsDesignations(GEOGRAPHY_DATA_DIR, new Map(), problems);
    expect(problems).toHaveLength(14);
    expect(problems[0]).toMatchObject({ line: 2, column: 'stp_ods_code', reason: 'QHG is not an STP of the tracker' });
  });
});
