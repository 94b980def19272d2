import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlibConstants, gzip } from 'node:zlib';

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
