import { readFileSync } from 'node:fs';
import { subgraphHarness } from '@nhs-hub/gateway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORGANISATIONS_DATA_DIR } from '../etl/index.js';
import { subgraph } from '../index.js';

const organisations = subgraphHarness(subgraph);
beforeAll(organisations.start);
afterAll(organisations.close);

/** The 44 tracker STPs, read from the data file the seed step checks against the tracker's headings. */
const TRACKER_CODES = readFileSync(`${ORGANISATIONS_DATA_DIR}tracker-sections.csv`, 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => l.split(',')[0] ?? '');

interface Lead {
  name: string;
  role: string;
  organisation: { id: string; name: string; kind: string; kindRule: { code: string } } | null;
  organisations: { name: string }[];
  affiliationAsWritten: string | null;
  source: { document: { file: string }; line: number; text: string };
  flags: { code: string; explanation: string }[];
  person: { id: string };
}
const LEAD_SELECTION =
  'leads { name role organisation { id name kind kindRule { code } } organisations { name } affiliationAsWritten source { document { file } line text } flags { code explanation } person { id } }';

const stpLeads = (codes: string[], selection = LEAD_SELECTION) =>
  organisations.entities<{ code: string; leads: Lead[] }>(
    'Stp',
    codes.map((code) => ({ code })),
    `code ${selection}`,
  );

describe('STP leads', () => {
  it('answers Lincolnshire (QJM): Allan Kitt, Lead, South West Lincolnshire CCG, a CCG, from tracker line 822', async () => {
    const [qjm] = await stpLeads(['QJM']);
    expect(qjm?.leads).toEqual([
      {
        name: 'Allan Kitt',
        role: 'Lead',
        organisation: {
          id: 'south-west-lincolnshire-ccg',
          name: 'South West Lincolnshire CCG',
          kind: 'CCG',
          kindRule: { code: 'CCG_IN_NAME' },
        },
        organisations: [{ name: 'South West Lincolnshire CCG' }],
        affiliationAsWritten: 'South West Lincolnshire CCG',
        source: {
          document: { file: 'seeds/002_5ca6f18803646174.txt' },
          line: 822,
          text: '**Lead:** Allan Kitt, South West Lincolnshire CCG',
        },
        flags: [],
        person: { id: 'allan-kitt' },
      },
    ]);
  });

  it('records the odd leads as written and flags them', async () => {
    const [staffs, essex, ncl, hants, unknown] = await stpLeads(['QNC', 'QH8', 'QMJ', 'QRL', 'QHM']);
    // Line 712: a name and nothing else.
    expect(
      staffs?.leads.map((l) => [l.name, l.organisation, l.affiliationAsWritten, l.flags.map((f) => f.code)]),
    ).toEqual([['Penny Harris', null, null, ['ORGANISATION_NOT_STATED']]]);
    // Line 1206: a post (the success regime's chair) where an organisation would be.
    expect(
      essex?.leads.map((l) => [l.name, l.organisation, l.affiliationAsWritten, l.flags.map((f) => f.code)]),
    ).toEqual([['Dr Anita Donley', null, 'Independent Chair, Success Regime', ['ROLE_NOT_ORGANISATION']]]);
    expect(ncl?.leads[0]).toMatchObject({
      name: 'Helen Pettersen',
      organisation: null,
      affiliationAsWritten: "joint Chief Officer of five local CCG's",
    });
    expect(ncl?.leads[0]?.flags.map((f) => f.code)).toEqual(['ORGANISATIONS_NOT_NAMED']);
    // Line 1688: one lead, two CCGs.
    expect(hants?.leads[0]).toMatchObject({
      name: 'Richard Samuel',
      organisation: null,
      organisations: [{ name: 'Fareham and Gosport CCG' }, { name: 'South East Hampshire CCG' }],
    });
    expect(hants?.leads[0]?.flags.map((f) => f.code)).toEqual(['MULTIPLE_ORGANISATIONS']);
    // Cumbria and North East was formed after the tracker: no section, no lead.
    expect(unknown).toEqual({ code: 'QHM', leads: [] });
  });

  it("keeps both of Robert Woolley's roles, each flagged as the tracker's duplication", async () => {
    const data = await organisations.ask<{
      person: {
        name: string;
        roles: {
          kind: string;
          title: string;
          stp: { code: string };
          organisation: { name: string };
          source: { line: number };
          flags: { code: string; explanation: string }[];
        }[];
      };
    }>(
      `{ person(id: "robert-woolley") { name roles { kind title stp { code } organisation { name } source { line } flags { code explanation } } } }`,
    );
    expect(data.person.name).toBe('Robert Woolley');
    expect(
      data.person.roles.map((r) => [
        r.kind,
        r.title,
        r.stp.code,
        r.organisation.name,
        r.source.line,
        r.flags.map((f) => f.code),
      ]),
    ).toEqual([
      ['STP_LEAD', 'Lead', 'QUY', 'University Hospitals Bristol NHS FT', 1622, ['DUPLICATED_LEAD']],
      ['STP_LEAD', 'Lead', 'QOX', 'University Hospitals Bristol NHS FT', 1652, ['DUPLICATED_LEAD']],
    ]);
    const explanation = data.person.roles[0]?.flags[0]?.explanation ?? '';
    expect(explanation).toContain("The duplication is the tracker's, not the hub's");
    expect(explanation).toContain('Bristol, North Somerset and South Gloucestershire (QUY, line 1622)');
    expect(explanation).toContain('Bath, Swindon and Wiltshire (QOX, line 1652)');
    expect(data.person.roles[1]?.flags[0]?.explanation).toBe(explanation);
  });

  it('resolves the leads of all 44 STPs in the same number of statements as 2', async () => {
    expect(TRACKER_CODES).toHaveLength(44);
    const selection = `${LEAD_SELECTION.slice(0, -1)} asRole { person { roles { kind organisations { name } } } } }`;
    organisations.resetCounters();
    const two = await stpLeads(['QJM', 'QOX'], selection);
    const forTwo = organisations.statements();
    organisations.resetCounters();
    const all = await stpLeads(TRACKER_CODES, selection);
    const forAll = organisations.statements();
    expect(two.map((s) => s.leads[0]?.name)).toEqual(['Allan Kitt', 'Robert Woolley']);
    expect(all.flatMap((s) => s.leads)).toHaveLength(44);
    expect(all.every((s) => s.leads.length === 1)).toBe(true);
    expect(forAll).toBe(forTwo);
    // Leads, their organisations, their people, those people's roles: one statement each.
    expect(forTwo).toBe(4);
  });
});

describe('organisations', () => {
  it('answers an organisation with its kind rule, sources, roles and the STPs it leads', async () => {
    const data = await organisations.ask<{ organisation: Record<string, unknown> }>(
      `{ organisation(id: "university-hospitals-bristol-nhs-ft") { id name kind kindRule { code explanation } odsCode odsCodeSource { line }
         sources { line text } roles { id person { name } } leadsStps { code } flags { code } } }`,
    );
    expect(data.organisation).toEqual({
      id: 'university-hospitals-bristol-nhs-ft',
      name: 'University Hospitals Bristol NHS FT',
      kind: 'NHS_FOUNDATION_TRUST',
      kindRule: {
        code: 'NHS_FOUNDATION_TRUST_SUFFIX',
        explanation: 'The name ends in "NHS FT": an NHS foundation trust.',
      },
      odsCode: null,
      odsCodeSource: null,
      sources: [
        { line: 1622, text: 'University Hospitals Bristol NHS FT' },
        { line: 1652, text: 'University Hospitals Bristol NHS FT' },
      ],
      roles: [
        { id: '002-1622-stp-lead', person: { name: 'Robert Woolley' } },
        { id: '002-1652-stp-lead', person: { name: 'Robert Woolley' } },
      ],
      leadsStps: [{ code: 'QUY' }, { code: 'QOX' }],
      flags: [],
    });
  });

  it('holds the national bodies, with the chief executives the letters name and the documents they published', async () => {
    const data = await organisations.ask<{
      organisations: {
        totalCount: number;
        nodes: {
          name: string;
          roles: { title: string; statedOn: string; person: { name: string } }[];
          publishedDocuments: { file: string }[];
        }[];
      };
    }>(
      `{ organisations(kind: NATIONAL_BODY) { totalCount nodes { name roles { title statedOn person { name } } publishedDocuments { file } } } }`,
    );
    expect(data.organisations.totalCount).toBe(2);
    const [england, improvement] = data.organisations.nodes;
    expect(england?.name).toBe('NHS England');
    expect(england?.roles.map((r) => [r.person.name, r.title, r.statedOn])).toEqual([
      ['Matthew Swindells', 'National Director: Operations and Information', '2018-05-09'],
      ['Simon Stevens', 'Chief Executive', '2018-03-27'],
      ['Simon Stevens', 'Chief Executive', '2018-03-29'],
      ['Simon Stevens', 'CEO', '2016-12-12'],
    ]);
    expect(england?.publishedDocuments.map((d) => d.file)).toEqual([
      'seeds/001_cbad4f5854a175db.txt',
      'seeds/004_76447a4d1bef46a3.txt',
    ]);
    expect(improvement?.roles.map((r) => r.person.name)).toEqual(['Kathy McLean', 'Ian Dalton', 'Jim Mackey']);
    const abhi = await organisations.ask<{
      organisation: { kind: string; publishedDocuments: { title: string }[]; roles: unknown[] };
    }>(`{ organisation(id: "abhi") { kind publishedDocuments { title } roles { id } } }`);
    expect(abhi.organisation).toEqual({ kind: 'OTHER', publishedDocuments: [{ title: 'STPs tracker' }], roles: [] });
  });

  it('searches names case-insensitively, like the ODS API Name= search, and filters by kind', async () => {
    type Page = { totalCount: number; nodes: { name: string }[] };
    const data = await organisations.ask<Record<string, Page>>(
      `{ lower: organisations(search: "lincolnshire") { totalCount nodes { name } }
         upper: organisations(search: "LINCOLNSHIRE") { totalCount nodes { name } }
         ccgs: organisations(search: "LiNcOlNsHiRe", kind: CCG) { totalCount nodes { name } }
         wildcard: organisations(search: "%") { totalCount nodes { name } }
         councils: organisations(kind: LOCAL_AUTHORITY) { totalCount nodes { name } } }`,
    );
    expect(data.lower?.nodes.map((n) => n.name)).toEqual([
      'East Lincolnshire CCG',
      'Lincolnshire County council',
      'Lincolnshire West CCG',
      'South West Lincolnshire CCG',
      'United Lincolnshire Hospitals NHS Trust',
    ]);
    expect(data.upper).toEqual(data.lower);
    expect(data.ccgs?.nodes.map((n) => n.name)).toEqual([
      'East Lincolnshire CCG',
      'Lincolnshire West CCG',
      'South West Lincolnshire CCG',
    ]);
    // LIKE's wildcards are taken literally.
    expect(data.wildcard).toEqual({ totalCount: 0, nodes: [] });
    expect(data.councils?.totalCount).toBe(5);
  });

  it('pages with totalCount and hasNextPage, and refuses pages over 200 with BAD_USER_INPUT', async () => {
    type Page = { totalCount: number; hasNextPage: boolean; nodes: { id: string }[] };
    const data = await organisations.ask<Record<string, Page>>(
      `{ first: organisations(first: 20) { totalCount hasNextPage nodes { id } }
         last: organisations(first: 20, offset: 40) { totalCount hasNextPage nodes { id } }
         beyond: organisations(first: 20, offset: 100) { totalCount hasNextPage nodes { id } }
         all: organisations(first: 200) { totalCount hasNextPage nodes { id } } }`,
    );
    expect(data.first).toMatchObject({ totalCount: 47, hasNextPage: true });
    expect(data.first?.nodes).toHaveLength(20);
    expect(data.first?.nodes[0]?.id).toBe('abhi');
    expect(data.last).toMatchObject({ totalCount: 47, hasNextPage: false });
    expect(data.last?.nodes).toHaveLength(7);
    expect(data.beyond).toEqual({ totalCount: 47, hasNextPage: false, nodes: [] });
    expect(data.all?.nodes.map((n) => n.id)).toEqual(
      [
        ...(data.first?.nodes ?? []),
        ...((
          await organisations.ask<Record<string, Page>>(`{ p: organisations(first: 27, offset: 20) { nodes { id } } }`)
        ).p?.nodes ?? []),
      ].map((n) => n.id),
    );

    const tooMany = await organisations.query(`{ organisations(first: 201) { totalCount } }`);
    expect(tooMany.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(tooMany.body.errors?.[0]?.message).toBe('first must be between 0 and 200; got 201');
    const negative = await organisations.query(`{ people(offset: -1) { totalCount } }`);
    expect(negative.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('resolves roles of every organisation in the same number of statements as for 2', async () => {
    const selection =
      'nodes { id roles { kind title stp { code } person { name } organisations { id } } leadsStps { code } sources { line } }';
    organisations.resetCounters();
    await organisations.ask(`{ organisations(first: 2) { ${selection} } }`);
    const forTwo = organisations.statements();
    organisations.resetCounters();
    const all = await organisations.ask<{ organisations: { nodes: { roles: unknown[] }[] } }>(
      `{ organisations(first: 200) { ${selection} } }`,
    );
    expect(all.organisations.nodes).toHaveLength(47);
    expect(all.organisations.nodes.flatMap((n) => n.roles)).toHaveLength(48);
    expect(organisations.statements()).toBe(forTwo);
    // The page, roles per organisation, the people, sources per organisation.
    expect(forTwo).toBe(4);
  });

  it('resolves Organisation and Person references in one statement per batch', async () => {
    organisations.resetCounters();
    const data = await organisations.ask<{ _entities: ({ name: string } | null)[] }>(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Organisation { name } ... on Person { name } } }`,
      {
        r: [
          { __typename: 'Organisation', id: 'nhs-england' },
          { __typename: 'Organisation', id: 'south-west-lincolnshire-ccg' },
          { __typename: 'Person', id: 'allan-kitt' },
          { __typename: 'Person', id: 'andrew-cash' },
          { __typename: 'Organisation', id: 'no-such-organisation' },
        ],
      },
    );
    expect(data._entities).toEqual([
      { name: 'NHS England' },
      { name: 'South West Lincolnshire CCG' },
      { name: 'Allan Kitt' },
      { name: 'Sir Andrew Cash OBE' },
      null,
    ]);
    expect(organisations.statements()).toBe(2);
  });

  it('answers unknown ids with NOT_FOUND, not a server error', async () => {
    const org = await organisations.query(`{ organisation(id: "department-of-health") { name } }`);
    expect(org.status).toBe(200);
    expect(org.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(org.body.errors?.[0]?.message).toBe(
      "Organisation not found: no organisation has the id 'department-of-health'",
    );
    const person = await organisations.query(`{ person(id: "jane-doe") { name } }`);
    expect(person.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(person.body.errors?.[0]?.message).toBe("Person not found: no person has the id 'jane-doe'");
  });
});

describe('people', () => {
  it('keeps names as written and their honorifics separable', async () => {
    const data = await organisations.ask<Record<string, Record<string, unknown>>>(
      `fragment N on Person { name honorificPrefix givenName familyName nameWithoutHonorifics postNominals flags { code } }
       { cash: person(id: "andrew-cash") { ...N } pedder: person(id: "angela-pedder") { ...N } dolman: person(id: "MATTHEW-DOLMAN") { ...N } }`,
    );
    expect(data.cash).toEqual({
      name: 'Sir Andrew Cash OBE',
      honorificPrefix: 'Sir',
      givenName: 'Andrew',
      familyName: 'Cash',
      nameWithoutHonorifics: 'Andrew Cash',
      postNominals: 'OBE',
      flags: [],
    });
    expect(data.pedder).toMatchObject({ name: 'Angela Pedder OBE', honorificPrefix: null, postNominals: 'OBE' });
    expect(data.dolman).toMatchObject({
      name: 'Dr matthew Dolman',
      honorificPrefix: 'Dr',
      givenName: 'matthew',
      flags: [{ code: 'NAME_CASING' }],
    });
  });

  it('gives one person every role the seeds state, each with its date and source', async () => {
    const data = await organisations.ask<{
      person: {
        roles: {
          kind: string;
          title: string;
          statedOn: string;
          statedOnSource: { line: number; text: string } | null;
          source: { document: { file: string }; line: number; text: string };
          organisation: { name: string };
        }[];
        sources: { line: number }[];
      };
    }>(
      `{ person(id: "simon-stevens") { roles { kind title statedOn statedOnSource { line text } source { document { file } line text } organisation { name } } sources { line } } }`,
    );
    expect(
      data.person.roles.map((r) => [
        r.kind,
        r.title,
        r.organisation.name,
        r.statedOn,
        r.source.document.file,
        r.source.line,
      ]),
    ).toEqual([
      ['CHIEF_EXECUTIVE', 'Chief Executive', 'NHS England', '2018-03-27', 'seeds/000_647e8cd618725ea4.txt', 441],
      ['CHIEF_EXECUTIVE', 'Chief Executive', 'NHS England', '2018-03-29', 'seeds/001_cbad4f5854a175db.txt', 8],
      ['CHIEF_EXECUTIVE', 'CEO', 'NHS England', '2016-12-12', 'seeds/004_76447a4d1bef46a3.txt', 70],
    ]);
    expect(data.person.roles[2]?.statedOnSource).toEqual({ line: 11, text: '12th December 2016' });
    // The name stands on the line above the title in a signature.
    expect(data.person.sources.map((s) => s.line)).toEqual([440, 8, 69]);
  });

  it('records the success regime chair as a second role from the same line', async () => {
    const data = await organisations.ask<{
      people: {
        totalCount: number;
        nodes: { id: string; roles: { kind: string; title: string; stp: { code: string } }[] }[];
      };
    }>(`{ people(search: "DONLEY") { totalCount nodes { id roles { kind title stp { code } } } } }`);
    expect(data.people).toEqual({
      totalCount: 1,
      nodes: [
        {
          id: 'anita-donley',
          roles: [
            { kind: 'STP_LEAD', title: 'Lead', stp: { code: 'QH8' } },
            { kind: 'CHAIR', title: 'Independent Chair, Success Regime', stp: { code: 'QH8' } },
          ],
        },
      ],
    });
  });

  it('searches and pages people by family name', async () => {
    type Page = { totalCount: number; hasNextPage: boolean; nodes: { name: string }[] };
    const data = await organisations.ask<Record<string, Page>>(
      `{ doctors: people(search: "dr ") { totalCount nodes { name } }
         firstPage: people(first: 3) { totalCount hasNextPage nodes { name } } }`,
    );
    expect(data.doctors?.nodes.map((n) => n.name)).toEqual([
      'Dr matthew Dolman',
      'Dr Anita Donley',
      'Dr Amanda Doyle',
      'Dr Mohini Parma',
      'Dr Wendy Thomson',
    ]);
    expect(data.firstPage).toEqual({
      totalCount: 51,
      hasNextPage: true,
      nodes: [{ name: 'Mark Adams' }, { name: 'Sir Howard Bernstein' }, { name: 'Sarah Blow' }],
    });
  });
});

describe('regions', () => {
  it('names no regional director and says so, citing where the posts are announced', async () => {
    const data = await organisations.ask<{
      _entities: {
        code: string;
        leaders: unknown[];
        leadershipNote: string | null;
        leadershipSources: { document: { file: string }; line: number }[];
      }[];
    }>(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Region { code leaders { id } leadershipNote leadershipSources { document { file } line } } } }`,
      { r: ['Y60', 'Y58', 'Y99'].map((code) => ({ __typename: 'Region', code })) },
    );
    const [midlands, southWest, unknown] = data._entities;
    expect(midlands?.leaders).toEqual([]);
    expect(midlands?.leadershipNote).toMatch(
      /^The seeds name no regional director for this region; they announce the posts only\. /,
    );
    expect(midlands?.leadershipNote).toContain(
      'expects the joint Regional Directors to be identified by early autumn 2018',
    );
    expect(midlands?.leadershipSources.map((s) => s.line)).toEqual([331, 335, 342, 62]);
    expect(southWest?.leadershipNote).toContain('introduced in September 2017');
    expect(southWest?.leadershipSources[0]).toEqual({ document: { file: 'seeds/001_cbad4f5854a175db.txt' }, line: 42 });
    expect(unknown).toEqual({ code: 'Y99', leaders: [], leadershipNote: null, leadershipSources: [] });
  });

  it('resolves leaders and notes of all ten regions in one statement each', async () => {
    const codes = ['Y54', 'Y55', 'Y56', 'Y57', 'Y58', 'Y59', 'Y60', 'Y61', 'Y62', 'Y63'];
    organisations.resetCounters();
    const data = await organisations.ask<{ _entities: { leaders: unknown[]; leadershipNote: string | null }[] }>(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Region { leaders { id person { name } } leadershipNote leadershipSources { line } } } }`,
      { r: codes.map((code) => ({ __typename: 'Region', code })) },
    );
    expect(data._entities.every((r) => r.leaders.length === 0 && r.leadershipNote !== null)).toBe(true);
    expect(organisations.statements()).toBe(2);
  });
});
