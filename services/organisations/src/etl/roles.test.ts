import { type DataProblem, type FlagShape, located } from '@nhs-hub/kit/subgraph';
import { editedCopy } from '@nhs-hub/kit/testing';
import { describe, expect, it } from 'vitest';
import { TRACKER } from './sources.js';
import { DataFolder, ORGANISATIONS_DATA_DIR } from './files.js';
import { readOrganisationSources } from './organisation-sources.js';
import { readOrganisations } from './organisations.js';
import { readPeople } from './people.js';
import { readRoles } from './roles.js';
import { readSections } from './sections.js';

function roles(folder: DataFolder) {
  const problems: DataProblem[] = [];
  const organisations = readOrganisations(folder, problems);
  const read = readRoles(
    folder,
    {
      sections: readSections(folder, problems),
      organisationIds: new Set(organisations.organisations.map((o) => o.id)),
      organisationSources: readOrganisationSources(folder, organisations.rows, problems),
      people: readPeople(folder, problems).byId,
    },
    problems,
  );
  return { ...read, problems: problems.map(located) };
}

describe('roles.csv and role-flags.csv', () => {
  const { roles: all, roleOrganisations, problems } = roles(new DataFolder());
  const flagsOf = (id: string) =>
    (JSON.parse(all.find((r) => r.id === id)?.flags ?? 'null') as FlagShape[]).map((f) => f.code);

  it("reads Lincolnshire's lead as the tracker states it on line 822", () => {
    expect(problems).toEqual([]);
    expect(all).toHaveLength(57);
    expect(all.find((r) => r.id === '002-822-stp-lead')).toMatchObject({
      person_id: 'allan-kitt',
      kind: 'STP_LEAD',
      stp_code: 'QJM',
      affiliation_as_written: 'South West Lincolnshire CCG',
      source_document: TRACKER,
      source_line: 822,
      source_text: '**Lead:** Allan Kitt, South West Lincolnshire CCG',
      stated_on: '2018',
      stated_on_source_line: null,
      flags: '[]',
    });
    expect(roleOrganisations.filter((ro) => ro.role_id === '002-822-stp-lead')).toEqual([
      { role_id: '002-822-stp-lead', organisation_id: 'south-west-lincolnshire-ccg', position: 1 },
    ]);
  });

  it('flags the duplicated lead of Bristol and of Bath, Swindon and Wiltshire, and the stated flags', () => {
    expect(flagsOf('002-1622-stp-lead')).toEqual(['DUPLICATED_LEAD']);
    expect(flagsOf('002-1652-stp-lead')).toEqual(['DUPLICATED_LEAD']);
    expect(flagsOf('002-1206-stp-lead')).toEqual(['ROLE_NOT_ORGANISATION']);
    expect(flagsOf('002-1688-stp-lead')).toEqual(['MULTIPLE_ORGANISATIONS']);
  });

  it('refuses a lead line left unread, naming the tracker line and the section without a lead', () => {
    const broken = roles(
      new DataFolder(
        editedCopy(ORGANISATIONS_DATA_DIR, {
          'roles.csv': (csv) =>
            csv
              .split('\n')
              .filter((l) => !l.startsWith('002-712-stp-lead,'))
              .join('\n'),
        }),
      ),
    );
    expect(broken.problems).toContain(
      'roles.csv:1 seeds/002_5ca6f18803646174.txt:712 states a lead, read by 0 STP_LEAD rows (expected 1)',
    );
    expect(broken.problems).toContain('roles.csv:1 no STP_LEAD row for QNC (Staffordshire & Stoke-on-Trent)');
  });
});
