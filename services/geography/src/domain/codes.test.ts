import { describe, expect, it } from 'vitest';
import { regionCodeOf, stpCodeOf } from './codes.js';

describe('codes as callers type them', () => {
  it('reads an STP by its ODS or ONS code in any case, trimmed', () => {
    expect(stpCodeOf('QJM')).toBe('QJM');
    expect(stpCodeOf(' qjm ')).toBe('QJM');
    expect(stpCodeOf('e54000013')).toBe('E54000013');
    expect(stpCodeOf('Lincs')).toBeNull();
    expect(stpCodeOf('Y60')).toBeNull();
    expect(stpCodeOf('E5400001')).toBeNull();
  });

  it('reads a region by its ODS or ONS code in any case, trimmed', () => {
    expect(regionCodeOf('Y60')).toBe('Y60');
    expect(regionCodeOf(' y60')).toBe('Y60');
    expect(regionCodeOf('e40000008')).toBe('E40000008');
    expect(regionCodeOf('North')).toBeNull();
    expect(regionCodeOf('QJM')).toBeNull();
  });
});
