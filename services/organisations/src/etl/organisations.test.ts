import { type DataProblem, located } from '@nhs-hub/kit/subgraph';
import { editedCopy } from '@nhs-hub/kit/testing';
import { describe, expect, it } from 'vitest';
import { DataFolder, ORGANISATIONS_DATA_DIR } from './files.js';
import { readOrganisationSources } from './organisation-sources.js';
import { readOrganisations } from './organisations.js';

describe('organisations.csv', () => {
  const problems: DataProblem[] = [];
  const { organisations } = readOrganisations(new DataFolder(), problems);

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

  it('refuses an id that is not the slug of the name, and an ODS code without its citation', () => {
    const folder = new DataFolder(
      editedCopy(ORGANISATIONS_DATA_DIR, {
        'organisations.csv': (csv) =>
          csv
            .replace(
              'south-west-lincolnshire-ccg,South West Lincolnshire CCG,,',
              'sw-lincs-ccg,South West Lincolnshire CCG,,',
            )
            .replace('nhs-england,NHS England,,,,,,', 'nhs-england,NHS England,X24,,,,,'),
      }),
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
