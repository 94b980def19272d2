import { useCustomFetch } from '@graphql-hive/gateway-runtime';
import type { GatewayCall } from '@nhs-hub/kit/platform';
import { type HubPlugin, type HubRequest, hubRequestOf } from '../plugin.js';
import type { SubgraphCallLimits } from './fairness.js';
import { type SubgraphCallObserver, subgraphFetch } from './subgraph-timeouts/fetch.js';

/**
 * Subgraph calls: each abandoned after `timeoutMs` (the query answers with the rest of its data and
 * an error naming the subgraph), carrying the headers the other plugins forward from the caller's
 * request, and watched by `observe` (metrics, trace spans).
 */
export function subgraphTimeoutsPlugin(
  subgraphs: Readonly<Record<string, string>>,
  timeoutMs: number,
  others: readonly HubPlugin[],
  observe?: SubgraphCallObserver,
  limits?: SubgraphCallLimits,
): HubPlugin {
  const forwards = others.flatMap((p) => (p.forward ? [p.forward] : []));
  const signers = others.flatMap((p) => (p.signCall ? [p.signCall] : []));
  const signCall = (call: GatewayCall): Record<string, string> => Object.assign({}, ...signers.map((s) => s(call)));
  const forward = (context: unknown): Record<string, string> => {
    const hub: HubRequest | undefined = hubRequestOf(context);
    return hub ? Object.assign({}, ...forwards.map((f) => f(hub))) : {};
  };
  return {
    name: 'subgraph-timeouts',
    // A subgraph down costs its fields, not the graph: the gateway answers the rest with an error
    // naming it. Failing readiness for it would take every gateway replica out of its Service at
    // once and the whole graph offline; the gateway says `degraded` instead, naming what is missing.
    checks: async () => {
      const checks: Record<string, true | string> = {};
      await Promise.all(
        Object.entries(subgraphs).map(async ([name, url]) => {
          try {
            const res = await fetch(new URL('/health/ready', url), { signal: AbortSignal.timeout(2_000) });
            checks[name] = res.ok || `status ${res.status}`;
          } catch (error) {
            checks[name] = (error as Error).message;
          }
        }),
      );
      return checks;
    },
    runtime: [
      useCustomFetch(
        subgraphFetch(subgraphs, timeoutMs, {
          forward,
          signCall,
          ...(observe ? { observe } : {}),
          ...(limits ? { limits } : {}),
        }),
      ),
    ],
  };
}
