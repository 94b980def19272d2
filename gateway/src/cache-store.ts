import { randomBytes } from 'node:crypto';
import { DEFAULT_REDIS_KEY_PREFIX, generationKey, purgeChannel, purgeRedis, rootLogger } from '@nhs-hub/kit/platform';
import { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';

/**
 * Where the response cache keeps answers: in this process's memory, bounded in bytes, or in Redis,
 * shared by every gateway replica. Every key carries the purge generation, so an answer written by
 * a request that was in flight during a purge (under the old generation) is never read after it.
 */
export interface AnswerStore {
  readonly kind: 'memory' | 'redis';
  /** The current generation: a purge moves it on, and every key and ETag carries it. */
  generation(): string;
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  purge(): Promise<void>;
  /** true, or why the store is unusable (answers then go uncached). */
  health(): Promise<true | string>;
  close(): Promise<void>;
}

export interface StoreSettings {
  readonly ttlMs: number;
  /** Shared by every gateway replica when set; otherwise this process keeps its own in memory. */
  readonly redisUrl?: string | undefined;
  readonly redisKeyPrefix?: string | undefined;
  /** In memory: the most the answers may take, in bytes of their text (default 64 MiB). */
  readonly maxBytes?: number | undefined;
}

const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

/** Redis options for a cache: fail fast rather than queue, so a Redis outage costs a miss, never a hang. */
const REDIS_OPTIONS = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  connectTimeout: 1_000,
  commandTimeout: 500,
  retryStrategy: (attempt: number) => Math.min(attempt * 200, 2_000),
} as const;

export async function openAnswerStore(settings: StoreSettings): Promise<AnswerStore> {
  return settings.redisUrl ? openRedisStore(settings, settings.redisUrl) : memoryStore(settings);
}

function memoryStore(settings: StoreSettings): AnswerStore {
  // A process's own count, after an epoch of its own: a restarted process (whose data may have been
  // reseeded) never answers a validator an earlier one gave out.
  const epoch = randomBytes(4).toString('hex');
  let generation = 0;
  const answers = new LRUCache<string, string>({
    maxSize: settings.maxBytes ?? DEFAULT_MAX_BYTES,
    sizeCalculation: (value, key) => value.length * 2 + key.length * 2,
    ttl: settings.ttlMs,
  });
  return {
    kind: 'memory',
    generation: () => `${epoch}.${generation}`,
    get: async (key) => answers.get(key),
    set: async (key, value) => void answers.set(key, value),
    async purge() {
      generation++;
      answers.clear();
    },
    health: async () => true,
    close: async () => answers.clear(),
  };
}

async function openRedisStore(settings: StoreSettings, url: string): Promise<AnswerStore> {
  const log = rootLogger.child({ service: 'gateway', component: 'response-cache' });
  const prefix = settings.redisKeyPrefix ?? DEFAULT_REDIS_KEY_PREFIX;
  const redis = new Redis(url, { ...REDIS_OPTIONS, keyPrefix: prefix });
  const admin = new Redis(url, REDIS_OPTIONS);
  const subscriber = new Redis(url, {
    ...REDIS_OPTIONS,
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    commandTimeout: undefined,
  });
  // Redis's count (cache-purge.ts, generationKey), shared by every replica, so they all build the
  // same keys and share hits, whoever purged and whenever they started.
  let generation = 0;
  // false until this replica listens for purges and has read the generation, and again whenever its
  // subscription drops: a replica that could have missed a purge answers uncached rather than
  // serve what the purge removed.
  let synced = false;
  let lastError: string | null = null;
  let settleStart: () => void = () => undefined;
  const remember = (error: unknown) => {
    settleStart();
    const message = (error as Error).message;
    if (message !== lastError) log.warn({ error: message }, 'response cache unavailable; answering uncached');
    lastError = message;
  };
  for (const client of [redis, admin, subscriber]) client.on('error', remember);
  redis.on('ready', () => {
    lastError = null;
  });
  const channel = purgeChannel(prefix);
  const counter = generationKey(prefix);
  // Purges heard so far: one announced while the generation is being read is at least as new as
  // what the read returns, so it wins.
  let announced = 0;
  const sync = async () => {
    if (subscriber.status !== 'ready' || admin.status !== 'ready') return;
    try {
      // Subscribed first, then read: a purge between the two is heard rather than missed.
      await subscriber.subscribe(channel);
      const before = announced;
      const stored = await admin.get(counter);
      if (announced === before) generation = Number(stored ?? 0);
      synced = true;
      settleStart();
    } catch (error) {
      remember(error);
    }
  };
  // Both connections must be up: whichever is ready last reads the generation, again after a reconnect.
  subscriber.on('ready', sync);
  admin.on('ready', sync);
  subscriber.on('close', () => {
    synced = false;
  });
  subscriber.on('message', (from: string, message: string) => {
    if (from !== channel) return;
    announced++;
    // purgeRedis announces the new generation; anything else (an older hub's timestamp) is read from Redis.
    if (/^\d+$/.test(message)) generation = Number(message);
    else
      admin.get(counter).then((stored) => {
        generation = Number(stored ?? 0);
      }, remember);
  });
  // A replica that says it is ready shares the others' hits from its first request, so start-up
  // waits for the generation: until it is read, or Redis refuses (answers then go uncached and the
  // read happens on reconnect), for at most two seconds.
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 2_000);
    settleStart = () => {
      clearTimeout(timer);
      resolve();
    };
    if (synced) settleStart();
  });
  settleStart = () => undefined;

  return {
    kind: 'redis',
    generation: () => String(generation),
    async get(key) {
      if (!synced) return undefined;
      return (await redis.get(key)) ?? undefined;
    },
    async set(key, value) {
      if (synced) await redis.set(key, value, 'PX', settings.ttlMs);
    },
    async purge() {
      // Redis's count, not this replica's own + 1: the message this replica hears about its own
      // purge then names the generation it already uses, rather than moving it on again.
      ({ generation } = await purgeRedis(admin, prefix));
    },
    async health() {
      try {
        await redis.ping();
      } catch (error) {
        return `redis unreachable (${(error as Error).message}); answering uncached`;
      }
      return synced || 'not yet listening for purges in redis; answering uncached';
    },
    async close() {
      for (const client of [redis, admin, subscriber]) client.disconnect();
    },
  };
}
