import type { DataProblem } from '@nhs-hub/kit/subgraph';
import { describe, expect, it } from 'vitest';
import { applyCodeHistory } from './history.js';
import { applyFourRegions, applyRecodes, README_FOUR_REGIONS_LINE } from './readme-rules.js';
import { GEOGRAPHY_DATA_DIR } from './files.js';
import { README_FILE } from './sources.js';
import { readStps2019 } from './stps-2019.js';
import { readTrackerStps } from './tracker.js';

describe('reference/README.md rules', () => {
  const problems: DataProblem[] = [];
  const tracker = readTrackerStps(GEOGRAPHY_DATA_DIR, problems);
  const rows = readStps2019(
    tracker,
    new Set(['Y54', 'Y55', 'Y56', 'Y58', 'Y59', 'Y60', 'Y61', 'Y62', 'Y63']),
    problems,
  );
  applyCodeHistory(rows, tracker, problems);
  applyFourRegions(rows);
  applyRecodes(rows, problems);

  it('infers South of England (Y57) before April 2018 for an STP in the South West in 2018/19 (Devon)', () => {
    expect(problems).toEqual([]);
    const early = rows.memberships.filter((m) => m.stp_code === 'QJK' && m.valid_to === '2018-03-31');
    expect(early).toEqual([
      expect.objectContaining({
        region_code: 'Y57',
        basis: 'INFERRED',
        source_document: README_FILE,
        source_line: README_FOUR_REGIONS_LINE,
        source_text: expect.stringMatching(/^- Before April 2018 there were four regions/),
      }),
    ]);
    expect(
      rows.memberships.filter((m) => m.stp_code === 'QJM' && m.valid_to === '2018-03-31').map((m) => m.region_code),
    ).toEqual(['Y55']);
    // formed in June 2018: no region before the split
    expect(rows.memberships.filter((m) => m.stp_code === 'QHM' && m.valid_to === '2018-03-31')).toEqual([]);
  });

  it('adds the five ONS re-codes of 2020 to the STPs they name', () => {
    expect(rows.onsCodes.filter((o) => o.valid_from_stated === '2020').map((o) => [o.stp_code, o.ons_code])).toEqual([
      ['QHM', 'E54000050'],
      ['QOQ', 'E54000051'],
      ['QXU', 'E54000052'],
      ['QNX', 'E54000053'],
      ['QWO', 'E54000054'],
    ]);
  });
});
