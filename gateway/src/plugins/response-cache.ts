import { createHash, timingSafeEqual } from 'node:crypto';
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import {
  ALL_DATA_KEY,
  authenticate,
  CACHE_PURGE_SCOPE,
  type HubAuth,
  HubErrorCode,
  nameOperation,
  type ReleaseAnnouncement,
  readReleaseAnnouncement,
  rootLogger,
  sendErrors,
  sendJson,
  subgraphKey,
} from '@nhs-hub/kit/platform';
import stableStringify from 'fast-json-stable-stringify';
import { type AnswerStore, openAnswerStore, type StoreSettings } from '../cache-store.js';
import { ANONYMOUS_OPERATION, type GatewayMetrics } from '../metrics.js';
import { type HubPlugin, type HubRequest, hubRequestOf } from '../plugin.js';
import { CSRF_HEADERS } from './cors.js';
import type { DataVersion } from './data-version.js';

export const PURGE_PATH = '/admin/cache/purge';

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

/** What a request asks, read off the wire as the runtime will read it, before anything is parsed. */
export interface AskedFor {
  /** sha256 of the document, or the persisted-query hash that stands for it. */
  readonly documentHash: string;
  readonly operationName: string | null;
  readonly variables: Record<string, unknown> | null;
}

/**
 * The caller's session: the scopes decide what a caller may see, the subject does not, so callers
 * with the same scopes share answers. JSON, so no set of scopes can be spelt as another.
 */
export const sessionOf = (auth: HubAuth): string => JSON.stringify([...auth.scopes].sort());

/**
 * What the stored entry's layout is: part of every key, so entries of an older layout (in a Redis
 * shared across a deploy) are never read as this one.
 */
const ENTRY_LAYOUT = 'v3';

/** Today in UTC: what an argument left out (`asOf`) defaults to, so an answer may change at midnight without a release. */
export const utcDay = (): string => new Date().toISOString().slice(0, 10);

/**
 * The key of an answer: the purge generation, then a hash of the data version (an answer is never
 * served across a release, in whichever replica and however it learnt of it), the day, what was
 * asked and by whom. Also its ETag, so a 304 depends on these alone, never on what a cache holds.
 */
export const cacheKeyOf = (
  generation: string,
  dataVersion: string,
  asked: AskedFor,
  session: string,
  day: string = utcDay(),
): string =>
  `g${generation}:${createHash('sha256')
    .update(
      [
        ENTRY_LAYOUT,
        dataVersion,
        day,
        asked.documentHash,
        asked.operationName ?? '',
        stableStringify(asked.variables ?? {}),
        session,
      ].join('|'),
    )
    .digest('hex')}`;

/**
 * An export's ETag: a hash of the purge generation, the data version, the day, the export asked
 * (path and query, in a stable order) and the caller's scopes. Like a GraphQL ETag it says nothing
 * of whether anyone else asked: the same for every caller with the same scopes.
 */
export function exportTagOf(generation: string, dataVersion: string, url: string, session: string, day = utcDay()) {
  const { pathname, searchParams } = new URL(url, 'http://localhost');
  const query = [...searchParams.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const hash = createHash('sha256')
    .update([ENTRY_LAYOUT, 'export', generation, dataVersion, day, pathname, JSON.stringify(query), session].join('|'))
    .digest('hex');
  return `"x${hash}"`;
}

/**
 * Does an If-None-Match name this ETag? The weak comparison RFC 9110 sets for it: `W/"a"` matches
 * `"a"` (a CDN that compresses an answer weakens its ETag, and browsers send that back).
 */
export function matchesEtag(ifNoneMatch: string | undefined, etag: string): boolean {
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return ifNoneMatch?.split(',').some((tag) => opaque(tag) === opaque(etag)) ?? false;
}

/**
 * How a browser may keep an export: in its own cache only (a director's view is never shared),
 * and asked again each time (a 304 while nothing changed). The same on a 200 and a 304.
 */
export const EXPORT_CACHING = { 'cache-control': 'private, no-cache', vary: 'Authorization, Origin' } as const;

/**
 * Every request header that changes an answer a cache may keep: the media type (Accept), the
 * caller's scopes (Authorization) and CORS (the allowed Origin is echoed back). A shared cache
 * keeps one copy per combination, so no site is handed another's Access-Control-Allow-Origin.
 */
export const VARY = 'Accept, Authorization, Origin';

/**
 * The surrogate keys of an answer, space-separated (Varnish, Fastly `Surrogate-Key`; Cloudflare
 * takes the same names comma-separated as `Cache-Tag`): every answer's `hub`, and one per subgraph
 * whose data it read, so a load into one subgraph purges only the answers that read it.
 */
export function surrogateKeysOf(subgraphs: Iterable<string>): string[] {
  return [ALL_DATA_KEY, ...[...subgraphs].sort().map(subgraphKey)];
}

const SHA256 = /^[0-9a-f]{64}$/;
const JSON_ANSWER = 'application/json; charset=utf-8';
const JSON_ACCEPTS: Readonly<Record<string, string>> = {
  '*/*': JSON_ANSWER,
  'application/json': JSON_ANSWER,
  'application/graphql-response+json': 'application/graphql-response+json; charset=utf-8',
};

/**
 * The content type the runtime would answer with, as it chooses it: the first media type in the
 * caller's order that it serves, q-values ignored. null where its choice could be a stream
 * (event-stream, multipart) or a wildcard this does not model.
 */
export function jsonAnswerType(accept: string | undefined): string | null {
  if (!accept?.trim()) return JSON_ANSWER;
  for (const part of accept.split(',')) {
    const type = part.split(';')[0]?.trim().toLowerCase() ?? '';
    const answer = JSON_ACCEPTS[type];
    if (answer) return answer;
    if (type.includes('*') || type === 'text/event-stream' || type === 'multipart/mixed') return null;
  }
  return null;
}

const objectOrNull = (value: unknown): Record<string, unknown> | null | undefined =>
  value === undefined || value === null
    ? null
    : typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;

/** The parameters of a GET's query string or a JSON POST's body, unchecked; undefined for anything else. */
export function requestParams(request: HubRequest): Record<string, unknown> | undefined {
  const { req, body } = request;
  try {
    if (req.method === 'POST' && req.headers['content-type']?.startsWith('application/json') && body)
      return objectOrNull(JSON.parse(body)) ?? undefined;
    if (req.method === 'GET') {
      const search = new URL(req.url ?? '/', 'http://localhost').searchParams;
      const json = (name: string) => (search.has(name) ? JSON.parse(search.get(name) ?? '') : undefined);
      return {
        query: search.get('query') ?? undefined,
        operationName: search.get('operationName') ?? undefined,
        variables: json('variables'),
        extensions: json('extensions'),
      };
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/** What a GET's query string or a JSON POST's body asks for; undefined for anything else. */
export function askedFor(request: HubRequest): AskedFor | undefined {
  const params = requestParams(request);
  if (!params) return undefined;
  const { query, operationName, variables, extensions } = params;
  const vars = objectOrNull(variables);
  const persisted = objectOrNull(objectOrNull(extensions)?.persistedQuery);
  if (vars === undefined || (operationName != null && typeof operationName !== 'string')) return undefined;
  const hash = persisted?.sha256Hash;
  const documentHash =
    typeof query === 'string' ? createHash('sha256').update(query).digest('hex') : typeof hash === 'string' ? hash : '';
  // A document sent with its hash registers it (automatic persisted queries): the runtime must see
  // it, once per document and client, or later requests by hash alone would not be understood.
  if (typeof query === 'string' && hash !== undefined) return undefined;
  if (!SHA256.test(documentHash)) return undefined;
  return { documentHash, operationName: operationName ?? null, variables: vars };
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
  version?: Pick<DataVersion, 'current' | 'announce'>,
): Promise<HubPlugin & { readonly cache: ResponseCache | null }> {
  const store: AnswerStore | null = settings ? await openAnswerStore(settings) : null;
  const ttlSeconds = settings ? Math.floor(settings.ttlMs / 1000) : 0;
  const stats = { hits: 0, stores: 0, errors: 0 };
  const log = rootLogger.child({ service: 'gateway', component: 'response-cache' });
  const failed = (error: unknown) => {
    stats.errors++;
    log.warn({ error: (error as Error).message }, 'response cache unavailable; answering uncached');
  };
  /** A quoted strong validator: the key itself is a hash of the generation and of what was asked, by whom. */
  const etagOf = (key: string) => `"${key}"`;
  /**
   * May browsers and CDNs keep it? A GET only; an error never. A public answer may sit in a shared
   * cache for the TTL (`s-maxage`, purged by surrogate key on a data release) while browsers check
   * it each time (`max-age=0`: a 304 when the ETag still matches, so a release shows at once). An
   * answer to a caller with a token is theirs alone: `private`, checked each time, never shared.
   */
  const cacheControl = (method: string | undefined, authorized: boolean, errors: boolean): string | undefined =>
    method !== 'GET'
      ? undefined
      : errors
        ? 'no-store'
        : !ttlSeconds
          ? 'no-cache'
          : authorized
            ? 'private, no-cache'
            : `public, max-age=0, s-maxage=${ttlSeconds}`;
  /** The caching headers of an answer a cache may keep, alike on a 200 (hit or miss) and a 304. */
  const cachingHeaders = (
    method: string | undefined,
    authorized: boolean,
    keys: readonly string[] | undefined,
  ): Record<string, string> => {
    const policy = cacheControl(method, authorized, false);
    if (!policy) return {};
    const headers: Record<string, string> = { 'cache-control': policy, vary: VARY };
    if (keys && !authorized) Object.assign(headers, { 'surrogate-key': keys.join(' '), 'cache-tag': keys.join(',') });
    return headers;
  };

  /** An export: its ETag, and 304 to a matching If-None-Match, whether the cache is on or off. */
  function exportValidators(request: HubRequest, dataVersion: string, next: () => Promise<void>): Promise<void> {
    const { req, res } = request;
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const etag = exportTagOf(store?.generation() ?? '', dataVersion, req.url ?? '/', sessionOf(request.auth));
    const headers = { etag, ...EXPORT_CACHING };
    if (matchesEtag(req.headers['if-none-match'], etag)) {
      res.writeHead(304, headers);
      res.end();
      return Promise.resolve();
    }
    Object.assign(request.exportHeaders, headers);
    return next();
  }

  async function frontDoor(request: HubRequest, next: () => Promise<void>): Promise<void> {
    const { req, res } = request;
    const dataVersion = request.dataVersion ?? version?.current() ?? '';
    if (request.path.startsWith('/exports/')) return exportValidators(request, dataVersion, next);
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
      res.writeHead(304, { etag, ...cachingHeaders(req.method, authorized, undefined) });
      return void res.end();
    }
    const stored = await store.get(key).catch(failed);
    if (stored === undefined) {
      request.cacheKey = key;
      return next();
    }
    stats.hits++;
    const newline = stored.indexOf('\n');
    const [label = '', keys = ''] = stored.slice(0, newline).split('\t');
    const headers = { etag, ...cachingHeaders(req.method, authorized, keys.split(' ')) };
    request.operationName = asked.operationName;
    request.operation = metrics && label !== ANONYMOUS_OPERATION ? metrics.operationLabel(label) : label;
    nameOperation(request.trace?.span, 'query', label === ANONYMOUS_OPERATION ? null : label);
    request.trace?.span.setAttribute('hub.response_cache', 'hit');
    const text = stored.slice(newline + 1);
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
      const authorized = request.headers.has('authorization');
      const keys = surrogateKeysOf(hub?.subgraphs ?? []);
      const headers: Record<string, string> = errors
        ? Object.fromEntries(request.method === 'GET' ? [['cache-control', 'no-store']] : [])
        : cachingHeaders(request.method, authorized, keys);
      const key = hub?.cacheKey;
      if (store && key && !errors) {
        headers.etag = etagOf(key);
        // The bytes the runtime sends for an answer without errors (Yoga drops extensions.http).
        const { http: _http, ...others } = (result.extensions ?? {}) as Record<string, unknown>;
        const text = JSON.stringify({ ...result, extensions: Object.keys(others).length ? others : undefined });
        stats.stores++;
        // The operation's label and the surrogate keys go with it, so a hit is named and keyed as the miss was.
        store.set(key, `${hub.operation}\t${keys.join(' ')}\n${text}`).catch(failed);
      }
      if (!Object.keys(headers).length) return;
      const extensions = { ...result.extensions } as { http?: { status?: number; headers?: Record<string, string> } };
      extensions.http = { ...extensions.http, headers: { ...extensions.http?.headers, ...headers } };
      setResult({ ...result, extensions });
    },
  };

  const cache: ResponseCache | null = store && {
    kind: store.kind,
    stats,
    async purge() {
      await store.purge();
      log.info({ generation: store.generation() }, 'response cache purged');
    },
  };

  async function purgeRoute(request: HubRequest): Promise<void> {
    const { req, res, requestId } = request;
    const refuse = (status: number, message: string, code: string) =>
      sendErrors(req, res, status, [{ message, extensions: { code, requestId } }]);
    if (req.method !== 'POST') return refuse(405, 'POST to purge the response cache', HubErrorCode.METHOD_NOT_ALLOWED);
    const key = req.headers['x-hub-purge-key'];
    const byKey = typeof key === 'string' && settings?.purgeKey !== undefined && sameSecret(key, settings.purgeKey);
    const auth = byKey ? undefined : await authenticate(req.headers.authorization).catch(() => undefined);
    if (!byKey && !auth?.scopes.has(CACHE_PURGE_SCOPE)) {
      const status = !auth || auth.subject === null ? 401 : 403;
      return refuse(
        status,
        `Purging the response cache needs a bearer token with scope "${CACHE_PURGE_SCOPE}"`,
        status === 401 ? HubErrorCode.UNAUTHENTICATED : HubErrorCode.FORBIDDEN,
      );
    }
    // A writer's call after a release names it: the data version moves before the purge, so no
    // request after this call is keyed by the version before the release.
    const release = announcementIn(request.body);
    if (release) version?.announce(release);
    const dataVersion = version?.current();
    if (!cache) return sendJson(res, 200, { purged: false, store: null, dataVersion });
    try {
      await cache.purge();
      sendJson(res, 200, { purged: true, store: cache.kind, dataVersion });
    } catch (error) {
      refuse(503, `Could not purge the response cache: ${(error as Error).message}`, HubErrorCode.CACHE_UNAVAILABLE);
    }
  }

  return {
    name: 'response-cache',
    cache,
    frontDoor,
    runtime: [storing],
    // With the cache off the route still hears releases, for the data version.
    adminRoutes: store || version ? { [PURGE_PATH]: purgeRoute } : {},
    checks: async (): Promise<Record<string, true | string>> => (store ? { responseCache: await store.health() } : {}),
    close: async () => store?.close(),
  };
}

/** The release a purge call's JSON body announces (`{"release": {...}}`), if any. */
function announcementIn(body: string | undefined): ReleaseAnnouncement | null {
  if (!body) return null;
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null && 'release' in parsed
      ? readReleaseAnnouncement(parsed.release)
      : null;
  } catch {
    return null;
  }
}

/** Compares a presented secret with the expected one in constant time, so timing tells nothing of it. */
function sameSecret(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
