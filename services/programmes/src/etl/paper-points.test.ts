import { type DataProblem, located, sourceLine } from '@nhs-hub/kit/subgraph';
import { editedCopy } from '@nhs-hub/kit/testing';
import { describe, expect, it } from 'vitest';
import { PROGRAMMES_DATA_DIR } from './files.js';
import { readPaperPoints } from './paper-points.js';
import { readPaperPriorities } from './paper-priorities.js';
import { LINCOLNSHIRE_PAPER } from './sources.js';

describe('lincolnshire-points.csv', () => {
  const { ids } = readPaperPriorities(PROGRAMMES_DATA_DIR, []);

  it("keeps the bullet points under the paper's priorities, verbatim, at their lines", () => {
    const problems: DataProblem[] = [];
    const points = readPaperPoints(PROGRAMMES_DATA_DIR, ids, problems);
    expect(problems).toEqual([]);
    expect(points).toHaveLength(61);
    const mentalHealth = points.filter((p) => p.owner_id === 'QJM.paper.5.1');
    expect(mentalHealth.map((p) => [p.position, p.source_line])).toEqual([
      [1, 80],
      [2, 81],
      [3, 82],
      [4, 83],
    ]);
    // data line 2, the first point under 5.1
    expect(mentalHealth[0]).toEqual({
      owner_id: 'QJM.paper.5.1',
      position: 1,
      source_document: LINCOLNSHIRE_PAPER,
      source_line: 80,
      text: 'The opening of the psychiatric intensive care unit (PICU), with 10 male beds, which has resulted in a significant reduction in the number of people receiving care out of county, often only one person at any one time, rather than the previous 10.',
    });
    expect(sourceLine(LINCOLNSHIRE_PAPER, 80)).toBe(`- ${mentalHealth[0]?.text}`);
  });

  it('refuses a point under a priority the paper does not have, and one off its line', () => {
    const problems: DataProblem[] = [];
    readPaperPoints(
      editedCopy(PROGRAMMES_DATA_DIR, {
        'lincolnshire-points.csv': (csv) =>
          csv
            .replace('QJM.paper.5.1,1,80,', 'QJM.paper.5.9,1,80,')
            .replace('QJM.paper.5.1,2,81,', 'QJM.paper.5.1,2,82,'),
      }),
      ids,
      problems,
    );
    expect(problems.map(located)).toEqual([
      'lincolnshire-points.csv:2 [priority_id] unknown priority QJM.paper.5.9',
      expect.stringMatching(
        /^lincolnshire-points\.csv:3 \[text\] citation does not hold: seeds\/000_647e8cd618725ea4\.txt:82 does not contain "Psychiatric Clinical Decisions Unit/,
      ),
    ]);
  });
});
