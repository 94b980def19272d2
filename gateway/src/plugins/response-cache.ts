import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BuildResponseCacheKeyFunction } from '@envelop/response-cache';
import stableStringify from 'fast-json-stable-stringify';
import { createRedisCache } from '@envelop/response-cache-redis';
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { type Cache, createInMemoryCache, useResponseCache } from '@graphql-yoga/plugin-response-cache';
import { Redis } from 'ioredis';
import type { HubAuth } from '@nhs-hub/kit/platform';
import { rootLogger } from '@nhs-hub/kit/platform';
import {
  CACHE_PURGE_SCOPE,
  DEFAULT_REDIS_KEY_PREFIX,
  generationKey,
  purgeChannel,
  purgeRedis,
} from '@nhs-hub/kit/platform';
import { sendJson } from '@nhs-hub/kit/platform';
import { HubErrorCode } from '@nhs-hub/kit/platform';

export interface CacheSettings {
  /** How long a cached answer lives unless purged first. */
  readonly ttlMs: number;
  /** Shared by every gateway replica when set; otherwise this process keeps its own in memory. */
  readonly redisUrl?: string | undefined;
  readonly redisKeyPrefix?: string | undefined;
  /** A key that also authorises a purge (`x-hub-purge-key`), for `npm start`'s local file. */
  readonly purgeKey?: string | undefined;
}

export interface ResponseCache {
  readonly kind: 'memory' | 'redis';
  readonly plugin: GatewayPlugin;
  /** Drops every cached answer, in every replica sharing the store. */
  purge(): Promise<void>;
  handlePurge(req: IncomingMessage, res: ServerResponse, auth: HubAuth, requestId: string): void;
  /** true, or why the store is unusable (answers then go uncached). */
  health(): Promise<true | string>;
  /**
   * The answer the plugin holds for this request, found exactly as the plugin finds it (the same
   * session, key and store, so a hit counts in `stats` the same), or undefined. The gateway's front
   * door asks it first for plain JSON POSTs, so a hit skips the GraphQL runtime's request pipeline.
   */
  lookup(request: CacheLookup, auth: HubAuth): Promise<CachedAnswer | undefined>;
  /** Answers served from the cache, answers stored in it, and store errors (each one an uncached answer). */
  readonly stats: { hits: number; stores: number; errors: number };
  close(): Promise<void>;
}

/** What a request asks, as the plugin keys it: after APQ, the document as sent. */
export interface CacheLookup {
  readonly query: string;
  readonly variables?: Record<string, unknown> | null | undefined;
  readonly operationName?: string | null | undefined;
}

/** A cached answer as the plugin stored it: the result, with its ETag and Last-Modified under extensions.http. */
export interface CachedAnswer {
  readonly data?: unknown;
  readonly errors?: readonly unknown[];
  readonly extensions?: Record<string, unknown> & {
    readonly http?: { readonly headers?: Record<string, string>; readonly status?: number };
  };
}

/** Scopes decide what a caller may see; the subject does not, so callers with the same scopes share answers. */
const sessionOf = (auth: HubAuth | undefined): string =>
  auth ? [...auth.scopes].sort().join(' ') || 'anonymous' : 'anonymous';

/** Redis options for a cache: fail fast rather than queue, so a Redis outage costs a miss, never a hang. */
const REDIS_OPTIONS = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  connectTimeout: 1_000,
  commandTimeout: 500,
  retryStrategy: (attempt: number) => Math.min(attempt * 200, 2_000),
} as const;

/**
 * Whole responses cached at the gateway by GraphQL Yoga's response-cache plugin (in memory, or
 * Redis through @envelop/response-cache-redis), keyed by document, variables and the caller's
 * scopes, so a director's answer is never served to a caller without the scope.
 */
export async function startResponseCache(settings: CacheSettings): Promise<ResponseCache> {
  const log = rootLogger.child({ service: 'gateway', component: 'response-cache' });
  const stats = { hits: 0, stores: 0, errors: 0 };
  // Every key carries the purge generation, so answers written by requests that were in flight
  // during a purge (under the old generation) are never read after it. In memory it is this
  // process's own count; with Redis it is Redis's (cache-purge.ts, generationKey), shared by every
  // replica, so they all build the same keys and share hits, whoever purged and whenever they started.
  let generation = 0;
  // Redis only: false until this replica listens for purges and has read the generation, and again
  // whenever its subscription drops. A replica that could have missed a purge answers uncached
  // rather than serve what the purge removed.
  let synced = !settings.redisUrl;
  let store: Cache;
  let redis: Redis | null = null;
  let admin: Redis | null = null;
  let subscriber: Redis | null = null;
  let lastError: string | null = null;
  let purgeMemory: (() => void) | null = null;
  let settleStart: () => void = () => undefined;
  const remember = (error: unknown) => {
    stats.errors++;
    settleStart();
    const message = (error as Error).message;
    if (message !== lastError) log.warn({ error: message }, 'response cache unavailable; answering uncached');
    lastError = message;
  };

  const prefix = settings.redisKeyPrefix ?? DEFAULT_REDIS_KEY_PREFIX;
  if (settings.redisUrl) {
    redis = new Redis(settings.redisUrl, { ...REDIS_OPTIONS, keyPrefix: prefix });
    admin = new Redis(settings.redisUrl, REDIS_OPTIONS);
    subscriber = new Redis(settings.redisUrl, {
      ...REDIS_OPTIONS,
      maxRetriesPerRequest: null,
      enableOfflineQueue: true,
      commandTimeout: undefined,
    });
    for (const client of [redis, admin, subscriber]) client.on('error', remember);
    redis.on('ready', () => {
      lastError = null;
    });
    const channel = purgeChannel(prefix);
    const counter = generationKey(prefix);
    const listener = subscriber;
    const reader = admin;
    // Purges heard so far: one announced while the generation is being read is at least as new as
    // what the read returns, so it wins.
    let announced = 0;
    const sync = async () => {
      if (listener.status !== 'ready' || reader.status !== 'ready') return;
      try {
        // Subscribed first, then read: a purge between the two is heard rather than missed.
        await listener.subscribe(channel);
        const before = announced;
        const stored = await reader.get(counter);
        if (announced === before) generation = Number(stored ?? 0);
        synced = true;
        settleStart();
      } catch (error) {
        remember(error);
      }
    };
    // Both connections must be up: whichever is ready last reads the generation, again after a reconnect.
    listener.on('ready', sync);
    reader.on('ready', sync);
    listener.on('close', () => {
      synced = false;
    });
    listener.on('message', (from: string, message: string) => {
      if (from !== channel) return;
      announced++;
      // purgeRedis announces the new generation; anything else (an older hub's timestamp) is read from Redis.
      if (/^\d+$/.test(message)) generation = Number(message);
      else
        reader.get(counter).then((stored) => {
          generation = Number(stored ?? 0);
        }, remember);
    });
    const inner = createRedisCache({ redis });
    store = {
      async get(key) {
        if (!synced) return undefined;
        try {
          return await inner.get(key);
        } catch (error) {
          remember(error);
          return undefined;
        }
      },
      async set(key, value, entities, ttl) {
        if (!synced) return;
        try {
          await inner.set(key, value, entities, ttl);
        } catch (error) {
          remember(error);
        }
      },
      async invalidate(entities) {
        try {
          await inner.invalidate(entities);
        } catch (error) {
          remember(error);
        }
      },
    };
    // A replica that says it is ready shares the others' hits from its first request, so start-up
    // waits for the generation: until it is read, or Redis refuses (answers then go uncached and
    // the read happens on reconnect), for at most two seconds.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2_000);
      settleStart = () => {
        clearTimeout(timer);
        resolve();
      };
      if (synced) settleStart();
    });
    settleStart = () => undefined;
  } else {
    let memory = createInMemoryCache({ max: 10_000 });
    store = {
      get: (key) => memory.get(key),
      set: (key, value, entities, ttl) => memory.set(key, value, entities, ttl),
      invalidate: (entities) => memory.invalidate(entities),
    };
    // A purge in memory swaps in an empty store: strict, and the old one is garbage.
    purgeMemory = () => {
      memory = createInMemoryCache({ max: 10_000 });
    };
  }

  const counted: Cache = {
    get: async (key) => {
      const value = await store.get(key);
      if (value) stats.hits++;
      return value;
    },
    set: (key, value, entities, ttl) => {
      stats.stores++;
      return store.set(key, value, entities, ttl);
    },
    invalidate: (entities) => store.invalidate(entities),
  };

  /** The plugin's key for a request: the purge generation, then the plugin's own hash of what was asked. */
  const keyOf = (params: Parameters<BuildResponseCacheKeyFunction>[0]) => `g${generation}:${responseCacheKey(params)}`;

  const plugin = useResponseCache({
    cache: counted,
    ttl: settings.ttlMs,
    session: (_request, context) => sessionOf((context as { auth?: HubAuth }).auth),
    buildResponseCacheKey: ({ request: _request, ...params }) => keyOf(params),
    // Our entities are keyed by `code`; the plugin tracks them for entity invalidation.
    idFields: ['code', 'id'],
    invalidateViaMutation: false,
  }) as GatewayPlugin;

  async function purge(): Promise<void> {
    if (admin) {
      // Redis's count, not this replica's own + 1: the message this replica hears about its own
      // purge then names the generation it already uses, rather than moving it on again.
      ({ generation } = await purgeRedis(admin, prefix));
    } else {
      generation++;
      purgeMemory?.();
    }
    log.info({ generation }, 'response cache purged');
  }

  return {
    kind: redis ? 'redis' : 'memory',
    plugin,
    purge,
    stats,
    async lookup(request, auth) {
      // What the plugin's onParams builds its key from.
      const key = keyOf({
        documentString: request.query,
        variableValues: request.variables ?? undefined,
        operationName: request.operationName ?? undefined,
        sessionId: sessionOf(auth),
        context: undefined,
      });
      return ((await counted.get(key)) as CachedAnswer | undefined) ?? undefined;
    },
    handlePurge(req, res, auth, requestId) {
      if (req.method !== 'POST')
        return sendJson(res, 405, {
          errors: [
            {
              message: 'POST to purge the response cache',
              extensions: { code: HubErrorCode.METHOD_NOT_ALLOWED, requestId },
            },
          ],
        });
      const key = req.headers['x-hub-purge-key'];
      const byKey = typeof key === 'string' && settings.purgeKey !== undefined && sameSecret(key, settings.purgeKey);
      if (!byKey && !auth.scopes.has(CACHE_PURGE_SCOPE)) {
        const status = auth.subject === null ? 401 : 403;
        return sendJson(res, status, {
          errors: [
            {
              message: `Purging the response cache needs a bearer token with scope "${CACHE_PURGE_SCOPE}"`,
              extensions: { code: status === 401 ? HubErrorCode.UNAUTHENTICATED : HubErrorCode.FORBIDDEN, requestId },
            },
          ],
        });
      }
      purge().then(
        () => sendJson(res, 200, { purged: true, store: redis ? 'redis' : 'memory' }),
        (error: unknown) =>
          sendJson(res, 503, {
            errors: [
              {
                message: `Could not purge the response cache: ${(error as Error).message}`,
                extensions: { code: HubErrorCode.CACHE_UNAVAILABLE, requestId },
              },
            ],
          }),
      );
    },
    async health() {
      if (!redis) return true;
      try {
        await redis.ping();
      } catch (error) {
        return `redis unreachable (${(error as Error).message}); answering uncached`;
      }
      return synced || 'not yet listening for purges in redis; answering uncached';
    },
    async close() {
      for (const client of [redis, admin, subscriber]) client?.disconnect();
    },
  };
}

/**
 * The plugin's own key (`defaultBuildResponseCacheKey`: the same fields joined the same way, the
 * same SHA-256 in hex, so replicas of either kind share one Redis), hashed synchronously with
 * node:crypto. The plugin's WebCrypto digest is asynchronous and took 13% of a warm-cache
 * StpOverview request here (node --cpu-prof). response-cache.test.ts checks both agree.
 */
export const responseCacheKey = (params: Parameters<BuildResponseCacheKeyFunction>[0]): string =>
  createHash('sha256')
    .update(
      [
        params.documentString,
        params.operationName ?? '',
        stableStringify(params.variableValues ?? {}),
        params.sessionId ?? '',
      ].join('|'),
    )
    .digest('hex');

/** Compares a presented secret with the expected one in constant time, so timing tells nothing of it. */
function sameSecret(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
