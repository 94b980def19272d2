import { describe, expect, it } from 'vitest';
import { isApproximate } from './qualifiers.js';

describe('qualifiers', () => {
  it('reads a hedge as an estimate in any case, and an average or no qualifier as not one', () => {
    expect(isApproximate('≈')).toBe(true);
    expect(isApproximate('About')).toBe(true);
    expect(isApproximate('circa')).toBe(true);
    expect(isApproximate('average')).toBe(false);
    expect(isApproximate(null)).toBe(false);
  });
});
