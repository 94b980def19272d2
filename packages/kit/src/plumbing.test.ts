import { readFileSync } from 'node:fs';
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { readEnvVars, subgraphUrlOverrides } from './platform/env.js';
import { badInput, HubErrorCode, isHubErrorCode, notFound } from './platform/errors.js';
import { PAGE_SIZE, pageWindow } from './paging.js';
import { bundleScript, gatewayPort, HUB_NODE_FLAGS, portOf, REPO_ROOT, readGraphConfig, subgraphPort } from './repo.js';
import { citationOf, cite, SOURCE, SOURCE_DOCUMENTS, checkCitation } from './sources.js';

describe('error codes', () => {
  it("cover every code the frontend guide's Errors sections promise callers", () => {
    const guide = readFileSync(`${REPO_ROOT}docs/frontend.md`, 'utf8');
    const sections = [...guide.matchAll(/\n## Errors(?: to expect)?\n[\s\S]*?(?=\n## )/g)];
    expect(sections.length).toBeGreaterThan(0);
    const promised = new Set(sections.flatMap((s) => [...s[0].matchAll(/`([A-Z][A-Z_]{3,})`/g)].map((m) => m[1])));
    expect([...promised].filter((code) => !isHubErrorCode(code))).toEqual([]);
    expect(promised).toContain('NOT_FOUND');
  });

  it('put the code first in the extensions notFound and badInput raise', () => {
    expect(notFound('STP', 'no STP has the code QZZ').extensions).toEqual({ code: HubErrorCode.NOT_FOUND });
    expect(Object.keys(badInput('first is wrong', 'first').extensions)).toEqual(['code', 'argumentName']);
    expect(badInput('x')).toBeInstanceOf(GraphQLError);
  });
});

describe('pageWindow', () => {
  it('defaults to the first 50 and refuses out-of-range values with one message per argument', () => {
    expect(pageWindow(undefined, null)).toEqual({ limit: PAGE_SIZE.default, offset: 0 });
    expect(pageWindow(200, 400)).toEqual({ limit: 200, offset: 400 });
    expect(() => pageWindow(201, 0)).toThrow('first must be between 0 and 200; got 201');
    expect(() => pageWindow(-1, 0)).toThrow('first must be between 0 and 200; got -1');
    expect(() => pageWindow(10, -5)).toThrow('offset must not be negative; got -5');
  });
});

describe('graph config', () => {
  it('gives every listed subgraph the port of its URL, and none to an unlisted one', () => {
    const entries = readGraphConfig();
    expect(entries.map((e) => subgraphPort(e.name))).toEqual(entries.map((e) => Number(new URL(e.url).port)));
    expect(subgraphPort('no_such_subgraph')).toBeUndefined();
    expect(portOf({ url: 'https://hub.example.nhs.uk/graphql' })).toBe(443);
  });

  it("gives the gateway its port from the same file, apart from every subgraph's", () => {
    const config = JSON.parse(readFileSync(`${REPO_ROOT}schema/subgraphs.json`, 'utf8')) as {
      gateway: { url: string };
    };
    expect(gatewayPort()).toBe(Number(new URL(config.gateway.url).port));
    expect(readGraphConfig().map(portOf)).not.toContain(gatewayPort());
  });
});

describe('npm start', () => {
  it('runs the hub bundle with the flags the benches start it with', () => {
    const pkg = JSON.parse(readFileSync(`${REPO_ROOT}package.json`, 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe(['node', ...HUB_NODE_FLAGS, bundleScript('hub')].join(' '));
  });
});

describe('citations', () => {
  it('name each source document once and read citations from row columns', () => {
    expect(SOURCE_DOCUMENTS.map((d) => d.file)).toEqual(expect.arrayContaining(Object.values(SOURCE)));
    const row = { source_document: SOURCE.TRACKER, source_line: 841, source_text: 'Combined: £182 M' };
    expect(citationOf(row)).toEqual({ document: SOURCE.TRACKER, line: 841, text: 'Combined: £182 M' });
    expect(checkCitation(citationOf(row))).toBeNull();
    expect(citationOf({ heading_line: 7, heading_text: 'x' }, 'heading', SOURCE.TRACKER)).toEqual(
      cite(SOURCE.TRACKER, 7, 'x'),
    );
    expect(citationOf({ document: 'd', line: 1, text: 't' }, '')).toEqual(cite('d', 1, 't'));
    const none: { ods_document: string | null; ods_line: number | null; ods_text: string | null } = {
      ods_document: null,
      ods_line: null,
      ods_text: null,
    };
    expect(citationOf(none, 'ods')).toBeNull();
  });
});

describe('configuration', () => {
  it('reads a few variables as readEnv does, ignoring the others', () => {
    const env = { HUB_JWT_CLOCK_SKEW_SECONDS: '5', PORT: 'not a port' };
    expect(readEnvVars(['HUB_JWT_CLOCK_SKEW_SECONDS', 'LOG_LEVEL'], env)).toEqual({ HUB_JWT_CLOCK_SKEW_SECONDS: 5 });
    expect(() => readEnvVars(['LOG_LEVEL'], { LOG_LEVEL: 'loud' })).toThrow(/Invalid environment:\n {2}LOG_LEVEL:/);
  });

  it('lets the heap grow to twice its live data unless told otherwise (0: V8 decides)', () => {
    const growing = (value?: string) =>
      readEnvVars(['HUB_HEAP_GROWING_PERCENT'], value === undefined ? {} : { HUB_HEAP_GROWING_PERCENT: value });
    expect(growing()).toEqual({ HUB_HEAP_GROWING_PERCENT: 100 });
    expect(growing('0')).toEqual({ HUB_HEAP_GROWING_PERCENT: 0 });
    expect(() => growing('-5')).toThrow(/HUB_HEAP_GROWING_PERCENT/);
  });

  it('takes SUBGRAPH_<NAME>_URL overrides for the named subgraphs only, and refuses one that is not a URL', () => {
    const env = { SUBGRAPH_FINANCE_URL: 'http://finance:4004/graphql', SUBGRAPH_OTHER_URL: 'http://x/graphql' };
    expect(subgraphUrlOverrides(['geography', 'finance'], env)).toEqual({ finance: 'http://finance:4004/graphql' });
    expect(() => subgraphUrlOverrides(['geography'], { SUBGRAPH_GEOGRAPHY_URL: 'not a url' })).toThrow(
      /SUBGRAPH_GEOGRAPHY_URL/,
    );
  });
});
