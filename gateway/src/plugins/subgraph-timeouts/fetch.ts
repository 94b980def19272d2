import { Agent, request } from 'node:http';
import type { GatewayCall } from '@nhs-hub/kit/platform';
import type { SubgraphCallLimits } from '../fairness.js';
import { callDeadline } from './deadline.js';

/** What one subgraph call ended with: its HTTP status, or the error that left it without one. */
export interface SubgraphCallOutcome {
  readonly status?: number;
  readonly error?: Error;
  readonly timedOut?: boolean;
}

/**
 * Watches one subgraph call (metrics, a trace span): called as the call starts, with the headers it
 * is about to send (a `traceparent` may be added), and returns what to call when it ends.
 */
export type SubgraphCallObserver = (call: {
  readonly subgraph: string;
  readonly url: URL;
  readonly method: string;
  readonly headers: Record<string, string | number>;
  readonly context: unknown;
}) => ((outcome: SubgraphCallOutcome) => void) | undefined;

export interface SubgraphFetchHooks {
  /** Headers to add from the client's request (the gateway's context), e.g. the request id. */
  readonly forward?: (context: unknown) => Record<string, string>;
  /** Headers from the call as sent (the gateway's signature of its method, path and body). */
  readonly signCall?: (call: GatewayCall) => Record<string, string>;
  readonly observe?: SubgraphCallObserver;
  /** The request's deadline and its share of concurrent calls (fairness.ts). */
  readonly limits?: SubgraphCallLimits;
}

/**
 * The gateway's subgraph calls over node:http with a keep-alive agent. Measured here, a loopback
 * round trip costs 0.25 ms this way against 0.8 ms through the WHATWG fetch (undici). Errors name
 * the subgraph and, for a timeout, the limit, so a slow subgraph can be told from a broken one.
 */
export function subgraphFetch(
  subgraphs: Readonly<Record<string, string>>,
  timeoutMs: number,
  { forward, signCall, observe, limits }: SubgraphFetchHooks = {},
  agent: Agent = sharedAgent(),
): (
  url: string,
  init?: { method?: string; headers?: Record<string, string>; body?: unknown },
  context?: unknown,
) => Promise<Response> {
  const nameOf = new Map(Object.entries(subgraphs).map(([name, url]) => [url, name]));
  const call = (
    url: string,
    init: Parameters<typeof fetchFrom>[1],
    context: unknown,
    requestDeadline: number | undefined,
  ) => {
    const subgraph = nameOf.get(url) ?? url;
    const target = new URL(url);
    const body = typeof init?.body === 'string' ? init.body : init?.body === undefined ? '' : String(init.body);
    const method = init?.method ?? 'POST';
    const path = `${target.pathname}${target.search}`;
    const headers: Record<string, string | number> = {
      ...init?.headers,
      ...forward?.(context),
      ...signCall?.({ method, path, body }),
      'content-length': Buffer.byteLength(body),
    };
    const watching = observe?.({ subgraph, url: target, method, headers, context });
    let reported = false;
    // A timed-out request can still emit 'error' after its answer ended: report one outcome only.
    const ended = (outcome: SubgraphCallOutcome) => {
      if (reported || !watching) return;
      reported = true;
      watching(outcome);
    };
    const { deadline, late } = callDeadline(subgraph, performance.now(), timeoutMs, requestDeadline);
    const attempt = (retriesLeft: number): Promise<Response> =>
      new Promise<Response>((resolve, reject) => {
        let answered = false;
        const req = request(
          {
            host: target.hostname,
            port: target.port,
            path,
            method,
            headers,
            agent,
          },
          (res) => {
            answered = true;
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('error', (error) => {
              clearTimeout(timer);
              const broken = new Error(`Subgraph "${subgraph}" broke off its answer: ${error.message}`);
              ended({ error: broken });
              reject(broken);
            });
            res.on('end', () => {
              clearTimeout(timer);
              ended({ status: res.statusCode ?? 502 });
              const responseHeaders = new Headers();
              for (const [name, value] of Object.entries(res.headers)) {
                if (value !== undefined) responseHeaders.set(name, Array.isArray(value) ? value.join(', ') : value);
              }
              resolve(
                new Response(Buffer.concat(chunks), {
                  status: res.statusCode ?? 502,
                  statusText: res.statusMessage ?? '',
                  headers: responseHeaders,
                }),
              );
            });
          },
        );
        const timer = setTimeout(() => req.destroy(new TimeoutError(late)), Math.max(1, deadline - performance.now()));
        req.on('error', (error) => {
          clearTimeout(timer);
          const timedOut = error instanceof TimeoutError;
          // The graph is read-only (KnownOperationTypes refuses mutations), so a call refused or reset
          // before any answer is safe to send again, once: a replica that just stopped (its
          // endpoint not yet removed by Kubernetes) or a keep-alive socket the subgraph closed.
          if (!timedOut && !answered && retriesLeft > 0 && RETRYABLE.has((error as NodeJS.ErrnoException).code ?? '')) {
            resolve(attempt(retriesLeft - 1));
            return;
          }
          const failed = timedOut ? error : new Error(`Subgraph "${subgraph}" is unreachable: ${error.message}`);
          ended({ error: failed, timedOut });
          reject(failed);
        });
        req.end(body);
      });
    return attempt(1);
  };
  const fetchFrom = async (
    url: string,
    init?: { method?: string; headers?: Record<string, string>; body?: unknown },
    context?: unknown,
  ): Promise<Response> => {
    if (!limits) return call(url, init, context, undefined);
    const release = await limits.slot(context);
    try {
      return await call(url, init, context, limits.deadline(context));
    } finally {
      release();
    }
  };
  return fetchFrom;
}

/** Errors that mean the request never reached a subgraph that could answer it. */
const RETRYABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTCONN']);

class TimeoutError extends Error {
  override name = 'TimeoutError';
}

let agent: Agent | undefined;
function sharedAgent(): Agent {
  // Enough sockets for 50 concurrent clients fanning out to every subgraph; idle ones are kept.
  agent ??= new Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64, scheduling: 'lifo' });
  return agent;
}
