import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { nameOperation, rootLogger } from '@nhs-hub/kit/platform';
import { type AnswerStore, openAnswerStore, type StoreSettings } from '../cache-store.js';
import { ANONYMOUS_OPERATION, type GatewayMetrics } from '../metrics.js';
import { type HubPlugin, type HubRequest, hubRequestOf } from '../plugin.js';
import { CSRF_HEADERS } from './cors.js';
import type { DataVersion } from './data-version.js';
import { askedFor } from './response-cache/asked-for.js';
import { entryOf, readEntry } from './response-cache/entry.js';
import { cachingHeaders, exportValidators, jsonAnswerType, surrogateKeysOf } from './response-cache/headers.js';
import { cacheKeyOf, etagOf, matchesEtag, sessionOf } from './response-cache/key.js';

export interface CacheSettings extends StoreSettings {
  /** A key that also authorises a purge (`x-hub-purge-key`), for `npm start`'s local file. */
  readonly purgeKey?: string | undefined;
}

export interface ResponseCache {
  readonly kind: 'memory' | 'redis';
  /** Drops every cached answer, in every replica sharing the store. */
  purge(): Promise<void>;
  /** Answers served from the cache, answers stored in it, and store errors (each one an uncached answer). */
  readonly stats: { hits: number; stores: number; errors: number };
}

/**
 * Whole answers cached at the gateway, keyed by document hash, operation, variables and the
 * caller's scopes, invalidated by the data version (a release lands), the purge generation and TTL. The document the
 * planner sees is never touched: nothing is added to its selections. Hits, and `304 Not Modified`
 * for a matching If-None-Match, are answered at the front door (a GET or a JSON POST, the document
 * sent whole or by its persisted hash); a miss goes through the runtime and its error-free answer
 * is stored, under the key the front door computed, exactly as the runtime wrote it.
 */
export async function responseCachePlugin(
  settings: CacheSettings | undefined,
  metrics: GatewayMetrics | null,
  version?: Pick<DataVersion, 'current'>,
): Promise<HubPlugin & { readonly cache: ResponseCache | null }> {
  const store: AnswerStore | null = settings ? await openAnswerStore(settings) : null;
  const ttlSeconds = settings ? Math.floor(settings.ttlMs / 1000) : 0;
  const stats = { hits: 0, stores: 0, errors: 0 };
  const log = rootLogger.child({ service: 'gateway', component: 'response-cache' });
  const failed = (error: unknown) => {
    stats.errors++;
    log.warn({ error: (error as Error).message }, 'response cache unavailable; answering uncached');
  };

  async function frontDoor(request: HubRequest, next: () => Promise<void>): Promise<void> {
    const { req, res } = request;
    const dataVersion = request.dataVersion ?? version?.current() ?? '';
    if (request.path.startsWith('/exports/')) {
      // An export's ETag, and 304 to a matching If-None-Match, whether the cache is on or off.
      if (req.method !== 'GET' && req.method !== 'HEAD') return next();
      const tag = exportValidators(store?.generation() ?? '', dataVersion, req, sessionOf(request.auth));
      if (tag.notModified) return void res.writeHead(304, tag.headers).end();
      Object.assign(request.exportHeaders, tag.headers);
      return next();
    }
    const asked = store ? askedFor(request) : undefined;
    // A browser's GET for a page is the explorer's.
    const page = req.method === 'GET' && req.headers.accept?.includes('text/html');
    const type = page ? null : jsonAnswerType(req.headers.accept);
    // A GET must pass the runtime's CSRF rule, which a hit would otherwise skip.
    const csrfSafe = req.method === 'POST' || CSRF_HEADERS.some((h) => req.headers[h] !== undefined);
    if (!store || !asked || !type || !csrfSafe) return next();
    const key = cacheKeyOf(store.generation(), dataVersion, asked, sessionOf(request.auth));
    const authorized = req.headers.authorization !== undefined;
    const etag = etagOf(key);
    if (matchesEtag(req.headers['if-none-match'], etag)) {
      // The keys are the 200's: a CDN revalidating keeps the ones it stored with it.
      res.writeHead(304, { etag, ...cachingHeaders(ttlSeconds, req.method, authorized, undefined) });
      return void res.end();
    }
    const stored = await store.get(key).catch(failed);
    if (stored === undefined) {
      request.cacheKey = key;
      return next();
    }
    stats.hits++;
    const { label, keys, text } = readEntry(stored);
    request.operationName = asked.operationName;
    request.operation = metrics && label !== ANONYMOUS_OPERATION ? metrics.operationLabel(label) : label;
    nameOperation(request.trace?.span, 'query', label === ANONYMOUS_OPERATION ? null : label);
    request.trace?.span.setAttribute('hub.response_cache', 'hit');
    const headers = { etag, ...cachingHeaders(ttlSeconds, req.method, authorized, keys) };
    res.writeHead(200, { ...headers, 'content-type': type, 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  const storing: GatewayPlugin = {
    onSubgraphExecute: ({ subgraphName, executionRequest }) => {
      hubRequestOf(executionRequest.context)?.subgraphs.add(subgraphName);
    },
    onResultProcess: ({ request, result, setResult, serverContext }) => {
      if (Array.isArray(result) || !result || Symbol.asyncIterator in result) return;
      const hub = hubRequestOf(serverContext);
      const errors = Boolean(result.errors?.length);
      const keys = surrogateKeysOf(hub?.subgraphs ?? []);
      const authorized = request.headers.has('authorization');
      const headers = cachingHeaders(ttlSeconds, request.method, authorized, keys, errors);
      const key = hub?.cacheKey;
      if (store && key && !errors) {
        headers.etag = etagOf(key);
        stats.stores++;
        store.set(key, entryOf(hub.operation, keys, result)).catch(failed);
      }
      if (!Object.keys(headers).length) return;
      const extensions = { ...result.extensions } as { http?: { status?: number; headers?: Record<string, string> } };
      extensions.http = { ...extensions.http, headers: { ...extensions.http?.headers, ...headers } };
      setResult({ ...result, extensions });
    },
  };

  return {
    name: 'response-cache',
    cache: store && {
      kind: store.kind,
      stats,
      async purge() {
        await store.purge();
        log.info({ generation: store.generation() }, 'response cache purged');
      },
    },
    frontDoor,
    runtime: [storing],
    checks: async (): Promise<Record<string, true | string>> => (store ? { responseCache: await store.health() } : {}),
    close: async () => store?.close(),
  };
}
