import { describe, expect, it } from 'vitest';
import {
  lineNumber,
  SEED_DOCUMENTS,
  STP_ODS_CODE,
  STP_ODS_PATTERN,
  STP_ONS_CODE,
  seedDocument,
  stpOdsCode,
  stpOnsCode,
} from './data-rules.js';
import { SOURCE_DOCUMENTS } from './sources.js';

describe('rules the subgraphs share', () => {
  it('takes an STP ODS code whole, in capitals, and nothing like it', () => {
    expect(['QJM', 'QE1', 'QU9'].filter((c) => STP_ODS_CODE.test(c))).toEqual(['QJM', 'QE1', 'QU9']);
    expect(['qjm', 'QJ', 'QJMM', 'XJM', 'Y60', ' QJM', 'QJ-'].filter((c) => STP_ODS_CODE.test(c))).toEqual([]);
    expect(stpOdsCode.safeParse('Q').error?.issues[0]?.message).toBe('expected an STP ODS code such as QJM');
  });

  it('takes an STP ONS code whole', () => {
    expect(STP_ONS_CODE.test('E54000013')).toBe(true);
    expect(['E5400001', 'E540000133', 'E38000013', 'e54000013'].filter((c) => STP_ONS_CODE.test(c))).toEqual([]);
    expect(stpOnsCode.safeParse('E54').error?.issues[0]?.message).toBe('expected an STP ONS code such as E54000013');
  });

  it('builds rules that find codes inside text from the same pattern', () => {
    const pairs = [
      ...'QHM E54000050, QOQ E54000051'.matchAll(new RegExp(`\\b(${STP_ODS_PATTERN}) (E54\\d{6})\\b`, 'g')),
    ];
    expect(pairs.map(([, ods, ons]) => [ods, ons])).toEqual([
      ['QHM', 'E54000050'],
      ['QOQ', 'E54000051'],
    ]);
  });

  it('reads a line number from a CSV cell: a whole number from 1', () => {
    expect(lineNumber.parse('822')).toBe(822);
    expect(['0', '-3', '1.5', '', 'line 3'].map((cell) => lineNumber.safeParse(cell).success)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it('lists every seed the kit names, and only those, as a document a data file may cite', () => {
    const seeds = SOURCE_DOCUMENTS.map((d) => d.file).filter((f) => f.startsWith('seeds/'));
    expect([...SEED_DOCUMENTS].sort()).toEqual(seeds.sort());
    expect(seedDocument.safeParse('seeds/002_5ca6f18803646174.txt').success).toBe(true);
    expect(seedDocument.safeParse('reference/stps-2019.csv').success).toBe(false);
  });
});
