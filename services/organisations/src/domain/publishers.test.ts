import { SOURCE } from '@nhs-hub/kit/subgraph';
import { describe, expect, it } from 'vitest';
import { publishedBy } from './publishers.js';

describe('publishedBy', () => {
  it('finds a publisher named whole, in brackets, or as one of several joined by "and"', () => {
    expect(publishedBy('NHS England').map((d) => d.file)).toEqual([SOURCE.BOARD_PAPER, SOURCE.PLANNING_LETTER]);
    expect(publishedBy('ABHI').map((d) => d.file)).toEqual([SOURCE.TRACKER]);
    expect(publishedBy('South West Lincolnshire CCG')).toEqual([]);
  });
});
