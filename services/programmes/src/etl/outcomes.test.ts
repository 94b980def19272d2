import { type DataProblem, located, sourceLine } from '@nhs-hub/kit/subgraph';
import { editedCopy } from '@nhs-hub/kit/testing';
import { describe, expect, it } from 'vitest';
import { PROGRAMMES_DATA_DIR } from './files.js';
import { readOutcomes } from './outcomes.js';
import { readPaperPriorities } from './paper-priorities.js';
import { LINCOLNSHIRE_PAPER } from './sources.js';

describe('lincolnshire-outcomes.csv', () => {
  const { ids } = readPaperPriorities(PROGRAMMES_DATA_DIR, []);

  it('types the results and targets the paper states, each at its line', () => {
    const problems: DataProblem[] = [];
    const outcomes = readOutcomes(PROGRAMMES_DATA_DIR, ids, problems);
    expect(problems).toEqual([]);
    expect(outcomes).toHaveLength(20);
    expect(
      outcomes.slice(0, 3).map((o) => [o.priority_id, o.kind, o.source_line, o.text, o.value, o.unit, o.flag_code]),
    ).toEqual([
      ['QJM.paper.5.1', 'RESULT', 80, 'with 10 male beds', '10', 'COUNT', null],
      ['QJM.paper.5.1', 'RESULT', 81, 'providing a 24-hour assessment period', '24', 'HOURS', null],
      ['QJM.paper.5.2.1', 'RESULT', 93, 'has supported 350+ individuals', '350', 'COUNT', 'LOWER_BOUND'],
    ]);
    // data line 4: "350+" is kept as a lower bound, and the text stands on line 93
    expect(outcomes[2]).toMatchObject({
      source_document: LINCOLNSHIRE_PAPER,
      flag_explanation: "Stated as '350+': at least 350.",
    });
    expect(sourceLine(LINCOLNSHIRE_PAPER, 93)).toContain('has supported 350+ individuals');
  });

  it('refuses an outcome whose value its text does not state', () => {
    const dir = editedCopy(PROGRAMMES_DATA_DIR, {
      'lincolnshire-outcomes.csv': (csv) => csv.replace('with 10 male beds,10,COUNT', 'with 10 male beds,12,COUNT'),
    });
    const local: DataProblem[] = [];
    readOutcomes(dir, ids, local);
    expect(local.map(located)).toEqual([
      "lincolnshire-outcomes.csv:2 [value] 12 is not a number stated in 'with 10 male beds'",
    ]);
  });

  it('refuses a flag without its explanation', () => {
    const dir = editedCopy(PROGRAMMES_DATA_DIR, {
      'lincolnshire-outcomes.csv': (csv) =>
        csv.replace(",LOWER_BOUND,Stated as '350+': at least 350.", ',LOWER_BOUND,'),
    });
    const local: DataProblem[] = [];
    readOutcomes(dir, ids, local);
    expect(local.map(located)).toEqual([
      'lincolnshire-outcomes.csv:4 [flag_explanation] flag_code and flag_explanation go together',
    ]);
  });
});
