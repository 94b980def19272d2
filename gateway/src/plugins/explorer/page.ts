import { explorerAssets } from './assets.js';
import type { ExplorerOperation } from './operations.js';

/**
 * The explorer's GraphiQL options: a tab per operation with its example variables, and the
 * Authorization header to fill in where the operation needs a scope. GraphiQL 5 fills the editors
 * it opens with from `variables`/`headers` rather than from the active tab (a tab opened later shows
 * its own), so the first tab's are given there too.
 */
export function explorerPage(operations: readonly ExplorerOperation[], tokens: Readonly<Record<string, string>> = {}) {
  const tabs = operations.map((o) => ({
    query: o.query,
    variables: o.variables ? JSON.stringify(o.variables, null, 2) : null,
    headers: o.scope
      ? JSON.stringify({ Authorization: `Bearer ${tokens[o.scope] ?? `<a token with scope ${o.scope}>`}` }, null, 2)
      : null,
  }));
  const first: { variables?: string; headers?: string } = {
    ...(tabs[0]?.variables ? { variables: tabs[0].variables } : {}),
    ...(tabs[0]?.headers ? { headers: tabs[0].headers } : {}),
  };
  return { title: 'NHS region data hub', defaultTabs: tabs, shouldPersistHeaders: false, ...first };
}

/** JSON safe inside a <script> element: no `</script>` or `<!--` can close or confuse it. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

/**
 * The explorer's page: a few kilobytes of HTML naming its hashed files (relative to /graphql, so
 * it works at / too), the options (tabs, headers) inline. Replaces Yoga's page, which inlined all
 * 9 MB uncompressed on every view.
 */
export async function renderExplorer(options: Record<string, unknown> & { title?: string }): Promise<string> {
  const { names } = await explorerAssets();
  const workers = Object.fromEntries(Object.entries(names.workers).map(([label, name]) => [label, `explorer/${name}`]));
  const title = (options.title ?? 'GraphiQL').replace(/[<&"]/g, '');
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${title}</title>
    <link rel="icon" href="explorer/${names.icon}" />
    <link rel="stylesheet" href="explorer/${names.css}" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>You need to enable JavaScript to run this app.</noscript>
    <div id="root"></div>
    <script>
      const workers = ${scriptJson(workers)};
      self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: (_moduleId, label) => new URL(workers[label], location.href).href };
    </script>
    <script src="explorer/${names.js}"></script>
    <script>
      YogaGraphiQL.renderYogaGraphiQL(document.querySelector('#root'), ${scriptJson(options)});
      // GraphiQL 5's tabs can be dragged to reorder: a press starts a drag that moves the tab, and
      // the release lands on the tab list, so the click never reaches the tab (its first click was
      // lost in Chromium every time). A click that began on a tab and ended elsewhere opens it.
      let pressedTab = null;
      document.addEventListener('pointerdown', (e) => {
        pressedTab = e.target instanceof Element ? e.target.closest('.graphiql-tab-button') : null;
      }, true);
      document.addEventListener('click', (e) => {
        const tab = pressedTab;
        pressedTab = null;
        if (tab && tab.isConnected && !(e.target instanceof Node && tab.contains(e.target))) tab.click();
      }, true);
    </script>
  </body>
</html>
`;
}
