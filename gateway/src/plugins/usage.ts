import { createHash } from 'node:crypto';
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { rootLogger } from '@nhs-hub/kit/platform';
import { type DocumentNode, type GraphQLSchema, getOperationAST, parse } from 'graphql';
import type { Kysely } from 'kysely';
import { LRUCache } from 'lru-cache';
import { type HubPlugin, type HubRequest, hubRequestOf } from '../plugin.js';
import { coordinatesOf, type RecordedOperation, USAGE_SCHEMA } from '../usage.js';
import { askedFor } from './response-cache/asked-for.js';
import { UsageBatches } from './usage/batches.js';
import { clientOf } from './usage/client.js';

export interface UsageSettings {
  /** The database usage is written to (the hub's own under `npm start`; HUB_USAGE_DATABASE_URL standalone). */
  readonly database: Kysely<unknown>;
  /** Postgres schema of the usage tables; hub_usage unless a test keeps its own. */
  readonly schema?: string;
  /** Milliseconds between batches written; 10 s unless given. */
  readonly flushIntervalMs?: number;
  /** HUB_MIGRATE: 'latest' (the default) creates missing tables; 'verify' runs no DDL (usage/batches.ts says why). */
  readonly migrate?: 'latest' | 'verify';
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

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Field usage by client (see ../usage.ts for what is kept and for how long). On the request path
 * only a map lookup and a counter: a document's coordinates are computed once per document hash;
 * counts are written in batches by a timer, and a failed batch is kept for the next (usage/batches.ts).
 */
export function usagePlugin(settings: UsageSettings | undefined): UsagePlugin {
  if (!settings) return { name: 'usage', recorder: null };
  const log = rootLogger.child({ service: 'gateway', plugin: 'usage' });
  const target = { db: settings.database, schema: settings.schema ?? USAGE_SCHEMA };
  const batches = new UsageBatches(target, log, DOCUMENTS_KEPT, settings.migrate === 'verify');
  const documents = new LRUCache<string, RecordedOperation>({ max: DOCUMENTS_KEPT });
  /** The query text and its hash per request, from onParams (after automatic persisted queries). */
  const asked = new WeakMap<HubRequest, { query: string | undefined; hash: string | undefined }>();
  const recorded = new WeakSet<HubRequest>();
  let schema: GraphQLSchema | undefined;

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
    batches.count(clientOf(request.req.headers), operation);
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

  const timer = setInterval(() => void batches.flush(), settings.flushIntervalMs ?? DEFAULT_FLUSH_MS);
  timer.unref();

  return {
    name: 'usage',
    recorder: { flush: () => batches.flush(), pending: () => batches.waiting() },
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
      await batches.flush();
    },
  };
}
