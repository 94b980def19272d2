import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kind, parse, print } from 'graphql';
import { afterAll, describe, expect, it } from 'vitest';
import { composeSupergraph, staleFiles } from './composition.js';
import { readGraphConfig, REPO_ROOT, SUPERGRAPH_PATH } from './config.js';
import {
  API_SCHEMA_PATH,
  type AllowlistEntry,
  acceptBaseline,
  apiHash,
  type BreakingChange,
  breakingChanges,
  CHANGELOG_PATH,
  changelogEntry,
  changelogProblem,
  checkedInOperations,
  combinedUsage,
  composedChangelog,
  describeBreakingChange,
  nextChangelog,
  readAllowlist,
  reviewSchema,
  schemaBaseline,
  schemaChanges,
  type UsageSource,
} from './governance.js';

const composed = composeSupergraph();

describe('schema governance', () => {
  it('composes every configured subgraph with no hints', async () => {
    const result = await composed;
    expect(result.hints).toEqual([]);
    expect([...result.subgraphSdl.keys()]).toEqual(readGraphConfig().map((s) => s.name));
  });

  it('has checked-in subgraph SDL, supergraph, API schema and introspection matching the code (run `npm run compose` when this fails)', async () => {
    expect(await staleFiles(await composed)).toEqual([]);
  });

  it('publishes an API schema without federation internals, and its introspection', async () => {
    const { apiSdl, introspectionJson } = await composed;
    expect(apiSdl).toContain('type Stp');
    expect(apiSdl).not.toMatch(/join__|link__|_entities|_Any/);
    const introspection = JSON.parse(introspectionJson) as { __schema: { types: { name: string }[] } };
    expect(introspection.__schema.types.map((t) => t.name)).toContain('RegionSnapshot');
  });

  it('has no breaking change against the last commit(s) that a checked-in operation uses and the allow-list does not accept', async () => {
    const { apiSdl, supergraphSdl } = await composed;
    // Locally HEAD is the baseline for work in progress; in CI (a clone of main) HEAD~1 is the
    // previous state of main. A ref without schema/api.graphql (before it existed) has no baseline.
    const baselines = ['HEAD', 'HEAD~1'].flatMap((ref) => {
      try {
        return [
          execFileSync('git', ['show', `${ref}:schema/api.graphql`], {
            cwd: REPO_ROOT,
            stdio: ['ignore', 'pipe', 'ignore'],
          }).toString(),
        ];
      } catch {
        return [];
      }
    });
    const allowlist = readAllowlist();
    for (const baseline of new Set(baselines)) {
      const refused = (await breakingChanges(baseline, apiSdl, { supergraphSdl, allowlist })).filter(
        (c) => !c.allowed && c.used,
      );
      expect(refused.map(describeBreakingChange)).toEqual([]);
    }
  });
});

/** The SDL without one field of one type (with its description). */
function withoutField(sdl: string, typeName: string, fieldName: string): string {
  const document = parse(sdl);
  return print({
    ...document,
    definitions: document.definitions.map((d) =>
      d.kind === Kind.OBJECT_TYPE_DEFINITION && d.name.value === typeName
        ? { ...d, fields: d.fields?.filter((f) => f.name.value !== fieldName) }
        : d,
    ),
  });
}

describe('the breaking-change check', () => {
  const apiSdl = readFileSync(API_SCHEMA_PATH, 'utf8');
  const supergraphSdl = readFileSync(SUPERGRAPH_PATH, 'utf8');
  it('lets an addition through', async () => {
    const added = apiSdl.replace('type Stp {', 'type Stp {\n  nickname: String');
    expect(await breakingChanges(apiSdl, added, { supergraphSdl, allowlist: [] })).toEqual([]);
  });

  it('refuses a removed field, naming it, the subgraph that owns it and the operations it breaks', async () => {
    const changes = await breakingChanges(apiSdl, withoutField(apiSdl, 'Stp', 'leads'), {
      supergraphSdl,
      allowlist: [],
    });
    expect(changes).toEqual([
      {
        path: 'Stp.leads',
        message: "Field 'leads' was removed from object type 'Stp'",
        owner: 'organisations',
        clients: [{ client: 'schema/operations', operations: ['AllStps', 'StpOverview'] }],
        used: true,
        allowed: false,
      },
    ]);
    expect(describeBreakingChange(changes[0] as (typeof changes)[number])).toContain(
      'Owned by organisations. Breaks public API consumers: the checked-in operation(s) AllStps, StpOverview (schema/operations/)',
    );
  });

  it('accepts a removal the allow-list names', async () => {
    const allowlist = [
      {
        path: 'Stp.considerations',
        reason: 'Moved to Stp.relevantConsiderations',
        approvedBy: 'API review',
        date: '2026-11-22',
      },
    ];
    const changes = await breakingChanges(apiSdl, withoutField(apiSdl, 'Stp', 'considerations'), {
      supergraphSdl,
      allowlist,
    });
    expect(changes.map((c) => [c.path, c.owner, c.allowed])).toEqual([['Stp.considerations', 'programmes', true]]);
  });

  it('decides Flag codes: an enum in place of the String is breaking, an enum field beside it is not', async () => {
    const flagCode = 'enum FlagCode {\n  SUM_MISMATCH\n  ROUNDING_DIFFERENCE\n}\n';
    const flagType = /type Flag \{[\s\S]*?code: String!/;
    expect(apiSdl).toMatch(flagType);
    const replaced = `${apiSdl.replace(flagType, (t) => t.replace('code: String!', 'code: FlagCode!'))}\n${flagCode}`;
    const changes = await breakingChanges(apiSdl, replaced, { supergraphSdl, allowlist: [] });
    expect(changes.map((c) => [c.path, c.allowed])).toEqual([['Flag.code', false]]);
    expect(changes[0]?.clients[0]?.operations).toEqual(expect.arrayContaining(['StpOverview']));
    const beside = `${apiSdl.replace(flagType, (t) => `${t}\n  kind: FlagCode!`)}\n${flagCode}`;
    expect(await breakingChanges(apiSdl, beside, { supergraphSdl, allowlist: [] })).toEqual([]);
  });
});

describe('a breaking change no known client uses', () => {
  const apiSdl = readFileSync(API_SCHEMA_PATH, 'utf8');
  const supergraphSdl = readFileSync(SUPERGRAPH_PATH, 'utf8');
  const withoutUnit = withoutField(apiSdl, 'WorkforceFact', 'unit');

  it('passes without an allow-list entry, named as unused; a client using it makes it refused', async () => {
    const [unused] = await breakingChanges(apiSdl, withoutUnit, { supergraphSdl, allowlist: [] });
    expect(unused).toMatchObject({ path: 'WorkforceFact.unit', owner: 'workforce', clients: [], used: false });
    expect(describeBreakingChange(unused as BreakingChange)).toContain(
      "WorkforceFact.unit: Field 'unit' was removed from object type 'WorkforceFact'. Owned by workforce. No known use:",
    );
    const live: UsageSource = async () =>
      new Map([['WorkforceFact.unit', [{ client: 'workforce-board@1.0.0', operations: ['Units'], count: 2 }]]]);
    const [used] = await breakingChanges(apiSdl, withoutUnit, { supergraphSdl, allowlist: [], usage: live });
    expect(used).toMatchObject({ path: 'WorkforceFact.unit', used: true, allowed: false });
    expect(describeBreakingChange(used as BreakingChange)).toContain(
      'client workforce-board@1.0.0: Units (2 request(s))',
    );
  });

  it('is only ever a field or type usage records: an enum value removed counts as used', async () => {
    const enumValue = /(enum ChangeOp \{[\s\S]*?)\n {2}DELETE\n/;
    expect(apiSdl).toMatch(enumValue);
    const changes = await breakingChanges(apiSdl, apiSdl.replace(enumValue, '$1\n'), { supergraphSdl, allowlist: [] });
    expect(changes.map((c) => [c.path, c.clients, c.used])).toEqual([['ChangeOp.DELETE', [], true]]);
    expect(describeBreakingChange(changes[0] as BreakingChange)).toContain(
      'usage is not recorded for this kind of change',
    );
  });

  it('counts the operations of the persisted-documents manifest as checked in', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hub-manifest-'));
    try {
      // A manifest holding an operation no file of schema/operations has: a deployed client's.
      const document = 'query Units { stp(code: "QJM") { workforceFacts { unit } } }';
      writeFileSync(
        join(dir, 'manifest.json'),
        JSON.stringify({ [`sha256:${createHash('sha256').update(document).digest('hex')}`]: document }),
      );
      const [change] = await breakingChanges(apiSdl, withoutUnit, {
        supergraphSdl,
        allowlist: [],
        usage: checkedInOperations(undefined, [join(dir, 'manifest.json')]),
      });
      expect(change).toMatchObject({ clients: [{ client: 'schema/operations', operations: ['Units'] }], used: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('who uses a field: a usage source plugged in beside the checked-in operations', () => {
  const apiSdl = readFileSync(API_SCHEMA_PATH, 'utf8');
  const supergraphSdl = readFileSync(SUPERGRAPH_PATH, 'utf8');
  const removed = withoutField(apiSdl, 'Stp', 'leads');

  it('names each client with its operations, counts and when last seen', async () => {
    expect(removed).not.toBe(apiSdl);
    const asked: string[][] = [];
    // The shape live usage (the gateway's field-usage records) will have: clients by coordinate.
    const live: UsageSource = async (coordinates) => {
      asked.push([...coordinates]);
      return new Map([
        ['Stp.leads', [{ client: 'ics-dashboard 2.1.0', operations: ['Leads'], count: 42, lastSeen: '2026-12-01' }]],
      ]);
    };
    const [change] = await breakingChanges(apiSdl, removed, {
      supergraphSdl,
      allowlist: [],
      usage: combinedUsage(checkedInOperations(), live),
    });
    // Asked once, for the change's coordinate and what contains it.
    expect(asked).toEqual([['Stp.leads', 'Stp']]);
    expect(change?.clients).toEqual([
      { client: 'schema/operations', operations: ['AllStps', 'StpOverview'] },
      { client: 'ics-dashboard 2.1.0', operations: ['Leads'], count: 42, lastSeen: '2026-12-01' },
    ]);
    expect(describeBreakingChange(change as BreakingChange)).toContain(
      'the checked-in operation(s) AllStps, StpOverview (schema/operations/); client ics-dashboard 2.1.0: Leads (42 request(s), last 2026-12-01), and any other client selecting it.',
    );
  });
});

describe('the baseline: the last committed API schema, or the one --accept wrote', () => {
  const apiSdl = readFileSync(API_SCHEMA_PATH, 'utf8');
  const supergraphSdl = readFileSync(SUPERGRAPH_PATH, 'utf8');
  const changelog = readFileSync(CHANGELOG_PATH, 'utf8');
  // A copy of schema/ committed in a repository of its own: HEAD is today's checked-in schema.
  const root = `${mkdtempSync(join(tmpdir(), 'hub-baseline-'))}/`;
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.org', ...args], {
      cwd: root,
      stdio: 'ignore',
    });
  mkdirSync(`${root}schema`);
  writeFileSync(`${root}schema/api.graphql`, apiSdl);
  writeFileSync(`${root}schema/supergraph.graphql`, supergraphSdl);
  writeFileSync(`${root}schema/CHANGELOG.md`, changelog);
  const changelogPath = `${root}schema/CHANGELOG.md`;
  const allowlist: AllowlistEntry[] = [];
  const nonNull = apiSdl.replace(/(type Region \{[\s\S]*?\n {2}validTo: )Date\n/, '$1Date!\n');
  const nullableFrom = apiSdl.replace(/(type Region \{[\s\S]*?\n {2}validFrom: )Date!\n/, '$1Date\n');

  it('compares with git HEAD, so reverting uncommitted work is never refused and leaves the changelog as committed', async () => {
    git('init', '-q');
    git('add', 'schema');
    git('commit', '-qm', 'schema');
    expect(nonNull).not.toBe(apiSdl);
    // Region.validTo made non-null and composed: not breaking, and the changelog gains an entry.
    const first = await reviewSchema({ apiSdl: nonNull, supergraphSdl }, { root, allowlist });
    expect(first.baseline?.source).toBe('git HEAD');
    expect(first.refused).toEqual([]);
    expect(first.changes.map((c) => [c.kind, c.coordinate, c.owner])).toEqual([
      ['changed', 'Region.validTo', 'geography'],
    ]);
    const written = await composedChangelog({ apiSdl: nonNull, supergraphSdl }, first, '2026-12-07', root);
    expect(written.startsWith(changelog.slice(0, changelog.indexOf('\n## ')))).toBe(true);
    expect(written).toContain(
      `## 2026-12-07 · API schema \`${apiHash(nonNull)}\`\n\n| change | coordinate | owner | what |\n| --- | --- | --- | --- |\n| changed | \`Region.validTo\` | geography | Field 'Region.validTo' changed type from 'Date' to 'Date!' |`,
    );
    writeFileSync(`${root}schema/api.graphql`, nonNull);
    writeFileSync(changelogPath, written);
    expect(await changelogProblem(written, { apiSdl: nonNull, supergraphSdl }, root)).toBeNull();
    // ...then changed back: against what that compose wrote it would be breaking (Date! to Date);
    // against HEAD it is no change at all, and the changelog is the committed one again.
    expect((await breakingChanges(nonNull, apiSdl, { supergraphSdl, allowlist })).map((c) => c.path)).toEqual([
      'Region.validTo',
    ]);
    const reverted = await reviewSchema({ apiSdl, supergraphSdl }, { root, allowlist });
    expect(reverted).toMatchObject({ changes: [], breaking: [], refused: [] });
    expect(await composedChangelog({ apiSdl, supergraphSdl }, reverted, '2026-12-08', root)).toBe(changelog);
  });

  it('refuses a change breaking against HEAD, naming the owner subgraph and the checked-in operations using it', async () => {
    const review = await reviewSchema({ apiSdl: nullableFrom, supergraphSdl }, { root, allowlist });
    expect(review.refused.map(describeBreakingChange)).toEqual([
      'Region.validFrom: Field \'Region.validFrom\' changed type from \'Date!\' to \'Date\'. Owned by geography. Breaks public API consumers: the checked-in operation(s) RegionOverview (schema/operations/), and any other client selecting it. To accept it, add {"path": "Region.validFrom", "reason", "approvedBy", "date"} to schema/breaking-changes-allowlist.json.',
    ]);
  });

  it('without git, uses only the baseline --accept wrote, and has none before', async () => {
    rmSync(`${root}.git`, { recursive: true, force: true });
    expect(schemaBaseline({ root })).toBeNull();
    const unchecked = await reviewSchema({ apiSdl: nullableFrom, supergraphSdl }, { root, allowlist });
    expect(unchecked).toMatchObject({ baseline: null, refused: [] });
    // The changelog still gets its entry, saying why it lists nothing.
    expect(await composedChangelog({ apiSdl: nullableFrom, supergraphSdl }, unchecked, '2026-12-07', root)).toContain(
      `## 2026-12-07 · API schema \`${apiHash(nullableFrom)}\`\n\nChanges not listed: no committed schema/api.graphql and no accepted baseline to compare with.\n`,
    );
    expect(acceptBaseline({ apiSdl, supergraphSdl }, root)).toBe('schema/baseline/');
    expect(schemaBaseline({ root })).toEqual({ source: 'schema/baseline/ (--accept)', apiSdl, supergraphSdl });
    const review = await reviewSchema({ apiSdl: nullableFrom, supergraphSdl }, { root, allowlist });
    expect(review.refused.map((c) => [c.path, c.owner])).toEqual([['Region.validFrom', 'geography']]);
  });
  it('is rebuilt from git history when it does not know the committed schema, as after a merge', async () => {
    const repo = `${mkdtempSync(join(tmpdir(), 'hub-history-'))}/`;
    try {
      const commit = (api: string, message: string) => {
        writeFileSync(`${repo}schema/api.graphql`, api);
        writeFileSync(`${repo}schema/supergraph.graphql`, supergraphSdl);
        for (const args of [
          ['add', 'schema'],
          ['commit', '-qm', message],
        ])
          execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.org', ...args], {
            cwd: repo,
            stdio: 'ignore',
          });
      };
      mkdirSync(`${repo}schema`);
      execFileSync('git', ['init', '-q'], { cwd: repo });
      const without = withoutField(apiSdl, 'Stp', 'leads');
      commit(without, 'first');
      commit(apiSdl, 'leads');
      // A changelog from another branch: none of its entries is HEAD's schema.
      writeFileSync(`${repo}schema/CHANGELOG.md`, changelogEntry('2026-01-01', `${without}\n`, []));
      const review = await reviewSchema({ apiSdl, supergraphSdl }, { root: repo, allowlist });
      const rebuilt = await composedChangelog({ apiSdl, supergraphSdl }, review, '2026-12-07', repo);
      expect(await changelogProblem(rebuilt, { apiSdl, supergraphSdl }, repo)).toBeNull();
      const today = new Date().toISOString().slice(0, 10);
      expect(rebuilt).toContain(
        `## ${today} · API schema \`${apiHash(apiSdl)}\`\n\n| change | coordinate | owner | what |\n| --- | --- | --- | --- |\n| added | \`Stp.leads\` | organisations |`,
      );
      expect(rebuilt).toContain(`## ${today} · API schema \`${apiHash(without)}\`\n\nFirst API schema:`);
      expect(rebuilt).not.toContain('2026-01-01');
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });
});

describe('schema/CHANGELOG.md', () => {
  const apiSdl = readFileSync(API_SCHEMA_PATH, 'utf8');
  const supergraphSdl = readFileSync(SUPERGRAPH_PATH, 'utf8');
  const changelog = readFileSync(CHANGELOG_PATH, 'utf8');

  it("is current: its newest entry is the checked-in API schema's, every entry what its schemas give", async () => {
    expect(await changelogProblem(changelog, { apiSdl, supergraphSdl })).toBeNull();
    // Every row has its owner: unions, enums, inputs and scalars are owned too, and so is a root type.
    expect(changelog).not.toMatch(/\| unknown \|/);
  });

  it('is stale, and staleFiles says so, when the API schema changed without it', async () => {
    const changed = `${apiSdl}\nscalar Extra\n`;
    expect(await changelogProblem(changelog, { apiSdl: changed, supergraphSdl })).toBe(
      `newest entry is API schema ${apiHash(apiSdl)}, not ${apiHash(changed)}`,
    );
    expect(await changelogProblem(null, { apiSdl, supergraphSdl })).toBe('missing');
    const result = await composed;
    expect(await staleFiles({ ...result, apiSdl: changed })).toEqual(
      expect.arrayContaining(['schema/api.graphql', 'schema/CHANGELOG.md']),
    );
  });

  it('is stale when an entry lists other rows than its schemas give, though its hash is current', async () => {
    const sections = changelog.split(/^(?=## )/m);
    // The newest entry with a row, one owner changed: the hash alone cannot tell.
    const at = sections.findIndex((section) => /^\| added \|/m.test(section));
    const entry = sections[at] ?? '';
    const row = /^\| added \| `[^`]+` \| ([a-z, ]+) \|/m.exec(entry);
    expect(row).not.toBeNull();
    const edited = entry.replace(row?.[0] ?? '', (r) => r.replace(`| ${row?.[1]} |`, '| unknown |'));
    const tampered = [...sections.slice(0, at), edited, ...sections.slice(at + 1)].join('');
    expect(tampered).not.toBe(changelog);
    const hash = /`([0-9a-f]{12})`/.exec(entry)?.[1];
    expect(await changelogProblem(tampered, { apiSdl, supergraphSdl })).toBe(
      `entry for API schema ${hash} is not what its schemas give`,
    );
  });

  it('names the owner of a union, and of a root type set', async () => {
    const union = /union ChangeEntity = Stp \| Region/;
    expect(apiSdl).toMatch(union);
    const changes = await schemaChanges(apiSdl, apiSdl.replace(union, 'union ChangeEntity = Stp'), { supergraphSdl });
    expect(changes.map((c) => [c.kind, c.coordinate, c.owner])).toEqual([['removed', 'ChangeEntity', 'releases']]);
    const noSubscription = apiSdl.replace(/\ntype Subscription \{[\s\S]*?\n\}\n/, '\n');
    expect(noSubscription).not.toContain('type Subscription');
    const subscription = await schemaChanges(noSubscription, apiSdl, { supergraphSdl });
    expect(subscription.find((c) => c.message.startsWith('Schema subscription type'))).toMatchObject({
      coordinate: 'Subscription',
      owner: 'releases',
    });
  });

  it('dates each entry and lists what was added, deprecated or removed with its owner', async () => {
    const supergraphSdl = readFileSync(SUPERGRAPH_PATH, 'utf8');
    const after = withoutField(
      apiSdl
        .replace('type Stp {', 'type Stp {\n  nickname: String')
        .replace(/\n {2}leads: \[StpLead!\]!/, '\n  leads: [StpLead!]! @deprecated(reason: "Use Stp.people")'),
      'Stp',
      'considerations',
    );
    const changes = await schemaChanges(apiSdl, after, { supergraphSdl });
    expect(changes.map((c) => [c.kind, c.coordinate, c.owner, c.breaking])).toEqual([
      // Not in the supergraph given: owned by the type's owner.
      ['added', 'Stp.nickname', 'geography', false],
      ['deprecated', 'Stp.leads', 'organisations', false],
      ['removed', 'Stp.considerations', 'programmes', true],
    ]);
    const next = nextChangelog(changelog, { apiSdl: after, baselineApiSdl: apiSdl, changes, date: '2026-12-07' });
    expect(next.slice(changelog.indexOf('\n## ') + 1)).toBe(
      `${changelogEntry('2026-12-07', after, changes)}\n${changelog.slice(changelog.indexOf('\n## ') + 1)}`,
    );
    expect(changelogEntry('2026-12-07', after, changes)).toContain(
      '| removed (breaking) | `Stp.considerations` | programmes |',
    );
  });
});
