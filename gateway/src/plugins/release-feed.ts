import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import type { ExecutionResult } from '@graphql-tools/utils';
import type { ReleaseAnnouncement } from '@nhs-hub/kit/platform';
import type { DocumentNode } from 'graphql';
import type { HubPlugin } from '../plugin.js';
import type { DataVersion } from './data-version.js';
import { project, published } from './release-feed/projection.js';

/** The subgraph whose Subscription type the gateway serves itself, and its one field. */
export const RELEASES_SUBGRAPH = 'releases';
const FIELD = 'releasePublished';

type Listener = (release: ReleaseAnnouncement) => void;

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
