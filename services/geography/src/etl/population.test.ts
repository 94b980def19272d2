import { describe, expect, it } from 'vitest';
import { parsePopulation } from './population.js';

describe('parsePopulation reads every way the tracker writes a population', () => {
  it.each([
    ['Population: 1.7 M', 1_700_000],
    ['Population: 800,000', 800_000],
    ['Population: 1.4 million (M)', 1_400_000],
    ['Population: 300K', 300_000],
    ['Population: 2.64M', 2_640_000],
    ['Population: 1.0 M', 1_000_000],
    ['**Population:** 1.9M', 1_900_000],
    ['Population: 700K', 700_000],
  ])('%s -> %i', (text, expected) => {
    expect(parsePopulation(text)).toBe(expected);
  });

  it('refuses text with no population, and fractions of a person', () => {
    expect(parsePopulation('Lead: Allan Kitt')).toBeNull();
    expect(parsePopulation('Population: 1.2345K')).toBeNull();
  });
});
