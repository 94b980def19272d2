import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { DEFAULT_REDIS_KEY_PREFIX, type ReleaseAnnouncement, releasesChannel, rootLogger } from '@nhs-hub/kit/platform';
import type { DocumentNode, ExecutionResult, FragmentDefinitionNode, SelectionSetNode } from 'graphql';
import { Redis } from 'ioredis';
import { z } from 'zod';
import type { HubPlugin } from '../plugin.js';

/** The subgraph whose Subscription type the gateway serves itself, and its one field. */
export const RELEASES_SUBGRAPH = 'releases';
const FIELD = 'releasePublished';

export interface ReleaseFeedSettings {
  /** Redis where writers announce releases (HUB_CACHE_REDIS_URL): every replica hears every release. */
  readonly redisUrl?: string | undefined;
  readonly redisKeyPrefix?: string | undefined;
}

/** A writer's announcement as it arrives over Redis or in the purge call's body: checked, never trusted. */
const AnnouncementSchema = z.object({
  subgraph: z.string().regex(/^[a-z][a-z0-9_]*$/),
  id: z.number().int().positive(),
  at: z.string(),
  actor: z.string().default(''),
  kind: z.enum(['seed', 'load', 'delete', 'replace', 'revert']),
  tables: z.array(z.string()),
  files: z.array(z.object({ path: z.string(), sha256: z.string() })).default([]),
  counts: z.object({
    inserted: z.number().int(),
    updated: z.number().int(),
    deleted: z.number().int(),
    kept: z.number().int().optional(),
  }),
  reverts: z.number().int().nullable().default(null),
  revertedBy: z.number().int().nullable().default(null),
});

export function readAnnouncement(value: unknown): ReleaseAnnouncement | null {
  const parsed = AnnouncementSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

type Listener = (release: ReleaseAnnouncement) => void;

type Value = string | number | boolean | null | readonly Value[] | { readonly [key: string]: Value };

/** The release as the subgraph's Release type has it (`name`, `__typename`s); dataVersion once the gateway keeps one. */
function published(release: ReleaseAnnouncement): Value {
  return {
    __typename: 'Release',
    subgraph: release.subgraph,
    id: release.id,
    name: `${release.subgraph}.${release.id}`,
    at: release.at,
    kind: release.kind,
    tables: [...release.tables],
    counts: { __typename: 'ReleaseCounts', ...release.counts, kept: release.counts.kept ?? null },
    reverts: release.reverts,
    dataVersion: null,
  };
}

/**
 * The part of `value` the planner's document selects, under its aliases. Done here rather than by
 * graphql-js's execute: the runtime's graphql module is another instance (CommonJS) than this
 * file's, and a schema from one cannot be executed by the other.
 */
function project(document: DocumentNode, value: Value): Record<string, Value> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === 'FragmentDefinition') fragments.set(definition.name.value, definition);
  const select = (set: SelectionSetNode, from: Value): Value => {
    if (from === null || typeof from !== 'object') return from;
    if (Array.isArray(from)) return from.map((item: Value) => select(set, item));
    const source = from as { readonly [key: string]: Value };
    const out: Record<string, Value> = {};
    for (const selection of set.selections) {
      if (selection.kind === 'Field') {
        const field = source[selection.name.value] ?? null;
        out[selection.alias?.value ?? selection.name.value] = selection.selectionSet
          ? select(selection.selectionSet, field)
          : field;
      } else {
        const inner =
          selection.kind === 'InlineFragment'
            ? selection.selectionSet
            : fragments.get(selection.name.value)?.selectionSet;
        if (inner) Object.assign(out, select(inner, source));
      }
    }
    return out;
  };
  const operation = document.definitions.find((d) => d.kind === 'OperationDefinition');
  if (operation?.kind !== 'OperationDefinition') return {};
  return select(operation.selectionSet, value) as Record<string, Value>;
}

/** What the planner sends the releases subgraph for a subscription: the part of the request this reads. */
interface SubscriptionRequest {
  readonly document: DocumentNode;
  readonly variables?: Record<string, unknown> | undefined;
  readonly signal?: AbortSignal | undefined;
}

export interface ReleaseFeed extends HubPlugin {
  /** Hands a release to this gateway's subscribers; what the purge call's body carries when there is no Redis. */
  readonly publishLocal: (release: ReleaseAnnouncement) => void;
  /** True when releases come from Redis (the purge call's copy is then ignored: it would arrive twice). */
  readonly fromRedis: boolean;
  /** Subscriptions open in this replica: one per client stream, gone when the client goes. */
  readonly subscribers: () => number;
}

/**
 * `Subscription.releasePublished`, served by the gateway itself: the releases subgraph declares it
 * (so it is composed, typed and documented with the rest), and this plugin answers the planner's
 * call to that subgraph with the releases writers announce. With Redis, one subscriber connection
 * per replica on `<prefix>releases` fans out to every client of the replica, so every replica
 * delivers every release; without, the local purge call's body brings them. Clients read it over
 * Server-Sent Events (Hive's `Accept: text/event-stream` and graphql-sse's distinct connections).
 */
export function releaseFeedPlugin(settings: ReleaseFeedSettings = {}): ReleaseFeed {
  const log = rootLogger.child({ service: 'gateway', component: 'release-feed' });
  const listeners = new Set<Listener>();
  const deliver = (release: ReleaseAnnouncement) => {
    for (const listener of listeners) listener(release);
  };
  let subscriber: Redis | null = null;
  let lastError: string | null = null;
  if (settings.redisUrl) {
    const channel = releasesChannel(settings.redisKeyPrefix ?? DEFAULT_REDIS_KEY_PREFIX);
    subscriber = new Redis(settings.redisUrl, { maxRetriesPerRequest: null, enableOfflineQueue: true });
    subscriber.on('error', (error: Error) => {
      if (error.message !== lastError) log.warn({ error: error.message }, 'release feed: Redis unavailable');
      lastError = error.message;
    });
    subscriber.on('ready', () => {
      lastError = null;
    });
    subscriber.subscribe(channel).catch(() => undefined);
    subscriber.on('message', (from: string, message: string) => {
      if (from !== channel) return;
      let value: unknown;
      try {
        value = JSON.parse(message);
      } catch {
        return;
      }
      const release = readAnnouncement(value);
      if (release) deliver(release);
      else log.warn({ channel }, 'release feed: an announcement that is not a release was ignored');
    });
  }

  /** Each release, as the subgraph's own answer to the subscription document the planner sent it. */
  function stream(request: SubscriptionRequest): AsyncIterable<ExecutionResult> {
    const queue: ReleaseAnnouncement[] = [];
    let wake: (() => void) | null = null;
    let done = false;
    const listener: Listener = (release) => {
      queue.push(release);
      wake?.();
    };
    listeners.add(listener);
    const stop = () => {
      done = true;
      listeners.delete(listener);
      wake?.();
    };
    request.signal?.addEventListener('abort', stop, { once: true });
    return {
      [Symbol.asyncIterator]() {
        return {
          async next(): Promise<IteratorResult<ExecutionResult>> {
            while (!done && queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
            wake = null;
            const release = queue.shift();
            if (done || !release) return { done: true, value: undefined };
            return { done: false, value: { data: project(request.document, { [FIELD]: published(release) }) } };
          },
          async return(): Promise<IteratorResult<ExecutionResult>> {
            stop();
            return { done: true, value: undefined };
          },
        };
      },
    };
  }

  const runtime: GatewayPlugin = {
    onSubgraphExecute: ({ subgraphName, executionRequest, setExecutor }) => {
      if (subgraphName !== RELEASES_SUBGRAPH || executionRequest.operationType !== 'subscription') return;
      // The executor type is generic in its answer's shape; this one answers the document it was given.
      const executor = (request: SubscriptionRequest) => stream(request);
      setExecutor(executor as unknown as Parameters<typeof setExecutor>[0]);
    },
  };

  return {
    name: 'release-feed',
    runtime: [runtime],
    fromRedis: subscriber !== null,
    subscribers: () => listeners.size,
    publishLocal: (release) => {
      if (!subscriber) deliver(release);
    },
    checks: async (): Promise<Record<string, true | string>> =>
      subscriber ? { releaseFeed: subscriber.status === 'ready' ? true : `Redis ${subscriber.status}` } : {},
    close: async () => {
      listeners.clear();
      subscriber?.disconnect();
    },
  };
}
