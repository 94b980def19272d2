import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlibConstants, gzip } from 'node:zlib';
import type { HubEnv } from '@nhs-hub/kit/platform';
import { REPO_ROOT } from '@nhs-hub/kit/repo';
import { z } from 'zod';
import type { HubPlugin, HubRequest } from '../plugin.js';

/** An operation the explorer opens as a tab, with example variables. */
export interface ExplorerOperation {
  readonly query: string;
  readonly variables?: Record<string, unknown>;
  /** The scope the operation needs, if any: its tab opens with an Authorization header to fill in. */
  readonly scope?: string;
}

/** The explorer's settings: the operations it opens as tabs. */
export interface ExplorerSettings {
  readonly operations: readonly ExplorerOperation[];
  /**
   * Development only (`npm start` with its own local secret): signs a short-lived token for a
   * scope, which the explorer puts in the Authorization header of the tabs that need it, in place of
   * the placeholder. Never set where tokens come from an identity provider.
   */
  readonly devToken?: ((scope: string) => Promise<string>) | undefined;
}

const OPERATIONS_DIR = `${REPO_ROOT}schema/operations/`;

const Example = z
  .object({ variables: z.record(z.string(), z.unknown()), scope: z.string().min(1).optional() })
  .strict();
type Example = z.output<typeof Example>;
/** Operation name to example; `$comment` says what the file is for. */
const Examples = z.object({ $comment: z.string().optional() }).catchall(Example);

/** schema/operations/examples.json: each operation's example variables, and the scope it needs. */
function readExamples(dir: string): Record<string, Example> {
  const path = `${dir}examples.json`;
  if (!existsSync(path)) return {};
  const parsed = Examples.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`Invalid ${path}: ${z.prettifyError(parsed.error)}`);
  const { $comment: _comment, ...examples } = parsed.data;
  return examples as Record<string, Example>;
}

/** The public operations (schema/operations/), StpOverview first, as the explorer's tabs, with their examples. */
export function explorerOperations(dir = OPERATIONS_DIR): (ExplorerOperation & { name: string })[] {
  if (!existsSync(dir)) return [];
  const examples = readExamples(dir);
  const names = readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .map((f) => f.replace(/\.graphql$/, ''))
    .sort((a, b) => (a === 'StpOverview' ? -1 : b === 'StpOverview' ? 1 : a.localeCompare(b)));
  return names.map((name) => {
    const example = examples[name];
    return {
      name,
      query: readFileSync(`${dir}${name}.graphql`, 'utf8'),
      ...(example ? { variables: example.variables } : {}),
      ...(example?.scope ? { scope: example.scope } : {}),
    };
  });
}

/** The explorer is on outside production and off in production, unless HUB_EXPLORER says otherwise. */
export function explorerFromEnv(
  env: Pick<HubEnv, 'HUB_EXPLORER' | 'NODE_ENV'>,
  devToken?: ExplorerSettings['devToken'],
): ExplorerSettings | undefined {
  const on = env.HUB_EXPLORER ? env.HUB_EXPLORER === 'on' : env.NODE_ENV !== 'production';
  if (!on) return undefined;
  return { operations: explorerOperations(), ...(devToken && env.NODE_ENV !== 'production' ? { devToken } : {}) };
}

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

/** A development token for each scope the operations name. */
async function devTokensFor(settings: ExplorerSettings): Promise<Record<string, string>> {
  const scopes = [...new Set(settings.operations.flatMap((o) => (o.scope ? [o.scope] : [])))];
  const sign = settings.devToken;
  if (!sign) return {};
  return Object.fromEntries(await Promise.all(scopes.map(async (scope) => [scope, await sign(scope)] as const)));
}

/** One of the explorer's static files, in each encoding it is served in. */
interface Asset {
  readonly type: string;
  readonly identity: Buffer;
  readonly gzip: Buffer;
  readonly br: Buffer;
}

/** The explorer's files, by hashed name, and the names the page refers to them by. */
export interface ExplorerAssets {
  readonly files: ReadonlyMap<string, Asset>;
  readonly names: {
    readonly js: string;
    readonly css: string;
    readonly icon: string;
    readonly workers: Record<string, string>;
  };
}

/** Where the explorer's files are served: a name that changes whenever the content does. */
export const EXPLORER_ASSET = /^\/explorer\/[0-9a-f]{20}\.(js|css|ico)$/;
const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  ico: 'image/x-icon',
};
const gzipped = promisify(gzip);
const brotlied = promisify(brotliCompress);

let assets: Promise<ExplorerAssets> | undefined;
/**
 * GraphiQL's script, styles, Monaco's three workers and the icon (Yoga's offline bundle, nothing
 * from a CDN, which NHS networks often block) as files named by a hash of their content, each
 * compressed once (brotli quality 7 and gzip: about 2 s, off the event loop) on the first page view.
 */
export function explorerAssets(): Promise<ExplorerAssets> {
  assets ??= (async () => {
    // About 47 MB of RSS once loaded: only a process that serves the explorer pays for it.
    const bundle = await import('@graphql-yoga/render-graphiql/graphiql');
    const files = new Map<string, Asset>();
    const add = async (content: Buffer, ext: string): Promise<string> => {
      const name = `${createHash('sha256').update(content).digest('hex').slice(0, 20)}.${ext}`;
      const [gz, br] = await Promise.all([
        gzipped(content, { level: 9 }),
        brotlied(content, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 7 } }),
      ]);
      files.set(name, { type: TYPES[ext] ?? 'application/octet-stream', identity: content, gzip: gz, br });
      return name;
    };
    const icon = bundle.favicon.replace(/^data:[^,]*;base64,/, '');
    const [js, css, iconName, editorWorkerService, json, graphql] = await Promise.all([
      add(Buffer.from(bundle.js), 'js'),
      add(Buffer.from(bundle.css), 'css'),
      add(Buffer.from(icon, 'base64'), 'ico'),
      add(Buffer.from(bundle.editorWorkerService), 'js'),
      add(Buffer.from(bundle.jsonWorker), 'js'),
      add(Buffer.from(bundle.graphqlWorker), 'js'),
    ]);
    return { files, names: { js, css, icon: iconName, workers: { editorWorkerService, json, graphql } } };
  })();
  return assets;
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

/** The encoding to send: brotli, then gzip, then none, as the caller's Accept-Encoding allows (q=0 refuses). */
export function encodingFor(acceptEncoding: string | undefined): 'br' | 'gzip' | 'identity' {
  const accepted = new Map<string, number>();
  for (const part of (acceptEncoding ?? '').split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find(Boolean);
    accepted.set(name.trim(), q === undefined ? 1 : Number(q));
  }
  const ok = (name: string) => (accepted.get(name) ?? accepted.get('*') ?? 0) > 0;
  return ok('br') ? 'br' : ok('gzip') ? 'gzip' : 'identity';
}

/** Serves one of the explorer's files: immutable (its name changes with its content), compressed when accepted. */
async function serveAsset(request: HubRequest): Promise<void> {
  const { req, res } = request;
  const name = request.path.slice('/explorer/'.length);
  const asset = (await explorerAssets()).files.get(name);
  if (!asset) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    return void res.end(`No explorer file ${name}`);
  }
  const encoding = encodingFor(req.headers['accept-encoding'] as string | undefined);
  const body = asset[encoding];
  res.writeHead(200, {
    'content-type': asset.type,
    'content-length': body.length,
    'cache-control': 'public, max-age=31536000, immutable',
    vary: 'Accept-Encoding',
    ...(encoding === 'identity' ? {} : { 'content-encoding': encoding }),
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/**
 * The offline GraphiQL explorer at /graphql for browsers: a small page and its files at
 * /explorer/<hash>.<ext> (hashed names, br/gzip, cached as immutable), nothing fetched from a CDN.
 * Off when `settings` is undefined.
 */
export function explorerPlugin(settings: ExplorerSettings | undefined): HubPlugin {
  return {
    name: 'explorer',
    ...(settings
      ? {
          paths: [EXPLORER_ASSET],
          async frontDoor(request, next) {
            const { req } = request;
            if ((req.method === 'GET' || req.method === 'HEAD') && EXPLORER_ASSET.test(request.path))
              return serveAsset(request);
            // The page itself is checked on every view (it names the current files, and in
            // development carries a token), never kept by a shared cache.
            if (req.method === 'GET' && req.headers.accept?.includes('text/html'))
              request.res.setHeader('cache-control', 'private, no-cache');
            return next();
          },
        }
      : {}),
    runtimeOptions: {
      graphiql: !settings
        ? false
        : settings.devToken
          ? // Signed per page view, so a page opened hours after start still carries a live token.
            async () => explorerPage(settings.operations, await devTokensFor(settings))
          : explorerPage(settings.operations),
      renderGraphiQL: (options) => renderExplorer(options as Record<string, unknown>),
    },
  };
}
