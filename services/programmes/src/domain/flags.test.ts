import { describe, expect, it } from 'vitest';
import { buildProgrammesRows } from '../etl/index.js';
import { storedFlags } from './flags.js';

const { outcomes } = buildProgrammesRows();

describe('storedFlags', () => {
  it("lists each flagged outcome's stored flag, and none unless both its code and explanation are there", () => {
    const flagged = outcomes.filter((o) => o.flag_code);
    expect(flagged.length).toBeGreaterThan(0);
    for (const o of flagged)
      expect(storedFlags({ flag_code: o.flag_code ?? null, flag_explanation: o.flag_explanation ?? null })).toEqual([
        { code: o.flag_code, explanation: o.flag_explanation },
      ]);
    expect(storedFlags({ flag_code: null, flag_explanation: null })).toEqual([]);
    expect(storedFlags({ flag_code: 'PERCENT_MISMATCH', flag_explanation: null })).toEqual([]);
  });
});
