import { type AddressRange, clientAddressOf, HubErrorCode, sendErrors } from '@nhs-hub/kit/platform';
import type { HubPlugin, HubRequest } from '../plugin.js';
import { hubRequestOf } from '../plugin.js';
import { TokenBuckets } from './fairness/buckets.js';
import { Slots } from './fairness/slots.js';

export interface FairnessSettings {
  /** Requests a second per client on average; 0: no rate limit. */
  readonly perSecond: number;
  /** Requests a client may send at once before the rate applies. */
  readonly burst: number;
  /** Milliseconds a request may take before its remaining subgraph calls are abandoned. */
  readonly deadlineMs: number;
  /** Subgraph calls one request may have in flight at once. */
  readonly subgraphConcurrency: number;
  /** Proxies whose X-Forwarded-For names the client (HUB_TRUSTED_PROXIES); none: the socket's peer is. */
  readonly trustedProxies: readonly AddressRange[];
}

export const FAIRNESS_DEFAULTS: FairnessSettings = {
  perSecond: 20,
  burst: 60,
  deadlineMs: 15_000,
  // The planner's widest fan-out in the public operations is 4 subgraphs at once (StpOverview).
  subgraphConcurrency: 4,
  // Behind the ingress every anonymous caller would share the ingress pod's bucket: deployments name it.
  trustedProxies: [],
};

/** What the subgraph calls of one request need from this plugin (subgraph-timeouts.ts asks). */
export interface SubgraphCallLimits {
  /** performance.now() by which the request's subgraph calls must have answered. */
  deadline(context: unknown): number | undefined;
  /** Waits for one of the request's call slots; call the result when the call is over. */
  slot(context: unknown): Promise<() => void>;
  /** Charges the request's client for its estimated cost (demand control), beyond the one token it paid to come in. */
  charge(context: unknown, cost: number): void;
}

/**
 * Demand-control cost one token of the rate buys: StpOverview (106) costs a tenth of a token more,
 * AllStps at its largest page (14,801) 15 tokens, so a client sending the dearest queries gets
 * about one a second at the default rate, not twenty.
 */
export const COST_PER_TOKEN = 1_000;

/**
 * Fairness under load: a token bucket per client (the token's subject, else the caller's address,
 * through the trusted proxies' X-Forwarded-For),
 * each request paying one token and its demand-control cost over COST_PER_TOKEN more, answering 429
 * with Retry-After; a deadline per request, after which its subgraph calls still
 * out are abandoned and it answers what it has with an error for the rest; and at most a few
 * subgraph calls in flight per request, so one request's fan-out cannot take every socket.
 */
export function fairnessPlugin(
  settings: FairnessSettings = FAIRNESS_DEFAULTS,
): HubPlugin & { readonly calls: SubgraphCallLimits } {
  const buckets = new TokenBuckets(settings.perSecond, settings.burst);
  const started = new WeakMap<HubRequest, number>();
  const clientOf = new WeakMap<HubRequest, string>();
  const slots = new WeakMap<HubRequest, Slots>();
  const clientAddress = clientAddressOf(settings.trustedProxies);

  const calls: SubgraphCallLimits = {
    deadline: (context) => {
      const hub = hubRequestOf(context);
      const at = hub && started.get(hub);
      return at === undefined ? undefined : at + settings.deadlineMs;
    },
    charge: (context, cost) => {
      const hub = hubRequestOf(context);
      const key = hub && clientOf.get(hub);
      if (key !== undefined) buckets.charge(key, cost / COST_PER_TOKEN);
    },
    slot: (context) => {
      const hub = hubRequestOf(context);
      if (!hub) return Promise.resolve(() => undefined);
      let own = slots.get(hub);
      if (!own) {
        own = new Slots(settings.subgraphConcurrency);
        slots.set(hub, own);
      }
      return own.take();
    },
  };

  return {
    name: 'fairness',
    calls,
    async frontDoor(request, next) {
      started.set(request, performance.now());
      if (settings.perSecond > 0) {
        const key = request.auth.subject !== null ? `sub:${request.auth.subject}` : `ip:${clientAddress(request.req)}`;
        clientOf.set(request, key);
        const waitSeconds = buckets.admit(key, performance.now());
        if (waitSeconds > 0) {
          const retryAfter = Math.max(1, Math.ceil(waitSeconds));
          request.errors.push(HubErrorCode.RATE_LIMITED);
          request.res.setHeader('retry-after', String(retryAfter));
          return sendErrors(request.req, request.res, 429, [
            {
              message: `Too many requests: this client may send ${settings.perSecond} a second (bursts of ${settings.burst}). Retry after ${retryAfter} s.`,
              extensions: {
                code: HubErrorCode.RATE_LIMITED,
                retryAfterSeconds: retryAfter,
                requestId: request.requestId,
              },
            },
          ]);
        }
      }
      await next();
    },
  };
}
