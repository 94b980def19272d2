import { type DataProblem, located, sourceLine } from '@nhs-hub/kit/subgraph';
import { editedCopy } from '@nhs-hub/kit/testing';
import { describe, expect, it } from 'vitest';
import { PROGRAMMES_DATA_DIR } from './files.js';
import { readPaperPriorities } from './paper-priorities.js';
import { LINCOLNSHIRE_PAPER } from './sources.js';

describe('lincolnshire-priorities.csv', () => {
  const problems: DataProblem[] = [];
  const paper = readPaperPriorities(PROGRAMMES_DATA_DIR, problems);

  it('orders priorities and their work streams depth-first after the tracker focuses', () => {
    expect(problems).toEqual([]);
    expect(paper.priorities).toHaveLength(19);
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
    const ids = paper.priorities.map((p) => p.id);
    // a work stream follows its parent
    expect(ids.indexOf('QJM.paper.5.2.1')).toBe(ids.indexOf('QJM.paper.5.2') + 1);
    expect(paper.priorities.find((p) => p.id === 'QJM.paper.5.2.1')?.parent_id).toBe('QJM.paper.5.2');
  });

  it('keeps data line 2 (section 5.1) with its heading and summary lines, verbatim', () => {
    expect(paper.priorities[0]).toEqual({
      id: 'QJM.paper.5.1',
      stp_code: 'QJM',
      kind: 'LINCOLNSHIRE_PRIORITY',
      parent_id: null,
      position: 1,
      sort_key: 101,
      section_number: '5.1',
      title: 'Mental Health',
      summary:
        'The priority for mental health during 2018/19 remains the same as in 2017/18 which is to enable more people with complex mental health needs to be cared for in Lincolnshire rather than to travel out of county, often a long way from family and friends.',
      summary_line: 76,
      source_document: LINCOLNSHIRE_PAPER,
      source_line: 74,
      source_text: '5.1 Mental Health',
      flag_code: null,
      flag_explanation: null,
    });
    expect(sourceLine(LINCOLNSHIRE_PAPER, 74)).toBe('5.1 Mental Health');
    expect(sourceLine(LINCOLNSHIRE_PAPER, 76)).toBe(paper.priorities[0]?.summary);
  });

  it('keeps the flag a row states (data line 9: 5.2.1 repeats the title of 5.2)', () => {
    expect(paper.priorities.find((p) => p.id === 'QJM.paper.5.2.1')).toMatchObject({
      kind: 'WORK_STREAM',
      section_number: '5.2.1',
      title: 'Integrated Neighbourhood Working',
      source_line: 87,
      flag_code: 'DUPLICATED_HEADING',
      flag_explanation:
        "Heading 5.2 (line 85) and its first work stream 5.2.1 (line 87) carry the same title 'Integrated Neighbourhood Working'.",
    });
  });

  it('refuses a work stream whose parent is not a priority of the paper', () => {
    const dir = editedCopy(PROGRAMMES_DATA_DIR, {
      'lincolnshire-priorities.csv': (csv) => csv.replace(',WORK_STREAM,QJM.paper.5.2,', ',WORK_STREAM,QJM.paper.9,'),
    });
    const local: DataProblem[] = [];
    readPaperPriorities(dir, local);
    expect(local.map(located)[0]).toMatch(
      /^lincolnshire-priorities\.csv:\d+ \[parent_id\] QJM\.paper\.9 is not a priority of the paper$/,
    );
  });

  it('refuses a title that does not stand on its line', () => {
    const dir = editedCopy(PROGRAMMES_DATA_DIR, {
      'lincolnshire-priorities.csv': (csv) =>
        csv.replace('QJM.paper.5.1,LINCOLNSHIRE_PRIORITY,,1,5.1,74,', 'QJM.paper.5.1,LINCOLNSHIRE_PRIORITY,,1,5.1,75,'),
    });
    const local: DataProblem[] = [];
    readPaperPriorities(dir, local);
    expect(local.map(located)).toEqual([
      'lincolnshire-priorities.csv:2 [title] citation does not hold: seeds/000_647e8cd618725ea4.txt:75 does not contain "Mental Health" (it reads "")',
      'lincolnshire-priorities.csv:2 [section_number] citation does not hold: seeds/000_647e8cd618725ea4.txt:75 does not contain "5.1" (it reads "")',
    ]);
  });
});
