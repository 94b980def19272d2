import { describe, expect, it } from 'vitest';
import { explorerAssets } from './assets.js';
import { explorerPage, renderExplorer } from './page.js';

describe("the explorer's GraphiQL options", () => {
  const operations = [
    { query: 'query RegionRankings { a }', variables: { code: 'Y60' }, scope: 'region:director' },
    { query: 'query StpOverview { b }', variables: { code: 'QJM' } },
    { query: 'query AllStps { c }' },
  ];

  it('open a tab per operation, with its variables and, where it needs a scope, an Authorization header to fill in', () => {
    const page = explorerPage(operations);
    expect(page.defaultTabs).toEqual([
      {
        query: 'query RegionRankings { a }',
        variables: '{\n  "code": "Y60"\n}',
        headers: '{\n  "Authorization": "Bearer <a token with scope region:director>"\n}',
      },
      { query: 'query StpOverview { b }', variables: '{\n  "code": "QJM"\n}', headers: null },
      { query: 'query AllStps { c }', variables: null, headers: null },
    ]);
    // GraphiQL fills its editors from these, not from the first tab.
    expect(page.variables).toBe(page.defaultTabs[0]?.variables);
    expect(page.headers).toBe(page.defaultTabs[0]?.headers);
    expect(page).toMatchObject({ title: 'NHS region data hub', shouldPersistHeaders: false });
  });

  it('put a development token in place of the placeholder when one is given', () => {
    const page = explorerPage(operations, { 'region:director': 'eyJ.dev.token' });
    expect(page.headers).toBe('{\n  "Authorization": "Bearer eyJ.dev.token"\n}');
    expect(explorerPage(operations.slice(2))).not.toHaveProperty('variables');
  });
});

describe("the explorer's page", () => {
  it('names its hashed files relative to /graphql, and no other host', async () => {
    const { names } = await explorerAssets();
    const html = await renderExplorer({ title: 'NHS region data hub' });
    expect(html).toContain(`<script src="explorer/${names.js}"></script>`);
    expect(html).toContain(`<link rel="stylesheet" href="explorer/${names.css}" />`);
    expect(html).toContain(`<link rel="icon" href="explorer/${names.icon}" />`);
    for (const worker of Object.values(names.workers)) expect(html).toContain(`"explorer/${worker}"`);
    expect(html).not.toMatch(/https?:\/\//);
  });

  it('cannot be broken out of by what its options hold', async () => {
    const html = await renderExplorer({
      title: 'Hub <script>"&',
      defaultTabs: [{ query: '# </script><script>alert(1)</script>\n{ a }' }],
    });
    // No tag can open in the title: what would start one, or an entity, is dropped.
    expect(html).toContain('<title>Hub script></title>');
    expect(html).not.toContain('</script><script>alert(1)');
    expect(html).toContain('\\u003c/script>\\u003cscript>alert(1)\\u003c/script>');
  });
});
