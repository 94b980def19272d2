import { type DataProblem, located } from '@nhs-hub/kit/subgraph';
import { describe, expect, it } from 'vitest';
import { LINCOLNSHIRE_PAPER, TRACKER } from './sources.js';
import { editedCopy } from './edited-copy.js';
import { DataFolder } from './files.js';
import { readOrganisationSources } from './organisation-sources.js';
import { readOrganisations } from './organisations.js';

describe('organisations.csv and organisation-sources.csv', () => {
  const problems: DataProblem[] = [];
  const { rows, organisations } = readOrganisations(new DataFolder(), problems);
  const sources = readOrganisationSources(new DataFolder(), rows, problems);

  it('derives each kind from the name and stores no ODS code no source states', () => {
    expect(problems).toEqual([]);
    expect(organisations).toHaveLength(47);
    expect(organisations.find((o) => o.id === 'south-west-lincolnshire-ccg')).toMatchObject({
      name: 'South West Lincolnshire CCG',
      kind: 'CCG',
      position: 17,
      ods_code: null,
      flags: '[]',
    });
    expect(organisations.find((o) => o.id === 'united-lincolnshire-hospitals-nhs-trust')?.kind).toBe('NHS_TRUST');
  });

  it('keeps every line naming an organisation, in file order', () => {
    expect(sources).toHaveLength(66);
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
  });

  it('refuses an id that is not the slug of the name, and an ODS code without its citation', () => {
    const folder = editedCopy('organisations.csv', (csv) =>
      csv
        .replace(
          'south-west-lincolnshire-ccg,South West Lincolnshire CCG,,',
          'sw-lincs-ccg,South West Lincolnshire CCG,,',
        )
        .replace('nhs-england,NHS England,,,,,,', 'nhs-england,NHS England,X24,,,,,'),
    );
    const local: DataProblem[] = [];
    const read = readOrganisations(folder, local);
    readOrganisationSources(folder, read.rows, local);
    expect(local.map(located)).toEqual([
      "organisations.csv:18 [id] expected the slug of the name, 'south-west-lincolnshire-ccg'",
      'organisations.csv:46 [ods_code] an ODS code needs its citation: ods_code, ods_document, ods_line and ods_text together, or none',
      'organisations.csv:46 [ods_text] the cited text does not contain the code X24',
      'organisation-sources.csv:18 [organisation_id] unknown organisation south-west-lincolnshire-ccg',
      'organisation-sources.csv:19 [organisation_id] unknown organisation south-west-lincolnshire-ccg',
      'organisations.csv:18 [id] no line of organisation-sources.csv names sw-lincs-ccg',
    ]);
  });
});
