import { type DataProblem, located } from '@nhs-hub/kit/subgraph';
import { describe, expect, it } from 'vitest';
import { LINCOLNSHIRE_PAPER } from './sources.js';
import { editedCopy } from './edited-copy.js';
import { PROGRAMMES_DATA_DIR } from './files.js';
import { readOutcomes } from './outcomes.js';
import { readPaperPoints } from './paper-points.js';
import { readPaperPriorities } from './paper-priorities.js';

describe('the Lincolnshire paper: lincolnshire-priorities.csv, -points.csv and -outcomes.csv', () => {
  const problems: DataProblem[] = [];
  const paper = readPaperPriorities(PROGRAMMES_DATA_DIR, problems);
  const points = readPaperPoints(PROGRAMMES_DATA_DIR, paper.ids, problems);
  const outcomes = readOutcomes(PROGRAMMES_DATA_DIR, paper.ids, problems);

  it('orders priorities and their work streams depth-first after the tracker focuses', () => {
    expect(problems).toEqual([]);
    const tops = paper.priorities.filter((p) => p.kind === 'LINCOLNSHIRE_PRIORITY');
    expect(tops.map((p) => `${p.section_number} ${p.title}`)).toEqual([
      '5.1 Mental Health',
      '5.2 Integrated Neighbourhood Working',
      '5.3 Implementation of GP Forward View',
      '5.4 Urgent and Emergency Care Transformation',
      '5.5 Operational Efficiencies',
      '5.6 Planned Care',
      '5.7 Other enabling programmes',
    ]);
    expect(paper.priorities[0]).toMatchObject({
      id: 'QJM.paper.5.1',
      stp_code: 'QJM',
      sort_key: 101,
      source_document: LINCOLNSHIRE_PAPER,
      source_line: 74,
      summary_line: 76,
    });
    const ids = paper.priorities.map((p) => p.id);
    // a work stream follows its parent
    expect(ids.indexOf('QJM.paper.5.2.1')).toBe(ids.indexOf('QJM.paper.5.2') + 1);
    expect(paper.priorities.find((p) => p.id === 'QJM.paper.5.2.1')?.parent_id).toBe('QJM.paper.5.2');
  });

  it('keeps the points and the typed outcomes at their lines', () => {
    expect(
      points
        .filter((p) => p.owner_id === 'QJM.paper.5.1')
        .map((p) => p.source_line)
        .slice(0, 3),
    ).toEqual([80, 81, 82]);
    expect(
      outcomes.slice(0, 3).map((o) => [o.priority_id, o.kind, o.source_line, o.value, o.unit, o.flag_code]),
    ).toEqual([
      ['QJM.paper.5.1', 'RESULT', 80, '10', 'COUNT', null],
      ['QJM.paper.5.1', 'RESULT', 81, '24', 'HOURS', null],
      ['QJM.paper.5.2.1', 'RESULT', 93, '350', 'COUNT', 'LOWER_BOUND'],
    ]);
  });

  it('refuses an outcome whose value its text does not state', () => {
    const dir = editedCopy('lincolnshire-outcomes.csv', (csv) =>
      csv.replace('with 10 male beds,10,COUNT', 'with 10 male beds,12,COUNT'),
    );
    const local: DataProblem[] = [];
    readOutcomes(dir, paper.ids, local);
    expect(local.map(located)).toEqual([
      "lincolnshire-outcomes.csv:2 [value] 12 is not a number stated in 'with 10 male beds'",
    ]);
  });

  it('refuses a work stream whose parent is not a priority of the paper', () => {
    const dir = editedCopy('lincolnshire-priorities.csv', (csv) =>
      csv.replace(',WORK_STREAM,QJM.paper.5.2,', ',WORK_STREAM,QJM.paper.9,'),
    );
    const local: DataProblem[] = [];
    readPaperPriorities(dir, local);
    expect(local.map(located)[0]).toMatch(
      /^lincolnshire-priorities\.csv:\d+ \[parent_id\] QJM\.paper\.9 is not a priority of the paper$/,
    );
  });
});
