import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { devTokensFor, explorerFromEnv, explorerOperations } from './operations.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
/** A folder of operations as schema/operations/ holds them. */
function operationsDir(files: Record<string, string>): string {
  const dir = `${mkdtempSync(join(tmpdir(), 'hub-explorer-'))}/`;
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(`${dir}${name}`, text);
  return dir;
}

describe("the explorer's operations", () => {
  it('are the .graphql files, StpOverview first and the rest by name, each with its example and scope', () => {
    const dir = operationsDir({
      'AllStps.graphql': 'query AllStps { stps { totalCount } }',
      'StpOverview.graphql': 'query StpOverview($code: ID!) { stp(code: $code) { name } }',
      'RegionRankings.graphql': 'query RegionRankings($code: ID!) { region(code: $code) { name } }',
      'notes.txt': 'not an operation',
      'examples.json': JSON.stringify({
        $comment: 'what this file is for',
        StpOverview: { variables: { code: 'QJM' } },
        RegionRankings: { variables: { code: 'Y60' }, scope: 'region:director' },
      }),
    });
    expect(explorerOperations(dir)).toEqual([
      {
        name: 'StpOverview',
        query: 'query StpOverview($code: ID!) { stp(code: $code) { name } }',
        variables: { code: 'QJM' },
      },
      { name: 'AllStps', query: 'query AllStps { stps { totalCount } }' },
      {
        name: 'RegionRankings',
        query: 'query RegionRankings($code: ID!) { region(code: $code) { name } }',
        variables: { code: 'Y60' },
        scope: 'region:director',
      },
    ]);
  });

  it('refuse an examples.json that is not one, naming it, and are none where the folder is missing', () => {
    const dir = operationsDir({ 'examples.json': JSON.stringify({ StpOverview: { variables: {}, scpoe: 'x' } }) });
    expect(() => explorerOperations(dir)).toThrow(`Invalid ${dir}examples.json`);
    expect(explorerOperations(`${dir}missing/`)).toEqual([]);
  });
});

describe('the explorer from the environment', () => {
  const sign = async (scope: string) => `token-for-${scope}`;

  it('is on outside production, off in production, unless HUB_EXPLORER says otherwise', () => {
    expect(explorerFromEnv({ NODE_ENV: 'development' })?.operations.length).toBeGreaterThan(0);
    expect(explorerFromEnv({ NODE_ENV: 'production' })).toBeUndefined();
    expect(explorerFromEnv({ NODE_ENV: 'production', HUB_EXPLORER: 'on' })).toBeDefined();
    expect(explorerFromEnv({ NODE_ENV: 'development', HUB_EXPLORER: 'off' })).toBeUndefined();
  });

  it('signs development tokens outside production only', () => {
    expect(explorerFromEnv({ NODE_ENV: 'development' }, sign)?.devToken).toBe(sign);
    expect(explorerFromEnv({ NODE_ENV: 'production', HUB_EXPLORER: 'on' }, sign)?.devToken).toBeUndefined();
  });

  it('signs one token per scope the operations name, and none without a signer', async () => {
    const operations = [
      { query: '{ a }', scope: 'region:director' },
      { query: '{ b }', scope: 'region:director' },
      { query: '{ c }' },
    ];
    expect(await devTokensFor({ operations, devToken: sign })).toEqual({
      'region:director': 'token-for-region:director',
    });
    expect(await devTokensFor({ operations })).toEqual({});
  });
});
