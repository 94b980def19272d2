import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Kind, parse, print } from 'graphql';
import { describe, expect, it } from 'vitest';
import { composeSupergraph, staleFiles } from './composition.js';
import { readGraphConfig, REPO_ROOT, SUPERGRAPH_PATH } from './config.js';
import { API_SCHEMA_PATH, breakingChanges, describeBreakingChange, readAllowlist } from './governance.js';

const composed = composeSupergraph();

describe('schema governance', () => {
  it('composes every configured subgraph with no hints', async () => {
    const result = await composed;
    expect(result.hints).toEqual([]);
    expect([...result.subgraphSdl.keys()]).toEqual(readGraphConfig().map((s) => s.name));
  });

  it('has checked-in subgraph SDL, supergraph, API schema and introspection matching the code (run `npm run compose` when this fails)', async () => {
    expect(staleFiles(await composed)).toEqual([]);
  });

  it('publishes an API schema without federation internals, and its introspection', async () => {
    const { apiSdl, introspectionJson } = await composed;
    expect(apiSdl).toContain('type Stp');
    expect(apiSdl).not.toMatch(/join__|link__|_entities|_Any/);
    const introspection = JSON.parse(introspectionJson) as { __schema: { types: { name: string }[] } };
    expect(introspection.__schema.types.map((t) => t.name)).toContain('RegionSnapshot');
  });

  it('has no breaking change against the last commit(s) that the allow-list does not accept', async () => {
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
      const refused = (await breakingChanges(baseline, apiSdl, { supergraphSdl, allowlist })).filter((c) => !c.allowed);
      expect(refused.map(describeBreakingChange)).toEqual([]);
    }
  });
});

describe('the breaking-change check', () => {
  const apiSdl = readFileSync(API_SCHEMA_PATH, 'utf8');
  const supergraphSdl = readFileSync(SUPERGRAPH_PATH, 'utf8');
  const withoutField = (typeName: string, fieldName: string) => {
    const document = parse(apiSdl);
    return print({
      ...document,
      definitions: document.definitions.map((d) =>
        d.kind === Kind.OBJECT_TYPE_DEFINITION && d.name.value === typeName
          ? { ...d, fields: d.fields?.filter((f) => f.name.value !== fieldName) }
          : d,
      ),
    });
  };

  it('lets an addition through', async () => {
    const added = apiSdl.replace('type Stp {', 'type Stp {\n  nickname: String');
    expect(await breakingChanges(apiSdl, added, { supergraphSdl, allowlist: [] })).toEqual([]);
  });

  it('refuses a removed field, naming it, the subgraph that owns it and the operations it breaks', async () => {
    const changes = await breakingChanges(apiSdl, withoutField('Stp', 'leads'), { supergraphSdl, allowlist: [] });
    expect(changes).toEqual([
      {
        path: 'Stp.leads',
        message: "Field 'leads' was removed from object type 'Stp'",
        owner: 'organisations',
        operations: ['AllStps', 'StpOverview'],
        allowed: false,
      },
    ]);
    expect(describeBreakingChange(changes[0] as (typeof changes)[number])).toContain(
      'Owned by organisations. Breaks public API consumers: the checked-in operation(s) AllStps, StpOverview',
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
    const changes = await breakingChanges(apiSdl, withoutField('Stp', 'considerations'), { supergraphSdl, allowlist });
    expect(changes.map((c) => [c.path, c.owner, c.allowed])).toEqual([['Stp.considerations', 'programmes', true]]);
  });

  it('decides Flag codes: an enum in place of the String is breaking, an enum field beside it is not', async () => {
    const flagCode = 'enum FlagCode {\n  SUM_MISMATCH\n  ROUNDING_DIFFERENCE\n}\n';
    const flagType = /type Flag \{[\s\S]*?code: String!/;
    expect(apiSdl).toMatch(flagType);
    const replaced = `${apiSdl.replace(flagType, (t) => t.replace('code: String!', 'code: FlagCode!'))}\n${flagCode}`;
    const changes = await breakingChanges(apiSdl, replaced, { supergraphSdl, allowlist: [] });
    expect(changes.map((c) => [c.path, c.allowed])).toEqual([['Flag.code', false]]);
    expect(changes[0]?.operations).toEqual(expect.arrayContaining(['StpOverview']));
    const beside = `${apiSdl.replace(flagType, (t) => `${t}\n  kind: FlagCode!`)}\n${flagCode}`;
    expect(await breakingChanges(apiSdl, beside, { supergraphSdl, allowlist: [] })).toEqual([]);
  });
});
