import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import type { ExecutionResult } from '@graphql-tools/utils';
import type { ReleaseAnnouncement } from '@nhs-hub/kit/platform';
import type { DocumentNode, FragmentDefinitionNode, SelectionSetNode } from 'graphql';
import type { HubPlugin } from '../plugin.js';
import type { DataVersion } from './data-version.js';

/** The subgraph whose Subscription type the gateway serves itself, and its one field. */
export const RELEASES_SUBGRAPH = 'releases';
const FIELD = 'releasePublished';

type Listener = (release: ReleaseAnnouncement) => void;

type Value = string | number | boolean | null | readonly Value[] | { readonly [key: string]: Value };

/** The release as the subgraph's Release type has it (`name`, `__typename`s), with the data version it moved the graph to. */
function published(release: ReleaseAnnouncement, dataVersion: string): Value {
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
    dataVersion,
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
  /** Subscriptions open in this replica: one per client stream, gone when the client goes. */
  readonly subscribers: () => number;
}

/**
 * `Subscription.releasePublished`, served by the gateway itself: the releases subgraph declares it
 * (so it is composed, typed and documented with the rest), and this plugin answers the planner's
 * call to that subgraph with the releases writers announce, as the data version plugin hears them
 * (its one Redis connection per replica on `<prefix>releases`, so every replica delivers every
 * release; without Redis, the local purge call's body), each with the version it moved the graph
 * to. Clients read it over
 * Server-Sent Events (Hive's `Accept: text/event-stream` and graphql-sse's distinct connections).
 */
export function releaseFeedPlugin(source: Pick<DataVersion, 'onRelease' | 'current'>): ReleaseFeed {
  const listeners = new Set<Listener>();
  const stopHearing = source.onRelease((release) => {
    for (const listener of listeners) listener(release);
  });

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
            return {
              done: false,
              value: { data: project(request.document, { [FIELD]: published(release, source.current()) }) },
            };
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
      // An executor answers whatever shape its document selects: the results of graphql-tools, the
      // runtime's executors' own type, leave `data` untyped for that, and this one projects the document.
      setExecutor((request) => stream(request));
    },
  };

  return {
    name: 'release-feed',
    runtime: [runtime],
    subscribers: () => listeners.size,
    close: async () => {
      stopHearing();
      listeners.clear();
    },
  };
}
