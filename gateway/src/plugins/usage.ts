import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { rootLogger } from '@nhs-hub/kit/platform';
import { type DocumentNode, type GraphQLSchema, getOperationAST, parse } from 'graphql';
import type { Kysely } from 'kysely';
import { LRUCache } from 'lru-cache';
import { type HubPlugin, type HubRequest, hubRequestOf } from '../plugin.js';
import {
  CLIENT_FIELD_MAX,
  coordinatesOf,
  ensureUsageTables,
  pruneUsage,
  type RecordedOperation,
  UNKNOWN_CLIENT,
  USAGE_SCHEMA,
  type UsageCount,
  type UsageTarget,
  writeUsage,
} from '../usage.js';
import { askedFor } from './response-cache/asked-for.js';

export interface UsageSettings {
  /** The database usage is written to (the hub's own under `npm start`; HUB_USAGE_DATABASE_URL standalone). */
  readonly database: Kysely<unknown>;
  /** Postgres schema of the usage tables; hub_usage unless a test keeps its own. */
  readonly schema?: string;
  /** Milliseconds between batches written; 10 s unless given. */
  readonly flushIntervalMs?: number;
}

/** What a test or an operator can do with the recorder: write what is counted now. */
export interface UsageRecorder {
  flush(): Promise<void>;
  /** Counts waiting for the next batch. */
  pending(): number;
}

export interface UsagePlugin extends HubPlugin {
  readonly recorder: UsageRecorder | null;
}

const DEFAULT_FLUSH_MS = 10_000;
/** Documents whose coordinates are kept, by hash: a client's operations are few, an attacker's many. */
const DOCUMENTS_KEPT = 2_000;
/**
 * Distinct (hour, client, operation) counts held between batches. Past it, new keys wait for the
 * next batch rather than grow the heap: a caller inventing client names cannot exhaust memory.
 */
const PENDING_MAX = 20_000;
const HOUR_MS = 3_600_000;

const headerOf = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text?.trim() ? text.trim().slice(0, CLIENT_FIELD_MAX) : undefined;
};

/** The caller's name and version, from GraphQL's client headers or Apollo's. */
export function clientOf(headers: IncomingHttpHeaders): { name: string; version: string } {
  return {
    name: headerOf(headers, 'graphql-client-name') ?? headerOf(headers, 'apollographql-client-name') ?? UNKNOWN_CLIENT,
    version: headerOf(headers, 'graphql-client-version') ?? headerOf(headers, 'apollographql-client-version') ?? '',
  };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Field usage by client (see ../usage.ts for what is kept and for how long). On the request path
 * only a map lookup and a counter: a document's coordinates are computed once per document hash;
 * counts are written in batches by a timer, and a failed batch is kept for the next.
 */
export function usagePlugin(settings: UsageSettings | undefined): UsagePlugin {
  if (!settings) return { name: 'usage', recorder: null };
  const log = rootLogger.child({ service: 'gateway', plugin: 'usage' });
  const target: UsageTarget = { db: settings.database, schema: settings.schema ?? USAGE_SCHEMA };
  const documents = new LRUCache<string, RecordedOperation>({ max: DOCUMENTS_KEPT });
  /** Hashes whose operation row is written (or in a batch on its way). */
  const written = new LRUCache<string, true>({ max: DOCUMENTS_KEPT * 4 });
  let pending = new Map<string, UsageCount>();
  /** The query text and its hash per request, from onParams (after automatic persisted queries). */
  const asked = new WeakMap<HubRequest, { query: string | undefined; hash: string | undefined }>();
  const recorded = new WeakSet<HubRequest>();
  let schema: GraphQLSchema | undefined;
  let ready: Promise<void> | undefined;
  let lastPrune = 0;
  let flushing: Promise<void> = Promise.resolve();

  const operationFor = (hash: string, document: DocumentNode, operationName: string | null) => {
    const known = documents.get(hash);
    if (known) return known;
    if (!schema) return undefined;
    const operation: RecordedOperation = {
      hash,
      name: getOperationAST(document, operationName)?.name?.value ?? operationName,
      coordinates: coordinatesOf(schema, document),
    };
    documents.set(hash, operation);
    return operation;
  };

  const count = (request: HubRequest, operation: RecordedOperation) => {
    recorded.add(request);
    const now = Date.now();
    const hour = now - (now % HOUR_MS);
    const client = clientOf(request.req.headers);
    const key = `${hour}\n${client.name}\n${client.version}\n${operation.hash}`;
    const existing = pending.get(key);
    if (existing) {
      existing.count++;
      existing.lastSeen = now;
    } else if (pending.size < PENDING_MAX)
      pending.set(key, {
        hour,
        clientName: client.name,
        clientVersion: client.version,
        operation,
        count: 1,
        lastSeen: now,
      });
  };

  const recording: GatewayPlugin = {
    onParams: ({ params, context }) => {
      const hub = hubRequestOf(context);
      if (!hub) return;
      const persisted = (params.extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery
        ?.sha256Hash;
      const query = typeof params.query === 'string' ? params.query : undefined;
      asked.set(hub, { query, hash: query ? sha256(query) : typeof persisted === 'string' ? persisted : undefined });
    },
    onValidate: ({ params, context }) => {
      const hub = hubRequestOf(context);
      const seen = hub && asked.get(hub);
      if (!hub || !seen?.hash) return;
      schema = params.schema;
      const hash = seen.hash;
      return ({ valid }) => {
        if (!valid) return;
        const operation = operationFor(hash, params.documentAST, hub.operationName);
        if (operation) count(hub, operation);
      };
    },
  };

  async function writeBatch(): Promise<void> {
    if (!pending.size) return maybePrune();
    const batch = pending;
    pending = new Map();
    const fresh = [...new Set([...batch.values()].map((c) => c.operation))].filter((o) => !written.has(o.hash));
    try {
      ready ??= ensureUsageTables(target);
      await ready;
      await writeUsage(target, [...batch.values()], fresh);
      for (const o of fresh) written.set(o.hash, true);
    } catch (error) {
      ready = undefined;
      // Kept for the next batch, added to what has been counted since.
      for (const [key, c] of batch) {
        const now = pending.get(key);
        if (now) {
          now.count += c.count;
          now.lastSeen = Math.max(now.lastSeen, c.lastSeen);
        } else if (pending.size < PENDING_MAX) pending.set(key, c);
      }
      log.warn({ err: error }, 'field usage not written; kept for the next batch');
      return;
    }
    await maybePrune();
  }

  async function maybePrune(): Promise<void> {
    if (Date.now() - lastPrune < HOUR_MS) return;
    lastPrune = Date.now();
    try {
      ready ??= ensureUsageTables(target);
      await ready;
      await pruneUsage(target);
    } catch (error) {
      log.warn({ err: error }, 'field usage retention not applied');
    }
  }

  // One batch at a time, in order: two would race on the same rows.
  const flush = () => {
    flushing = flushing.then(writeBatch);
    return flushing;
  };
  const timer = setInterval(() => void flush(), settings.flushIntervalMs ?? DEFAULT_FLUSH_MS);
  timer.unref();

  return {
    name: 'usage',
    recorder: { flush, pending: () => [...pending.values()].reduce((n, c) => n + c.count, 0) },
    // A response-cache hit never reaches the runtime: it is counted here, by the document's hash,
    // once a request the runtime answered has taught the plugin that document.
    async frontDoor(request, next) {
      await next();
      if (recorded.has(request) || request.res.statusCode !== 200 || request.path !== '/graphql') return;
      const hit = askedFor(request);
      if (!hit) return;
      let operation = documents.get(hit.documentHash);
      if (!operation && schema && request.body) {
        try {
          const query = (JSON.parse(request.body) as { query?: unknown }).query;
          if (typeof query === 'string') operation = operationFor(hit.documentHash, parse(query), hit.operationName);
        } catch {
          // Not a document the runtime would have answered 200 from the cache.
        }
      }
      if (operation) count(request, operation);
    },
    runtime: [recording],
    close: async () => {
      clearInterval(timer);
      await flush();
    },
  };
}
