import { type DataProblem, located, sourceLine } from '@nhs-hub/kit/subgraph';
import { editedCopy } from '@nhs-hub/kit/testing';
import { describe, expect, it } from 'vitest';
import { DataFolder, ORGANISATIONS_DATA_DIR } from './files.js';
import { readOrganisationSources } from './organisation-sources.js';
import { readOrganisations } from './organisations.js';
import { BOARD_PAPER, LINCOLNSHIRE_PAPER, PLANNING_LETTER, TRACKER } from './sources.js';

/** The step over a data folder, with the organisations it cites read from the same folder. */
function read(folder: DataFolder) {
  const problems: DataProblem[] = [];
  const { rows } = readOrganisations(folder, problems);
  return { sources: readOrganisationSources(folder, rows, problems), problems: problems.map(located) };
}

describe('organisation-sources.csv', () => {
  it('keeps every line naming an organisation, verbatim, numbered per organisation in file order', () => {
    const { sources, problems } = read(new DataFolder());
    expect(problems).toEqual([]);
    expect(sources).toHaveLength(66);
    // data lines 18-19: South West Lincolnshire CCG in the tracker's Lincolnshire lead line and in the paper
    expect(sources.filter((s) => s.organisation_id === 'south-west-lincolnshire-ccg')).toEqual([
      {
        organisation_id: 'south-west-lincolnshire-ccg',
        position: 1,
        source_document: TRACKER,
        source_line: 822,
        source_text: 'South West Lincolnshire CCG',
      },
      {
        organisation_id: 'south-west-lincolnshire-ccg',
        position: 2,
        source_document: LINCOLNSHIRE_PAPER,
        source_line: 217,
        source_text: 'South West Lincolnshire CCG',
      },
    ]);
    expect(sourceLine(TRACKER, 822)).toBe('- › **Lead:** Allan Kitt, South West Lincolnshire CCG');
    // data lines 52-59: NHS England, named in all four seeds
    expect(
      sources
        .filter((s) => s.organisation_id === 'nhs-england')
        .map((s) => [s.position, s.source_document, s.source_line, s.source_text]),
    ).toEqual([
      [1, LINCOLNSHIRE_PAPER, 58, 'NHS England (NHSE)'],
      [2, LINCOLNSHIRE_PAPER, 303, 'NHS Improvement and NHS England'],
      [3, LINCOLNSHIRE_PAPER, 354, 'NHS England'],
      [4, LINCOLNSHIRE_PAPER, 388, 'NHS Improvement and NHS England'],
      [5, LINCOLNSHIRE_PAPER, 442, 'NHS England'],
      [6, BOARD_PAPER, 5, 'NHS ENGLAND – BOARD PAPER'],
      [7, PLANNING_LETTER, 70, 'CEO, NHS England'],
      [8, TRACKER, 1767, 'Need for closer alignment between NHSE and NHSI'],
    ]);
  });

  it('refuses a line number the text does not stand on, and a row listed twice', () => {
    const { problems } = read(
      new DataFolder(
        editedCopy(ORGANISATIONS_DATA_DIR, {
          'organisation-sources.csv': (csv) =>
            csv
              .replace(`${TRACKER},822,South West Lincolnshire CCG`, `${TRACKER},823,South West Lincolnshire CCG`)
              .replace(
                `southern-derbyshire-ccg,${TRACKER},782,Southern Derbyshire CCG\n`,
                `southern-derbyshire-ccg,${TRACKER},782,Southern Derbyshire CCG\nsouthern-derbyshire-ccg,${TRACKER},782,Southern Derbyshire CCG\n`,
              ),
        }),
      ),
    );
    expect(problems).toEqual([
      'organisation-sources.csv:18 [line] duplicates line 17 (southern-derbyshire-ccg@seeds/002_5ca6f18803646174.txt:782)',
      'organisation-sources.csv:19 [text] citation does not hold: seeds/002_5ca6f18803646174.txt:823 does not contain "South West Lincolnshire CCG" (it reads "")',
    ]);
  });

  it('refuses an organisation whose name none of its cited texts writes (line 782 names Southern Derbyshire CCG)', () => {
    const { problems } = read(
      new DataFolder(
        editedCopy(ORGANISATIONS_DATA_DIR, {
          'organisation-sources.csv': (csv) =>
            csv.replace(`${TRACKER},782,Southern Derbyshire CCG`, `${TRACKER},782,Southern Derbyshire`),
        }),
      ),
    );
    expect(problems).toEqual([
      'organisations.csv:17 [name] the name "Southern Derbyshire CCG" is not written in any of its cited texts',
    ]);
  });
});
