import { readFileSync } from 'node:fs';
import { displayPath, formatChange, loadFile, releaseChanges, revertRelease } from '@nhs-hub/kit/subgraph';
import { subgraphHarness } from '@nhs-hub/gateway/testing';
import { loadFiles, refusedProblems as problemsOf } from '@nhs-hub/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subgraph } from '../index.js';
import { ORGANISATIONS_DATA_DIR } from './files.js';
import { organisationLoadable, personLoadable, roleLoadable } from './loadables.js';

const organisations = subgraphHarness(subgraph);
const files = loadFiles('hub-roles-');
beforeAll(organisations.start);
afterAll(async () => {
  await organisations.close();
  files.remove();
});

const [HEADER = '', ...ROWS] = readFileSync(`${ORGANISATIONS_DATA_DIR}roles.csv`, 'utf8').trim().split('\n');
/** A row of the seed's roles.csv, as it stands. */
const row = (id: string) => {
  const found = ROWS.find((l) => l.startsWith(`${id},`));
  if (!found) throw new Error(`no role ${id} in roles.csv`);
  return found;
};
const file = (name: string, ...rows: string[]) => files.csv(name, HEADER, ...rows);

const TRACKER = 'seeds/002_5ca6f18803646174.txt';
const STRATEGIC_LEAD = '000-8-strategic-lead';
const RICHARD_SAMUEL = '002-1688-stp-lead';

interface Lead {
  id: string;
  organisation: { id: string } | null;
  organisations: { id: string }[];
  flags: { code: string }[];
}
const leads = (codes: string[]) =>
  organisations.entities<{ code: string; leads: Lead[] }>(
    'Stp',
    codes.map((code) => ({ code })),
    'code leads { id organisation { id } organisations { id } flags { code } }',
  );
const titles = async () =>
  (
    await organisations.ask<{ person: { roles: { id: string; title: string }[] } }>(
      '{ person(id: "yolanda-martin") { roles { id title } } }',
    )
  ).person.roles;

describe('npm run load -- organisations role', () => {
  // Two real edits of the seed's rows: a title shortened to words the cited line still holds, and
  // Richard Samuel's lead (line 1688) linked to the first of the two CCGs it names only.
  const edited = () =>
    file(
      'roles.csv',
      row(STRATEGIC_LEAD).replace(',Strategic Lead for STP Communications and Engagement,', ',Strategic Lead,'),
      row(RICHARD_SAMUEL).replace('fareham-and-gosport-ccg;south-east-hampshire-ccg', 'fareham-and-gosport-ccg'),
    );

  it('previews the role, its links and its derived flags, old → new, writing nothing', async () => {
    const path = edited();
    const dry = await loadFile(organisations.db, roleLoadable, path, { dryRun: true });
    expect(dry).toMatchObject({
      rows: 2,
      inserted: 0,
      updated: 2,
      deleted: 1,
      unchanged: 1,
      derived: 2,
      release: null,
    });
    expect(dry.preview.map(formatChange)).toEqual([
      `~ role id=${STRATEGIC_LEAD}: title Strategic Lead for STP Communications and Engagement → Strategic Lead`,
      `- role_organisation role_id=${RICHARD_SAMUEL}, organisation_id=south-east-hampshire-ccg: position 2`,
      expect.stringMatching(
        new RegExp(`^~ role id=${RICHARD_SAMUEL}: flags \\[\\{"code":"MULTIPLE_ORGANISATIONS",.*\\}\\] → \\[\\]$`),
      ),
    ]);
    expect((await titles()).find((r) => r.id === STRATEGIC_LEAD)?.title).toBe(
      'Strategic Lead for STP Communications and Engagement',
    );
    const [qrl] = await leads(['QRL']);
    expect(qrl?.leads[0]?.organisations).toHaveLength(2);
  });

  it('loads the file as one release: the graph answers the new values, each change recorded with its source', async () => {
    const path = edited();
    const loaded = await loadFile(organisations.db, roleLoadable, path);
    expect(loaded).toMatchObject({ updated: 2, deleted: 1, derived: 2 });
    expect((await titles()).find((r) => r.id === STRATEGIC_LEAD)?.title).toBe('Strategic Lead');
    const [qrl] = await leads(['QRL']);
    expect(qrl?.leads).toEqual([
      {
        id: RICHARD_SAMUEL,
        organisation: { id: 'fareham-and-gosport-ccg' },
        organisations: [{ id: 'fareham-and-gosport-ccg' }],
        flags: [],
      },
    ]);
    const changes = await releaseChanges(organisations.db, loaded.release ?? 0);
    expect(changes.map((c) => [c.table, c.op, c.before, c.after, c.source])).toEqual([
      [
        'role',
        'update',
        { title: 'Strategic Lead for STP Communications and Engagement' },
        { title: 'Strategic Lead' },
        { file: displayPath(path), line: 2, document: 'seeds/000_647e8cd618725ea4.txt', documentLine: 8 },
      ],
      [
        'role_organisation',
        'delete',
        { role_id: RICHARD_SAMUEL, organisation_id: 'south-east-hampshire-ccg', position: 2 },
        null,
        { file: displayPath(path), line: 3 },
      ],
      [
        'role',
        'update',
        { flags: [expect.objectContaining({ code: 'MULTIPLE_ORGANISATIONS' })] },
        { flags: [] },
        { file: displayPath(path), line: 3 },
      ],
    ]);
    // The same file again changes nothing.
    expect(await loadFile(organisations.db, roleLoadable, path)).toMatchObject({
      updated: 0,
      deleted: 0,
      derived: 0,
      release: null,
    });

    await revertRelease(organisations.db, loaded.release ?? 0);
    expect((await titles()).find((r) => r.id === STRATEGIC_LEAD)?.title).toBe(
      'Strategic Lead for STP Communications and Engagement',
    );
    const [back] = await leads(['QRL']);
    expect(back?.leads[0]).toMatchObject({
      organisation: null,
      organisations: [{ id: 'fareham-and-gosport-ccg' }, { id: 'south-east-hampshire-ccg' }],
      flags: [{ code: 'MULTIPLE_ORGANISATIONS' }],
    });
  });

  it("deletes a lead with its links, re-deriving its twin's DUPLICATED_LEAD; history answers who held it, release by release", async () => {
    const deleted = await loadFile(organisations.db, roleLoadable, file('delete.csv', row('002-1652-stp-lead')), {
      mode: 'delete',
    });
    expect(deleted).toMatchObject({ deleted: 2, updated: 1 });
    const [qox, quy] = await leads(['QOX', 'QUY']);
    expect(qox?.leads).toEqual([]);
    expect(quy?.leads[0]?.flags).toEqual([]);
    await revertRelease(organisations.db, deleted.release ?? 0);
    const [again, twin] = await leads(['QOX', 'QUY']);
    expect(again?.leads[0]?.flags).toEqual([{ code: 'DUPLICATED_LEAD' }]);
    expect(twin?.leads[0]?.flags).toEqual([{ code: 'DUPLICATED_LEAD' }]);

    const [history] = await organisations.entities<{
      leads: {
        history: {
          release: number;
          kind: string;
          at: string;
          value: string | null;
          source: { file: string; line: number; document: string | null; documentLine: number | null } | null;
        }[];
      }[];
    }>(
      'Stp',
      [{ code: 'QOX' }],
      'leads { history { release kind at value source { file line document documentLine } } }',
    );
    const entries = history?.leads[0]?.history ?? [];
    expect(entries.map((h) => [h.release, h.kind, h.value])).toEqual([
      [1, 'seed', 'robert-woolley'],
      [deleted.release, 'delete', null],
      [(deleted.release ?? 0) + 1, 'revert', 'robert-woolley'],
    ]);
    expect(entries.every((h) => !Number.isNaN(Date.parse(h.at)))).toBe(true);
    expect(entries[1]?.source).toEqual({
      file: displayPath(files.path('delete.csv')),
      line: 2,
      document: null,
      documentLine: null,
    });
  });

  it('inserts a role the table lacks at the next position, with its links and flags, in one release', async () => {
    const JIM_MACKEY = '004-75-chief-executive';
    const roles = async () =>
      (
        await organisations.ask<{ person: { roles: { id: string; organisations: { id: string }[] }[] } }>(
          '{ person(id: "jim-mackey") { roles { id organisations { id } } } }',
        )
      ).person.roles;
    const path = file('jim-mackey.csv', row(JIM_MACKEY));
    await loadFile(organisations.db, roleLoadable, path, { mode: 'delete' });
    expect(await roles()).toEqual([]);
    const loaded = await loadFile(organisations.db, roleLoadable, path);
    expect(loaded).toMatchObject({ inserted: 2, derived: 1 });
    expect(await roles()).toEqual([{ id: JIM_MACKEY, organisations: [{ id: 'nhs-improvement' }] }]);
    const changes = await releaseChanges(organisations.db, loaded.release ?? 0);
    expect(changes.map((c) => [c.table, c.op, c.source])).toEqual([
      [
        'role',
        'insert',
        { file: displayPath(path), line: 2, document: 'seeds/004_76447a4d1bef46a3.txt', documentLine: 75 },
      ],
      ['role_organisation', 'insert', { file: displayPath(path), line: 2 }],
    ]);
    const positions = await organisations.db
      .selectFrom('role')
      .select(['id', 'position'])
      .orderBy('position')
      .execute();
    // Appended after every other role: the trigger took the next position.
    expect(positions.at(-1)?.id).toBe(JIM_MACKEY);
  });

  it("loads the seed's own roles.csv as no change: the load derives what the seed does", async () => {
    expect(await loadFile(organisations.db, roleLoadable, file('all-roles.csv', ...ROWS))).toMatchObject({
      rows: ROWS.length,
      unchanged: ROWS.length,
      derived: 0,
      release: null,
    });
  });

  it("answers the history of every STP's lead in as many statements as two STPs'", async () => {
    const codes = readFileSync(`${ORGANISATIONS_DATA_DIR}tracker-sections.csv`, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(',')[0] ?? '');
    const ask = (c: string[]) =>
      organisations.entities<{ leads: { history: unknown[]; asRole: { history: unknown[] } }[] }>(
        'Stp',
        c.map((code) => ({ code })),
        'leads { history { value } asRole { history { value } } }',
      );
    organisations.resetCounters();
    await ask(['QJM', 'QOX']);
    const forTwo = organisations.statements();
    organisations.resetCounters();
    const all = await ask(codes);
    expect(all.flatMap((s) => s.leads).every((l) => l.history.length >= 1 && l.asRole.history.length >= 1)).toBe(true);
    expect(organisations.statements()).toBe(forTwo);
  });

  it('refuses bad rows in plain words, file:line [column], loading nothing', async () => {
    const name = 'bad.csv';
    const path = file(
      name,
      row(STRATEGIC_LEAD).replace('000-8-strategic-lead,yolanda-martin,', '000-8-strategic-lead,,'),
      row('000-7-programme-director').replace(',QJM,', ',QZZ,'),
      row(RICHARD_SAMUEL).replace(',Lead,QRL,', ',Lead,QJM,'),
    );
    expect(await problemsOf(loadFile(organisations.db, roleLoadable, path))).toEqual([
      `${name}:2 [person_id] column person_id is required`,
      `${name}:3 [stp_code] QZZ is not a tracker STP`,
      `${name}:4 [stp_code] line 1688 lies in the section of QRL, not QJM`,
    ]);
    expect((await titles()).find((r) => r.id === STRATEGIC_LEAD)?.title).toBe(
      'Strategic Lead for STP Communications and Engagement',
    );
  });

  it('refuses an organisation or a person this subgraph does not know, and a name not on the cited line', async () => {
    const name = 'unknown.csv';
    const path = file(
      name,
      row(RICHARD_SAMUEL).replace(
        'fareham-and-gosport-ccg;south-east-hampshire-ccg',
        'fareham-and-gosport-ccg;no-such-ccg',
      ),
      row('000-7-programme-director').replace('sarah-furley', 'no-such-person'),
      row('002-1622-stp-lead').replace('robert-woolley', 'allan-kitt'),
    );
    expect(await problemsOf(loadFile(organisations.db, roleLoadable, path, { dryRun: true }))).toEqual([
      `${name}:2 [organisation_ids] unknown organisation no-such-ccg`,
      `${name}:3 [person_id] unknown person no-such-person`,
      expect.stringMatching(
        new RegExp(
          `^${name}:4 \\[name_line\\] the name as written in people.csv does not stand there: ${TRACKER}:1622 does not contain "Allan Kitt"`,
        ),
      ),
      `${name}:4 [text] expected the lead as written, "**Lead:** Allan Kitt, University Hospitals Bristol NHS FT"`,
    ]);
    expect(await problemsOf(loadFile(organisations.db, roleLoadable, path))).toHaveLength(4);
    const [qrl] = await leads(['QRL']);
    expect(qrl?.leads[0]?.organisations).toHaveLength(2);
  });
});

describe('npm run load -- organisations organisation', () => {
  const [ORG_HEADER = '', ...ORGS] = readFileSync(`${ORGANISATIONS_DATA_DIR}organisations.csv`, 'utf8')
    .trim()
    .split('\n');
  const organisation = (id: string) => {
    const found = ORGS.find((l) => l.startsWith(`${id},`));
    if (!found) throw new Error(`no organisation ${id} in organisations.csv`);
    return found;
  };
  const orgs = (name: string, ...rows: string[]) => files.csv(name, ORG_HEADER, ...rows);
  const flagsOf = async (id: string) =>
    (
      await organisations.ask<{ organisation: { flags: { code: string }[] } }>(
        `{ organisation(id: "${id}") { flags { code } } }`,
      )
    ).organisation.flags.map((f) => f.code);

  it('loads a changed row: the graph answers it, the release records it, revert restores', async () => {
    const path = orgs('abhi.csv', organisation('abhi').replace(/,PUBLISHER_ONLY,".*"$/, ',,'));
    const dry = await loadFile(organisations.db, organisationLoadable, path, { dryRun: true });
    expect(dry.preview.map(formatChange)).toEqual([
      expect.stringMatching(/^~ organisation id=abhi: flags \[\{"code":"PUBLISHER_ONLY",.*\}\] → \[\]$/),
    ]);
    expect(await flagsOf('abhi')).toEqual(['PUBLISHER_ONLY']);
    const loaded = await loadFile(organisations.db, organisationLoadable, path);
    expect(await flagsOf('abhi')).toEqual([]);
    expect(await releaseChanges(organisations.db, loaded.release ?? 0)).toMatchObject([
      // The row's jsonb as the file's row gives it (JSON text); the before as the table held it.
      { table: 'organisation', op: 'update', after: { flags: '[]' }, source: { file: displayPath(path), line: 2 } },
    ]);
    await revertRelease(organisations.db, loaded.release ?? 0);
    expect(await flagsOf('abhi')).toEqual(['PUBLISHER_ONLY']);
  });

  it('refuses an id that is not the slug of the name, an ODS code without its citation, and one no line states', async () => {
    const path = orgs(
      'bad-orgs.csv',
      organisation('abhi').replace('abhi,ABHI,', 'abhi,Abhi Ltd,'),
      organisation('oxfordshire-ccg').replace('Oxfordshire CCG,,,,', 'Oxfordshire CCG,10Q,,,'),
      organisation('dorset-ccg').replace('Dorset CCG,,,,,', 'Dorset CCG,11J,seeds/002_5ca6f18803646174.txt,240,11J,'),
    );
    expect(await problemsOf(loadFile(organisations.db, organisationLoadable, path))).toEqual([
      "bad-orgs.csv:2 [id] expected the slug of the name, 'abhi-ltd'",
      'bad-orgs.csv:3 [ods_code] an ODS code needs its citation: ods_code, ods_document, ods_line and ods_text together, or none',
      'bad-orgs.csv:3 [ods_text] the cited text does not contain the code 10Q',
      expect.stringMatching(
        /^bad-orgs\.csv:4 \[ods_text\] citation does not hold: seeds\/002_5ca6f18803646174\.txt:240 does not contain "11J"/,
      ),
    ]);
  });

  it("loads the seed's own organisations.csv as no change", async () => {
    expect(await loadFile(organisations.db, organisationLoadable, orgs('all-orgs.csv', ...ORGS))).toMatchObject({
      unchanged: ORGS.length,
      release: null,
    });
  });

  it('refuses an organisation no line names, and deleting one still named or linked to a role', async () => {
    // The Department of Health is named in none of the seeds (data/README.md).
    const unnamed = orgs('unnamed.csv', 'department-of-health,Department of Health,,,,,,');
    expect(await problemsOf(loadFile(organisations.db, organisationLoadable, unnamed))).toEqual([
      'unnamed.csv:2 [id] no line of organisation-sources.csv names department-of-health',
    ]);
    const gone = orgs('gone.csv', organisation('oxfordshire-ccg'));
    expect(await problemsOf(loadFile(organisations.db, organisationLoadable, gone, { mode: 'delete' }))).toEqual([
      'gone.csv:2 [id] oxfordshire-ccg is still named on 1 line(s) of organisation-sources.csv',
      'gone.csv:2 [id] oxfordshire-ccg is still the organisation of 1 role(s)',
    ]);
    expect(await flagsOf('oxfordshire-ccg')).toEqual([]);
  });
});

describe('npm run load -- organisations person', () => {
  const [PEOPLE_HEADER = '', ...PEOPLE] = readFileSync(`${ORGANISATIONS_DATA_DIR}people.csv`, 'utf8')
    .trim()
    .split('\n');
  const person = (id: string) => {
    const found = PEOPLE.find((l) => l.startsWith(`${id},`));
    if (!found) throw new Error(`no person ${id} in people.csv`);
    return found;
  };
  const people = (name: string, ...rows: string[]) => files.csv(name, PEOPLE_HEADER, ...rows);

  it('refuses a name its roles do not find on their lines, an id not the slug of the name, and deleting a person who holds a role', async () => {
    const renamed = people('renamed.csv', person('andrew-morris').replace('Sir Andrew Morris', 'Andrew Morris'));
    expect(await problemsOf(loadFile(organisations.db, personLoadable, renamed))).toEqual([
      'renamed.csv:2 [name] role 002-277-stp-lead (roles.csv): expected the lead as written, "**Lead:** Andrew Morris, Frimley Health NHS FT"',
    ]);
    const misnamed = people('misnamed.csv', 'andrew-morris-obe,Sir Andrew Morris');
    expect(await problemsOf(loadFile(organisations.db, personLoadable, misnamed))).toEqual([
      "misnamed.csv:2 [id] expected the slug of the name without honorifics, 'andrew-morris'",
    ]);
    const gone = people('gone.csv', person('allan-kitt'));
    expect(await problemsOf(loadFile(organisations.db, personLoadable, gone, { mode: 'delete' }))).toEqual([
      'gone.csv:2 [id] allan-kitt still holds role 002-822-stp-lead',
    ]);
  });

  it('loads the people file unchanged as no release', async () => {
    const all = people('people.csv', ...PEOPLE);
    expect(await loadFile(organisations.db, personLoadable, all)).toMatchObject({
      rows: PEOPLE.length,
      unchanged: PEOPLE.length,
      release: null,
    });
  });
});
