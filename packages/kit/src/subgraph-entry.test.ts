import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** Packages only the gateway needs: a subgraph process must never load them. */
const GATEWAY_ONLY = [
  /^@graphql-hive\//,
  /^@apollo\/gateway$/,
  /^@escape\.tech\/graphql-armor/,
  /^@graphql-mesh\//,
  /^@graphql-yoga\//,
  /^@envelop\/response-cache/,
  // The response cache's Redis: a subgraph reaches it only to purge after a seed, and loads it then.
  /^ioredis$/,
];

/**
 * Imports a kit entry point in a fresh Node process (sources through tsx, as the tests run them) and
 * returns the npm packages it loaded: every ESM resolution goes through a hook that reports its URL,
 * and CommonJS files show in require.cache.
 */
function packagesLoadedBy(specifier: string): string[] {
  const hooks = [
    'let port;',
    'export function initialize(data) { port = data.port; }',
    'export async function resolve(spec, ctx, next) { const r = await next(spec, ctx); port.postMessage(r.url); return r; }',
  ].join('\n');
  const script = `
    import { createRequire, register } from 'node:module';
    import { MessageChannel } from 'node:worker_threads';
    const { port1, port2 } = new MessageChannel();
    const urls = [];
    port1.on('message', (url) => urls.push(url));
    register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)}, { data: { port: port2 }, transferList: [port2] });
    await import(${JSON.stringify(specifier)});
    await new Promise((resolve) => setTimeout(resolve, 100));
    port1.close();
    const files = [...urls, ...Object.keys(createRequire(import.meta.url).cache)];
    const names = files.map((f) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(f)?.[1]).filter(Boolean);
    console.log(JSON.stringify([...new Set(names)].sort()));
  `;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    encoding: 'utf8',
    env: { ...process.env, APOLLO_TELEMETRY_DISABLED: '1' },
  });
  return JSON.parse(out.trim().split('\n').at(-1) ?? '[]') as string[];
}

const gatewayOnly = (packages: readonly string[]) => packages.filter((p) => GATEWAY_ONLY.some((re) => re.test(p)));

describe('@nhs-hub/kit/subgraph', () => {
  it('loads no gateway package (what a subgraph process starts with)', { timeout: 60_000 }, () => {
    const loaded = packagesLoadedBy('@nhs-hub/kit/subgraph');
    // the check saw the subgraph's own stack, so an empty answer below means something
    expect(loaded).toEqual(expect.arrayContaining(['@apollo/server', '@apollo/subgraph', '@pothos/core', 'kysely']));
    expect(gatewayOnly(loaded)).toEqual([]);
  });

  it('is what @nhs-hub/kit still loads (an alias)', { timeout: 60_000 }, () => {
    expect(gatewayOnly(packagesLoadedBy('@nhs-hub/kit'))).toEqual([]);
  });

  it('declares no gateway package: the gateway lives in gateway/, not here', () => {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    // ioredis stays: the platform's cache purge (after a seed) loads it on demand.
    expect(gatewayOnly(Object.keys(manifest.dependencies)).filter((p) => p !== 'ioredis')).toEqual([]);
  });

  it('would catch a gateway package (the gateway entry loads them)', { timeout: 90_000 }, () => {
    expect(gatewayOnly(packagesLoadedBy('@nhs-hub/gateway'))).toEqual(
      expect.arrayContaining(['@graphql-hive/gateway-runtime', '@escape.tech/graphql-armor']),
    );
  });
});
