import { describe, expect, it } from 'vitest';
import { add, compare, divide, normalize, shift, subtract } from './decimal.js';
import { type ParsedAmount, parseAmount, parseSplitAmount } from './money.js';

const amount = (text: string) => {
  const parsed = parseAmount(text);
  if (typeof parsed === 'string') throw new Error(parsed);
  return parsed;
};
const codes = (p: ParsedAmount) => p.flags.map((f) => f.code);

describe('decimal arithmetic', () => {
  it('adds, subtracts, shifts and compares exactly', () => {
    expect(add('341.66', '57.7')).toBe('399.36');
    expect(add('0.1', '0.2')).toBe('0.3');
    expect(add('317', '99')).toBe('416');
    expect(subtract('904', '641')).toBe('263');
    expect(shift('1.824', 3)).toBe('1824');
    expect(shift('1.74', 3)).toBe('1740');
    expect(shift('2', 3)).toBe('2000');
    expect(normalize('399.30')).toBe('399.3');
    expect(compare('415.6', '416')).toBe(-1);
    expect(compare('1.78e0'.replace('e0', ''), '1.74')).toBe(1);
  });

  it('divides with half-up rounding', () => {
    expect(divide('182', 700_000n, 6, 2)).toBe('260');
    expect(divide('399.3', 1_000_000n, 6, 2)).toBe('399.3');
    expect(divide('1', 3n, 0, 2)).toBe('0.33');
    expect(divide('2', 3n, 0, 2)).toBe('0.67');
  });
});

describe('parseAmount', () => {
  it('reads billions, millions and thousands separators exactly', () => {
    expect(amount('£1.824 B').amountGbpM).toBe('1824');
    expect(amount('£2 B').amountGbpM).toBe('2000');
    expect(amount('£1.6 billion').amountGbpM).toBe('1600');
    expect(amount('£ 205 million').amountGbpM).toBe('205');
    expect(amount('£131 M').amountGbpM).toBe('131');
    expect(amount('£1,113 M').amountGbpM).toBe('1113');
    expect(amount('£82.5m').amountGbpM).toBe('82.5');
    expect(amount('£3.3 Million').amountGbpM).toBe('3.3');
    expect(amount('£399.3 M').amountGbpM).toBe('399.3');
    expect(amount('£131 M').flags).toEqual([]);
  });

  it('keeps bare figures as written and flags the missing unit', () => {
    for (const [text, value] of [
      ['£749.8', '749.8'],
      ['£212.4', '212.4'],
      ['£207.5', '207.5'],
      ['£400', '400'],
    ] as const) {
      const p = amount(text);
      expect(p.amountGbpM).toBe(value);
      expect(p.unit).toBeNull();
      expect(codes(p)).toEqual(['UNIT_MISSING']);
    }
  });

  it('keeps a dollar sign in a £ context and flags it', () => {
    const p = amount('$21m');
    expect(p).toMatchObject({ amountGbpM: '21', currency: '$', unit: 'm' });
    expect(codes(p)).toEqual(['CURRENCY_MISMATCH']);
    expect(amount('\\$21m').amountGbpM).toBe('21');
  });

  it('rejects text that is not one amount', () => {
    expect(typeof parseAmount('£85/£97M')).toBe('string');
    expect(typeof parseAmount('131 M')).toBe('string');
    expect(typeof parseAmount('£1,11 M')).toBe('string');
    expect(typeof parseAmount('£12 k')).toBe('string');
  });

  it('reads a slash pair sharing one unit', () => {
    const first = parseSplitAmount('£85/£97M', 1);
    const second = parseSplitAmount('£85/£97M', 2);
    if (typeof first === 'string' || typeof second === 'string') throw new Error('unparsed');
    expect(first.amountGbpM).toBe('85');
    expect(codes(first)).toEqual(['UNIT_SHARED']);
    expect(second.amountGbpM).toBe('97');
    expect(codes(second)).toEqual([]);
    expect(typeof parseSplitAmount('£85/£97M', 3)).toBe('string');
  });
});
