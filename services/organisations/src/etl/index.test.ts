import { checkCitation, DataFileError, sourceLine } from '@nhs-hub/kit/subgraph';
import { editedCopy, subgraphHarness } from '@nhs-hub/gateway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subgraph } from '../index.js';
import type { OrganisationsDatabase } from '../db/types.js';
import { DATED_PARTS, LINCOLNSHIRE_PAPER, TRACKER } from './sources.js';
import { buildOrganisationsRows, ORGANISATIONS_DATA_DIR, seedOrganisations } from './index.js';

const rows = buildOrganisationsRows();

/** A copy of the data folder with one file edited, for seeds that must fail. */
const brokenCopy = (fileName: string, edit: (text: string) => string): string =>
  editedCopy(ORGANISATIONS_DATA_DIR, { [fileName]: edit });

const seedError = (dir: string): string => {
  try {
    buildOrganisationsRows({ dataDir: dir });
  } catch (error) {
    expect(error).toBeInstanceOf(DataFileError);
    return (error as Error).message;
  }
  throw new Error('the seed step accepted broken data');
};

describe('rows built from the data files', () => {
  it('reads one lead per tracker section, 44 in all, each from its own section', () => {
    const leads = rows.roles.filter((r) => r.kind === 'STP_LEAD');
    expect(leads).toHaveLength(44);
    expect(new Set(leads.map((r) => r.stp_code)).size).toBe(44);
    expect(rows.roles.find((r) => r.stp_code === 'QJM' && r.kind === 'STP_LEAD')).toMatchObject({
      person_id: 'allan-kitt',
      title: 'Lead',
      affiliation_as_written: 'South West Lincolnshire CCG',
      source_document: TRACKER,
      source_line: 822,
      source_text: '**Lead:** Allan Kitt, South West Lincolnshire CCG',
      stated_on: '2018',
    });
    expect(sourceLine(TRACKER, 822)).toBe('- › **Lead:** Allan Kitt, South West Lincolnshire CCG');
  });

  it('holds every organisation, person and role the seeds name, and no more', () => {
    expect(rows.organisations).toHaveLength(47);
    expect(rows.people).toHaveLength(51);
    expect(rows.roles).toHaveLength(57);
    const kinds: Record<string, number> = {};
    for (const o of rows.organisations) kinds[o.kind] = (kinds[o.kind] ?? 0) + 1;
    expect(kinds).toEqual({
      CCG: 20,
      NHS_FOUNDATION_TRUST: 10,
      NHS_TRUST: 9,
      LOCAL_AUTHORITY: 5,
      NATIONAL_BODY: 2,
      OTHER: 1,
    });
    // No ODS code is stated in any source the hub holds, so none is stored.
    expect(rows.organisations.filter((o) => o.ods_code !== null)).toEqual([]);
    // The Lincolnshire paper names four of its "seven NHS organisations" (line 20): three of its four CCGs and ULHT.
    const paper = new Set(
      rows.organisationSources
        .filter((s) => s.source_document === LINCOLNSHIRE_PAPER && s.source_line < 300)
        .map((s) => s.organisation_id),
    );
    const local = rows.organisations
      .filter((o) => paper.has(o.id) && ['CCG', 'NHS_TRUST', 'NHS_FOUNDATION_TRUST'].includes(o.kind))
      .map((o) => o.id);
    expect(local.sort()).toEqual([
      'east-lincolnshire-ccg',
      'lincolnshire-west-ccg',
      'south-west-lincolnshire-ccg',
      'united-lincolnshire-hospitals-nhs-trust',
    ]);
    expect([...paper].filter((id) => !local.includes(id)).sort()).toEqual([
      'lincolnshire-county-council',
      'nhs-england',
      'nhs-improvement',
    ]);
  });

  it('cites only text that stands verbatim on the cited line', () => {
    const citations = [
      ...rows.organisationSources.map((s) => ({
        document: s.source_document,
        line: s.source_line,
        text: s.source_text,
      })),
      ...rows.roles.map((r) => ({ document: r.source_document, line: r.source_line, text: r.source_text })),
      ...rows.roles.flatMap((r) =>
        r.stated_on_source_document && r.stated_on_source_line && r.stated_on_source_text
          ? [{ document: r.stated_on_source_document, line: r.stated_on_source_line, text: r.stated_on_source_text }]
          : [],
      ),
      ...rows.regionNotes.map((n) => ({ document: n.source_document, line: n.source_line, text: n.source_text })),
      ...DATED_PARTS.flatMap((p) => (p.dateSource ? [p.dateSource] : [])),
    ];
    expect(citations.length).toBeGreaterThan(150);
    expect(citations.map(checkCitation).filter(Boolean)).toEqual([]);
  });

  it('dates each role by the part of the document its line falls in', () => {
    const stevens = rows.roles
      .filter((r) => r.person_id === 'simon-stevens')
      .map((r) => [r.id, r.title, r.stated_on, r.stated_on_source_line]);
    expect(stevens).toEqual([
      ['000-441-chief-executive', 'Chief Executive', '2018-03-27', 380],
      ['001-8-chief-executive', 'Chief Executive', '2018-03-29', 3],
      ['004-70-chief-executive', 'CEO', '2016-12-12', 11],
    ]);
    expect(rows.roles.find((r) => r.id === '000-353-national-director')).toMatchObject({
      stated_on: '2018-05-09',
      name_line: 352,
    });
    expect(rows.roles.find((r) => r.id === '000-7-programme-director')).toMatchObject({
      stated_on: '2018-06-01',
      stp_code: 'QJM',
    });
  });

  it("flags the tracker's oddities rather than correcting them", () => {
    const flagsOf = (id: string) =>
      (JSON.parse(rows.roles.find((r) => r.id === id)?.flags ?? 'null') as { code: string }[]).map((f) => f.code);
    expect(flagsOf('002-1622-stp-lead')).toEqual(['DUPLICATED_LEAD']);
    expect(flagsOf('002-1652-stp-lead')).toEqual(['DUPLICATED_LEAD']);
    expect(flagsOf('002-712-stp-lead')).toEqual(['ORGANISATION_NOT_STATED']);
    expect(flagsOf('002-1206-stp-lead')).toEqual(['ROLE_NOT_ORGANISATION']);
    expect(flagsOf('002-1273-stp-lead')).toEqual(['ORGANISATIONS_NOT_NAMED']);
    expect(flagsOf('002-1381-chief-officer')).toEqual(['ORGANISATIONS_NOT_NAMED', 'AS_WRITTEN']);
    expect(flagsOf('002-1688-stp-lead')).toEqual(['MULTIPLE_ORGANISATIONS']);
    expect(flagsOf('002-822-stp-lead')).toEqual([]);
    expect(rows.roleOrganisations.filter((ro) => ro.role_id === '002-1688-stp-lead')).toEqual([
      { role_id: '002-1688-stp-lead', organisation_id: 'fareham-and-gosport-ccg', position: 1 },
      { role_id: '002-1688-stp-lead', organisation_id: 'south-east-hampshire-ccg', position: 2 },
    ]);
  });
});

describe('seeding', () => {
  const organisations = subgraphHarness(subgraph);
  beforeAll(organisations.start);
  afterAll(organisations.close);

  const counts = async () => {
    const db = organisations.db;
    const n = async (table: keyof OrganisationsDatabase) =>
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n;
    return {
      organisation: await n('organisation'),
      organisation_source: await n('organisation_source'),
      person: await n('person'),
      role: await n('role'),
      role_organisation: await n('role_organisation'),
      region_leadership_note: await n('region_leadership_note'),
    };
  };

  it('loads every row, and a second run leaves the same rows', async () => {
    const expected = {
      organisation: 47,
      organisation_source: 66,
      person: 51,
      role: 57,
      role_organisation: 48,
      region_leadership_note: 33,
    };
    expect(organisations.running.seedReport).toEqual(expected);
    expect(await counts()).toEqual(expected);
    expect(await seedOrganisations(organisations.db)).toEqual(expected);
    expect(await counts()).toEqual(expected);
    const kitt = await organisations.db
      .selectFrom('person')
      .selectAll()
      .where('id', '=', 'allan-kitt')
      .executeTakeFirstOrThrow();
    expect(kitt).toMatchObject({ name: 'Allan Kitt', given_name: 'Allan', family_name: 'Kitt', flags: [] });
  });

  it('rejects a malformed row with file:line [column] and leaves the database as it was', async () => {
    const before = await counts();
    const dir = brokenCopy('roles.csv', (csv) =>
      csv.replace('002-822-stp-lead,allan-kitt,STP_LEAD,', '002-822-stp-lead,allan-kitt,STP_LEADER,'),
    );
    const error = await seedOrganisations(organisations.db, { dataDir: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataFileError);
    expect((error as Error).message).toMatch(/organisations-data-[^/]+\/roles\.csv:19 \[kind\]: Invalid option/);
    expect(await counts()).toEqual(before);
    const lead = await organisations.db
      .selectFrom('role')
      .select(['person_id', 'kind'])
      .where('id', '=', '002-822-stp-lead')
      .executeTakeFirstOrThrow();
    expect(lead).toEqual({ person_id: 'allan-kitt', kind: 'STP_LEAD' });
  });

  it('rejects a citation whose line number is wrong, naming the data row and what the line reads', () => {
    // organisation-sources.csv line 18: South West Lincolnshire CCG at tracker line 822; 823 is blank.
    const message = seedError(
      brokenCopy('organisation-sources.csv', (csv) =>
        csv.replace(`${TRACKER},822,South West Lincolnshire CCG`, `${TRACKER},823,South West Lincolnshire CCG`),
      ),
    );
    expect(message).toContain(
      'organisation-sources.csv:18 [text]: citation does not hold: seeds/002_5ca6f18803646174.txt:823 does not contain "South West Lincolnshire CCG" (it reads "")',
    );
    // ...and the role that names the CCG on line 822 no longer finds it named there.
    expect(message).toContain('has no row naming south-west-lincolnshire-ccg at seeds/002_5ca6f18803646174.txt:822');
  });

  it('refuses a role whose text or name does not stand on its line', () => {
    const message = seedError(
      brokenCopy('roles.csv', (csv) =>
        csv.replace(
          '"**Lead:** Allan Kitt, South West Lincolnshire CCG",',
          '"**Lead:** Alan Kitt, South West Lincolnshire CCG",',
        ),
      ),
    );
    expect(message).toMatch(
      /roles\.csv:19 \[text\]: citation does not hold: seeds\/002_5ca6f18803646174\.txt:822 does not contain "\*\*Lead:\*\* Alan Kitt/,
    );
    const wrongName = seedError(
      brokenCopy('people.csv', (csv) => csv.replace('allan-kitt,Allan Kitt', 'allan-kitt,Alan Kitt')),
    );
    expect(wrongName).toMatch(/people\.csv:\d+ \[id\]: expected the slug of the name without honorifics, 'alan-kitt'/);
    expect(wrongName).toMatch(/roles\.csv:19 \[name_line\]: the name as written in people\.csv does not stand there/);
  });

  it('refuses data that leaves a lead line of the tracker unread', () => {
    const message = seedError(
      brokenCopy('roles.csv', (csv) =>
        csv
          .split('\n')
          .filter((l) => !l.startsWith('002-712-stp-lead,'))
          .join('\n'),
      ),
    );
    expect(message).toContain('seeds/002_5ca6f18803646174.txt:712 states a lead, read by 0 STP_LEAD rows (expected 1)');
    expect(message).toContain('no STP_LEAD row for QNC (Staffordshire & Stoke-on-Trent)');
  });

  it('refuses an ODS code without a citation that states it', () => {
    const message = seedError(
      brokenCopy('organisations.csv', (csv) =>
        csv.replace('nhs-england,NHS England,,,,,,', 'nhs-england,NHS England,X24,,,,,'),
      ),
    );
    expect(message).toMatch(/organisations\.csv:46 \[ods_code\]: an ODS code needs its citation/);
  });
});
