import { describe, expect, it } from 'vitest';
import { parseAmount } from './money.js';
import { agreement, describeRange, intervalOf, overlap, type StatedFigure, sumOf } from './stated.js';

/** A figure exactly as a source writes it, read by the same parser the ETL uses. */
const stated = (text: string): StatedFigure => {
  const parsed = parseAmount(text);
  if (typeof parsed === 'string') throw new Error(parsed);
  return { value: parsed.amountGbpM, halfUnit: parsed.halfUnitGbpM };
};

describe('the range a stated figure stands for', () => {
  it('follows the precision it is written to, in the unit it is written in', () => {
    expect(intervalOf(stated('£641 M'))).toEqual({ low: '640.5', high: '641.5' });
    expect(intervalOf(stated('£57.7 M'))).toEqual({ low: '57.65', high: '57.75' });
    expect(intervalOf(stated('£341.66 M'))).toEqual({ low: '341.655', high: '341.665' });
    // two decimals of a billion are ten millions
    expect(intervalOf(stated('£1.74 B'))).toEqual({ low: '1735', high: '1745' });
    expect(intervalOf(stated('£1.824 B'))).toEqual({ low: '1823.5', high: '1824.5' });
    expect(intervalOf(stated('£2 B'))).toEqual({ low: '1500', high: '2500' });
    expect(intervalOf(stated('£1,113 M'))).toEqual({ low: '1112.5', high: '1113.5' });
    expect(intervalOf(stated('£749.8'))).toEqual({ low: '749.75', high: '749.85' });
  });

  it('adds half-units when figures are summed', () => {
    const parts = sumOf([stated('£341.66 M'), stated('£57.7 M')]);
    expect(parts).toEqual({ value: '399.36', halfUnit: '0.055' });
    expect(intervalOf(parts)).toEqual({ low: '399.305', high: '399.415' });
    expect(overlap(intervalOf(parts), intervalOf(stated('£399.3 M')))).toEqual({ low: '399.305', high: '399.35' });
  });
});

describe('rounding is not a contradiction', () => {
  it("reads Leicester, Leicestershire and Rutland's 341.66 + 57.7 stated as 399.3 as rounding", () => {
    expect(agreement(sumOf([stated('£341.66 M'), stated('£57.7 M')]), stated('£399.3 M'))).toBe('ROUNDING');
  });

  it("reads South Yorkshire and Bassetlaw's 641 + 107 stated as 571 as a contradiction", () => {
    expect(agreement(sumOf([stated('£641 M'), stated('£107 M')]), stated('£571 M'))).toBe('CONTRADICTION');
  });

  it('tells an exact sum apart from a rounded one', () => {
    expect(agreement(sumOf([stated('£1.824 B'), stated('£176 M')]), stated('£2 B'))).toBe('EXACT');
    expect(agreement(stated('£182 M'), stated('£182 M'))).toBe('EXACT');
  });

  it('draws the line at the combined half-units, on both sides of it', () => {
    // 10 + 20 stands for 29-31 (half-units 0.5 + 0.5)
    const parts = sumOf([stated('£10 M'), stated('£20 M')]);
    expect(agreement(parts, stated('£31 M'))).toBe('ROUNDING'); // 30.5-31.5: difference 1, half-units 1.5
    expect(agreement(parts, stated('£29 M'))).toBe('ROUNDING');
    expect(agreement(parts, stated('£31.5 M'))).toBe('CONTRADICTION'); // 31.45-31.55: difference 1.5, half-units 1.05
    expect(agreement(parts, stated('£28.5 M'))).toBe('CONTRADICTION');
    // on the boundary: 10.5 + 20 stands for 29.95-31.05 and 31.1 for 31.05-31.15; they touch at 31.05
    const touching = sumOf([stated('£10.5 M'), stated('£20 M')]);
    expect(overlap(intervalOf(touching), intervalOf(stated('£31.1 M')))).toEqual({ low: '31.05', high: '31.05' });
    expect(agreement(touching, stated('£31.1 M'))).toBe('ROUNDING'); // difference 0.6 = half-units 0.55 + 0.05
    expect(agreement(touching, stated('£31.11 M'))).toBe('CONTRADICTION'); // difference 0.61 > 0.555
    expect(agreement(touching, stated('£29.9 M'))).toBe('ROUNDING'); // 29.85-29.95 touches 29.95 from below
    expect(agreement(touching, stated('£29.89 M'))).toBe('CONTRADICTION');
    // LLR stated to one decimal: 399.3 and 399.4 overlap 399.305-399.415, 399.2 and 399.5 do not
    const llr = sumOf([stated('£341.66 M'), stated('£57.7 M')]);
    expect(['£399.2 M', '£399.3 M', '£399.4 M', '£399.5 M'].map((t) => agreement(llr, stated(t)))).toEqual([
      'CONTRADICTION',
      'ROUNDING',
      'ROUNDING',
      'CONTRADICTION',
    ]);
    expect(describeRange('"£399.3 M"', stated('£399.3 M'))).toBe('"£399.3 M" means 399.25-399.35');
  });
});
