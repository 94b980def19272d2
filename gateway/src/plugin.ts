import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayConfigBase, GatewayPlugin, GatewayRuntime } from '@graphql-hive/gateway-runtime';
import type { ExecutionResult } from 'graphql';
import {
  ANONYMOUS,
  type GatewayCall,
  type HubAuth,
  type ReadinessReport,
  type RequestTrace,
} from '@nhs-hub/kit/platform';
import { UNPARSED_OPERATION } from './metrics.js';

/**
 * What the front door learns about one request, handed to the GraphQL runtime as its server
 * context (`{ hub }`) and to every plugin: who is calling, what they asked, what went wrong.
 */
export class HubRequest {
  auth: HubAuth = ANONYMOUS;
  /** The operation name the caller sent, once read. */
  operationName: string | null = null;
  /** The metrics label: the parsed operation's name, `anonymous`, `other`, or `unparsed`. */
  operation = UNPARSED_OPERATION;
  /** Error codes of the answer, for the request log and the metrics. */
  readonly errors: string[] = [];
  /** The request's server span, when traced: subgraph calls are its children. */
  trace: RequestTrace | undefined;
  /** The response cache's key for this request, when its answer may be stored. */
  cacheKey: string | undefined;
  /**
   * The data version the answer is at least as new as, pinned when the request arrives
   * (plugins/data-version.ts): its cache key, ETag, header and `extensions.dataVersion` name it.
   */
  dataVersion: string | undefined = undefined;
  /** Headers a successful answer of an export carries (its ETag), set by the front door's steps. */
  readonly exportHeaders: Record<string, string> = {};
  /** The subgraphs the answer read from: its surrogate keys, for a CDN to purge by. */
  readonly subgraphs = new Set<string>();

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly requestId: string,
    /** The body, read within the size limit (POST), or undefined. */
    readonly body: string | undefined,
    readonly path: string,
  ) {}
}

/** The server context the runtime carries for each request. */
export interface HubServerContext {
  readonly hub: HubRequest;
}

/** The hub's part of a runtime context (a plugin hook's `context` or `serverContext`), if it has one. */
export function hubRequestOf(context: unknown): HubRequest | undefined {
  if (typeof context !== 'object' || context === null || !('hub' in context)) return undefined;
  return context.hub instanceof HubRequest ? context.hub : undefined;
}

/**
 * A part of an incremental answer (`@defer`, `@stream`; the 2022-08-24 draft Apollo Client reads):
 * the first like any answer, the later ones with what arrived in `incremental`, each with its errors.
 */
export type AnswerPart = ExecutionResult & {
  /** Set on every part of an incremental answer, never on a subscription's events. */
  readonly hasNext?: boolean;
  readonly incremental?: readonly (ExecutionResult & { readonly path?: readonly (string | number)[] })[];
};

/**
 * A stream of answers (an incremental answer's parts, a subscription's events) with each passed
 * through `each` as it arrives. A caller gone stops the source at once: a generator's return()
 * would wait for the part it is awaiting, which a quiet subscription may never send, and keep its
 * listener (release-feed.test.ts sees them let go).
 */
export function eachPart<P extends ExecutionResult>(
  parts: AsyncIterable<P>,
  each: (part: P & AnswerPart, first: boolean) => P,
): AsyncIterableIterator<P> {
  const source = parts[Symbol.asyncIterator]();
  let first = true;
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      const step = await source.next();
      if (step.done) return step;
      const value = each(step.value, first);
      first = false;
      return { done: false, value };
    },
    async return(value?: unknown) {
      await source.return?.(value);
      return { done: true, value: undefined };
    },
    async throw(error?: unknown) {
      if (source.throw) return source.throw(error);
      await source.return?.();
      throw error;
    },
  };
}

/** A front-door step: answers the request itself, or calls `next` to pass it on. */
export type FrontDoorStep = (request: HubRequest, next: () => Promise<void>) => Promise<void>;

/** Options of Hive's runtime a plugin may set (CORS, the explorer, introspection, CSRF). */
export type RuntimeOptions = Partial<
  Pick<
    GatewayConfigBase<HubServerContext>,
    'cors' | 'graphiql' | 'renderGraphiQL' | 'csrfPrevention' | 'disableIntrospection'
  >
>;

/**
 * One concern of the gateway, its behaviour whole in one file under plugins/ (what it computes
 * without a request, in plugins/<name>/, each with its test): what it does at the front door
 * (before the GraphQL runtime, in the order the gateway lists plugins), inside the runtime, on each
 * subgraph call, and which operator routes it serves.
 */
export interface HubPlugin {
  readonly name: string;
  readonly frontDoor?: FrontDoorStep;
  readonly runtime?: readonly GatewayPlugin[];
  readonly runtimeOptions?: RuntimeOptions;
  /** Headers each subgraph call carries, from the caller's request. */
  readonly forward?: (request: HubRequest) => Record<string, string>;
  /** Headers a subgraph call carries from the call itself, as sent (the gateway's signature of it). */
  readonly signCall?: (call: GatewayCall) => Record<string, string>;
  /** Paths besides /graphql and /exports/* whose requests its front-door step answers (the explorer's files). */
  readonly paths?: readonly (string | RegExp)[];
  /**
   * Another runtime to answer this request, after every front-door step passed it; the gateway's
   * own when no plugin names one (plugins/defer-stream.ts: documents with `@defer` or `@stream`).
   */
  readonly runtimeFor?: (request: HubRequest) => Promise<GatewayRuntime<HubServerContext>> | undefined;
  /** Routes for operators (/metrics, /admin/...): on the admin port when one is set. */
  readonly adminRoutes?: Readonly<Record<string, (request: HubRequest) => Promise<void> | void>>;
  /** Headers every answer of the front door carries (CORS for browsers). */
  readonly headers?: (req: IncomingMessage) => Record<string, string>;
  /** What it reports in /health/ready beside the checks (the data version). */
  readonly status?: () => Record<string, unknown>;
  /** Named readiness checks: true, or why it is degraded. */
  readonly checks?: () => Promise<Record<string, true | string>>;
  readonly close?: () => Promise<void>;
}

/** Runs the plugins' front-door steps in order, then `last`. */
export function frontDoorChain(
  plugins: readonly HubPlugin[],
  last: FrontDoorStep,
): (request: HubRequest) => Promise<void> {
  const steps = [...plugins.flatMap((p) => (p.frontDoor ? [p.frontDoor] : [])), last];
  return (request) => {
    const run = (i: number): Promise<void> => {
      const step = steps[i];
      return step ? step(request, () => run(i + 1)) : Promise.resolve();
    };
    return run(0);
  };
}

/** Readiness from every plugin's checks: a failing check degrades the gateway, never takes it out. */
export async function readinessOf(plugins: readonly HubPlugin[]): Promise<ReadinessReport & Record<string, unknown>> {
  const reports = await Promise.all(plugins.map((p) => p.checks?.() ?? {}));
  const checks: Record<string, true | string> = Object.assign({}, ...reports);
  const status: Record<string, unknown> = Object.assign({}, ...plugins.map((p) => p.status?.() ?? {}));
  return { ...status, ready: true, degraded: Object.values(checks).some((c) => c !== true), checks };
}
