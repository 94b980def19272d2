import type { DataProblem } from '@nhs-hub/kit/subgraph';
import { describe, expect, it } from 'vitest';
import { applyCodeHistory } from './history.js';
import { GEOGRAPHY_DATA_DIR } from './files.js';
import { HISTORY_FILE } from './sources.js';
import { readStps2019 } from './stps-2019.js';
import { readTrackerStps } from './tracker.js';

describe('reference/stp-code-history.csv', () => {
  const problems: DataProblem[] = [];
  const tracker = readTrackerStps(GEOGRAPHY_DATA_DIR, problems);
  const rows = readStps2019(
    tracker,
    new Set(['Y54', 'Y55', 'Y56', 'Y58', 'Y59', 'Y60', 'Y61', 'Y62', 'Y63']),
    problems,
  );
  applyCodeHistory(rows, tracker, problems);

  it('closes the three STPs merged into QHM the day before the merger, and starts QHM on 2018-06-07', () => {
    expect(problems).toEqual([]);
    expect(rows.stps).toHaveLength(45);
    for (const code of ['QMK', 'QVP', 'QT8']) {
      expect(
        rows.stps.find((s) => s.code === code),
        code,
      ).toMatchObject({ valid_to: '2018-06-06', successor_code: 'QHM', official_source_document: HISTORY_FILE });
    }
    expect(rows.stps.find((s) => s.code === 'QMK')).toMatchObject({
      valid_from: '2016-12-01',
      valid_from_stated: '2016-12',
      valid_to_stated: '2018-06-07 (ODS change log: merged into QHM)',
      official_source_line: 6,
    });
    expect(rows.stps.find((s) => s.code === 'QHM')).toMatchObject({
      valid_from: '2018-06-07',
      valid_from_stated: `2018-06-07 (formed by merger: ${HISTORY_FILE} line 6)`,
    });
  });

  it("infers the merged STPs' North of England membership from their successor", () => {
    const qmk = rows.memberships.filter((m) => m.stp_code === 'QMK');
    expect(qmk.map((m) => [m.region_code, m.valid_from, m.valid_to, m.basis])).toEqual([
      ['Y54', '2018-04-01', '2018-06-06', 'INFERRED'],
      ['Y54', '2016-12-01', '2018-03-31', 'INFERRED'],
    ]);
  });

  it('keeps every earlier ONS code, naming predecessor footprints without an ODS code', () => {
    const cumbria = rows.onsCodes.filter((o) => o.stp_code === 'QT8').map((o) => o.ons_code);
    expect(cumbria).toEqual(['E54000002', 'E54000047']);
    expect(rows.onsCodes.find((o) => o.ons_code === 'E54000001')).toMatchObject({
      stp_code: 'QVP',
      note: expect.stringContaining('predecessor footprint of E54000046'),
    });
  });
});
