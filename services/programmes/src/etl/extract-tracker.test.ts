import { readFileSync } from 'node:fs';
import { SOURCES_DIR } from '@nhs-hub/kit/subgraph';
import { describe, expect, it } from 'vitest';
import { TRACKER } from './sources.js';
import { PROGRAMMES_DATA_DIR } from './files.js';
import { extractTrackerItems, toCsv } from './extract-tracker.js';

describe('the tracker extraction', () => {
  it('reproduces data/tracker-items.csv exactly from the tracker', () => {
    const lines = readFileSync(SOURCES_DIR + TRACKER, 'utf8').split('\n');
    const headings = readFileSync(`${PROGRAMMES_DATA_DIR}tracker-stps.csv`, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((row) => {
        const code = row.slice(0, 3);
        const line = Number(/,(\d+),/.exec(row)?.[1]);
        return { code, line, text: lines[line - 1] ?? '' };
      });
    expect(headings).toHaveLength(44);
    expect(toCsv(extractTrackerItems(lines, headings))).toBe(
      readFileSync(`${PROGRAMMES_DATA_DIR}tracker-items.csv`, 'utf8'),
    );
  });
});
