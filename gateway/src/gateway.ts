import '@nhs-hub/kit/telemetry';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createGatewayRuntime, type GatewayPlugin, useCustomFetch } from '@graphql-hive/gateway-runtime';
import { Logger } from '@graphql-hive/logger';
import { unifiedGraphHandler } from '@graphql-hive/router-runtime';
import httpTransport from '@graphql-mesh/transport-http';
import { useAPQ } from '@graphql-yoga/plugin-apq';
import { EnvelopArmor } from '@escape.tech/graphql-armor';
import {
  type DocumentNode,
  type ExecutionResult,
  getOperationAST,
  GraphQLError,
  type GraphQLSchema,
  Kind,
  type ValidationRule,
} from 'graphql';
import { authenticate, type HubAuth } from '@nhs-hub/kit/platform';
import { type HubEnv, readEnv } from '@nhs-hub/kit/platform';
import {
  type CachedAnswer,
  type CacheLookup,
  type CacheSettings,
  type ResponseCache,
  startResponseCache,
} from './plugins/response-cache.js';
import { CSRF_HEADERS, formatGatewayError } from './plugins/error-masking.js';
import { subgraphFetch } from './plugins/subgraph-timeouts.js';
import { ANONYMOUS_OPERATION, GatewayMetrics, UNPARSED_OPERATION } from './metrics.js';
import {
  endRequestTrace,
  nameOperation,
  type RequestTrace,
  startRequestTrace,
  startSubgraphCallTrace,
  withinTrace,
} from '@nhs-hub/kit/platform';
import { isProduction, rootLogger } from '@nhs-hub/kit/platform';
import { type RunningServer, sendJson, serve } from '@nhs-hub/kit/platform';
import { EXPORT_PATHS, executeThrough, handleExport } from './exports.js';
import { HubErrorCode } from '@nhs-hub/kit/platform';

export interface GatewayOptions {
  readonly supergraphSdl: string;
  /** Subgraph URLs by name, overriding the URLs composed into the supergraph (tests run on port 0). */
  readonly subgraphUrls?: Readonly<Record<string, string>>;
  readonly port?: number;
  readonly host?: string | undefined;
  /** Milliseconds before a subgraph call is abandoned; the query answers with the rest of its data. */
  readonly subgraphTimeoutMs?: number;
  /** The response cache; off unless given (tests that do not test it see every change at once). */
  readonly cache?: CacheSettings | undefined;
  /** Introspection; on outside production unless set. */
  readonly introspection?: boolean | undefined;
  /** Browser origins allowed by CORS; undefined: localhost ports outside production, none in production. */
  readonly corsOrigins?: readonly string[] | undefined;
  /** The offline GraphiQL explorer, with these operations preloaded as tabs; off when undefined. */
  readonly explorer?: { readonly operations: readonly ExplorerOperation[] } | undefined;
  /** Prometheus metrics at GET /metrics; on unless false. */
  readonly metrics?: boolean | undefined;
}

/** An operation the explorer opens as a tab, with example variables. */
export interface ExplorerOperation {
  readonly query: string;
  readonly variables?: Record<string, unknown>;
  /** The scope the operation needs, if any: its tab opens with an Authorization header to fill in. */
  readonly scope?: string;
}

const LOCALHOST = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/;

/**
 * CORS for browser apps on other origins. Tokens travel in `Authorization`, not cookies, so
 * credentials are never allowed: a page on an allowed origin can call the hub with its own token,
 * and no page can ride on a user's cookies. Origins are matched exactly; an origin not allowed
 * gets no CORS headers at all, so the browser blocks it.
 */
export function corsPolicy(allowed: readonly string[] | undefined, production: boolean) {
  const permits = (origin: string) => (allowed ? allowed.includes(origin) : !production && LOCALHOST.test(origin));
  return (origin: string | null | undefined) => {
    if (!origin || !permits(origin)) return false as const;
    return {
      origin: [origin],
      credentials: false,
      methods: ['GET', 'POST', 'OPTIONS'],
      allowedHeaders: [
        'content-type',
        'authorization',
        'x-request-id',
        'apollo-require-preflight',
        'x-apollo-operation-name',
        'graphql-preflight',
        'if-none-match',
      ],
      exposedHeaders: ['x-request-id', 'etag', 'content-disposition'],
      maxAge: 600,
    };
  };
}

/**
 * The same policy as headers, for what the front door answers itself rather than the GraphQL
 * runtime: a 401 for a bad token, a 413, an export. Without them a browser hides the answer and its
 * page sees only "Failed to fetch". `preflight` adds what an OPTIONS answer needs.
 */
export function corsHeaders(
  policy: ReturnType<typeof corsPolicy>,
  origin: string | undefined,
  preflight: boolean,
): Record<string, string> {
  const allowed = policy(origin);
  if (!allowed) return {};
  return {
    'access-control-allow-origin': origin ?? '',
    'access-control-expose-headers': allowed.exposedHeaders.join(', '),
    vary: 'Origin',
    ...(preflight
      ? {
          'access-control-allow-methods': allowed.methods.join(', '),
          'access-control-allow-headers': allowed.allowedHeaders.join(', '),
          'access-control-max-age': String(allowed.maxAge),
        }
      : {}),
  };
}

/**
 * The explorer's GraphiQL options: a tab per operation with its example variables, and the
 * Authorization header to fill in where the operation needs a scope. GraphiQL 5 fills the editors
 * it opens with from `variables`/`headers` rather than from the active tab (a tab opened later shows
 * its own), so the first tab's are given there too.
 */
export function explorerPage(operations: readonly ExplorerOperation[]) {
  const tabs = operations.map((o) => ({
    query: o.query,
    variables: o.variables ? JSON.stringify(o.variables, null, 2) : null,
    headers: o.scope ? JSON.stringify({ Authorization: `Bearer <a token with scope ${o.scope}>` }, null, 2) : null,
  }));
  const first: { variables?: string; headers?: string } = {
    ...(tabs[0]?.variables ? { variables: tabs[0].variables } : {}),
    ...(tabs[0]?.headers ? { headers: tabs[0].headers } : {}),
  };
  return { title: 'NHS region data hub', defaultTabs: tabs, shouldPersistHeaders: false, ...first };
}

export interface RunningGateway extends RunningServer {
  readonly cache: ResponseCache | null;
  /** The Prometheus registry served at /metrics, or null when metrics are off. */
  readonly metrics: GatewayMetrics | null;
}

const DEFAULT_SUBGRAPH_TIMEOUT_MS = 10_000;

/** The gateway settings a deployed process takes from its environment (see env.ts). */
export function gatewaySettingsFromEnv(
  env: HubEnv = readEnv(),
): Pick<GatewayOptions, 'cache' | 'subgraphTimeoutMs' | 'introspection' | 'host' | 'corsOrigins' | 'metrics'> {
  return {
    metrics: env.HUB_METRICS === 'on',
    corsOrigins: env.HUB_CORS_ORIGINS,
    cache:
      env.HUB_CACHE === 'on'
        ? {
            ttlMs: env.HUB_CACHE_TTL_SECONDS * 1000,
            redisUrl: env.HUB_CACHE_REDIS_URL,
            redisKeyPrefix: env.HUB_CACHE_REDIS_PREFIX,
          }
        : undefined,
    subgraphTimeoutMs: env.HUB_SUBGRAPH_TIMEOUT_MS,
    introspection: env.HUB_INTROSPECTION === undefined ? undefined : env.HUB_INTROSPECTION === 'true',
    host: env.HOST,
  };
}

/**
 * Limits on what one document may ask for, enforced before planning. They are set well above the
 * documented headline operations (which reach depth 7 and a few dozen aliases) and far below what
 * a hostile document needs to hurt the subgraphs.
 */
export const QUERY_LIMITS = {
  maxDepth: 12,
  maxAliases: 40,
  maxCost: 20_000,
  maxTokens: 4_000,
  maxDirectives: 40,
  maxStringLength: 1_000,
  /** Characters of document text; the public operations are 1-2 kB, a 4,000-token document fits. */
  maxDocumentLength: 50_000,
} as const;

function queryLimitPlugins(): GatewayPlugin[] {
  return new EnvelopArmor({
    maxDepth: { n: QUERY_LIMITS.maxDepth, ignoreIntrospection: true },
    maxAliases: { n: QUERY_LIMITS.maxAliases },
    costLimit: { maxCost: QUERY_LIMITS.maxCost, ignoreIntrospection: true },
    maxTokens: { n: QUERY_LIMITS.maxTokens },
    maxDirectives: { n: QUERY_LIMITS.maxDirectives },
    blockFieldSuggestion: { enabled: isProduction() },
  }).protect().plugins as GatewayPlugin[];
}

/**
 * graphql-js 16 has no rule for operation types the schema lacks (17 adds KnownOperationTypesRule),
 * so `mutation { ... }` on this read-only graph reached the query planner and came back as a 500.
 */
export const KnownOperationTypes: ValidationRule = (context) => ({
  OperationDefinition(node) {
    const schema = context.getSchema();
    const root =
      node.operation === 'query'
        ? schema.getQueryType()
        : node.operation === 'mutation'
          ? schema.getMutationType()
          : schema.getSubscriptionType();
    if (!root)
      context.reportError(
        new GraphQLError(`This graph has no ${node.operation} operations: it is read-only.`, { nodes: node }),
      );
  },
});

/**
 * Hive Router's executor leaves `data` out when every root field failed (a subgraph down, a code
 * not found). GraphQL says a failed nullable field is null and the rest of the answer stands, and
 * clients (and the hub's contract) rely on `{ "stp": null }` with its error, answered 200.
 */
export function withNulledRootFields(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  result: ExecutionResult,
): ExecutionResult {
  if (result.data != null || !result.errors?.length || !result.errors.every((e) => e.path?.length)) return result;
  const operation = getOperationAST(document, operationName);
  const root = operation ? (operation.operation === 'query' ? schema.getQueryType() : null) : null;
  if (!operation || !root) return result;
  const data: Record<string, null> = {};
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind !== Kind.FIELD) return result;
    const field = root.getFields()[selection.name.value];
    // A failed non-null root field makes the whole of data null, which is what we have. The schema
    // comes from Hive's CommonJS copy of graphql-js, so no instanceof check (isNonNullType) across realms.
    if (field && String(field.type).endsWith('!')) return { ...result, data: null };
    data[selection.alias?.value ?? selection.name.value] = null;
  }
  return { ...result, data };
}

/**
 * No argument of this graph needs a long literal (codes, dates, names), and a 500 kB one costs
 * every layer it crosses (planner, subgraph parse, SQL parameter) for nothing.
 */
export const MaxStringLength: ValidationRule = (context) => ({
  StringValue(node) {
    if (node.value.length <= QUERY_LIMITS.maxStringLength) return;
    context.reportError(
      new GraphQLError(
        `String literal limit exceeded: ${node.value.length} characters, the limit is ${QUERY_LIMITS.maxStringLength}. Codes, dates and names are short; pass long text as a variable if you really need it.`,
        {
          nodes: node,
          extensions: {
            code: HubErrorCode.QUERY_LIMIT_EXCEEDED,
            limit: 'maxStringLength',
            max: QUERY_LIMITS.maxStringLength,
            found: node.value.length,
          },
        },
      ),
    );
  },
});

/** The supergraph with each subgraph's `@join__graph(url:)` replaced where an override is given. */
export function supergraphWithUrls(supergraphSdl: string, urls: Readonly<Record<string, string>> = {}): string {
  let sdl = supergraphSdl;
  for (const [name, url] of Object.entries(urls)) {
    const pattern = new RegExp(`(@join__graph\\(name: "${name}", url: ")[^"]*(")`);
    if (!pattern.test(sdl)) throw new Error(`The supergraph has no subgraph named "${name}"`);
    sdl = sdl.replace(pattern, `$1${url}$2`);
  }
  return sdl;
}

/** Subgraph name and URL as the supergraph's `@join__graph` directives give them. */
export function subgraphsOf(supergraphSdl: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const match of supergraphSdl.matchAll(/@join__graph\(name: "([^"]+)", url: "([^"]*)"\)/g)) {
    if (match[1] && match[2] !== undefined) found[match[1]] = match[2];
  }
  return found;
}

/** A body already read, as the async iterable whatwg-node accepts in place of the consumed stream. */
function bodyOf(text: string): { readonly text: string; [Symbol.asyncIterator](): AsyncGenerator<Uint8Array> } {
  return {
    text,
    async *[Symbol.asyncIterator]() {
      yield Buffer.from(text);
    },
  };
}

/** What the front door learned about the caller, handed to the runtime with the request. */
interface HubServerContext {
  readonly requestId: string;
  readonly auth: HubAuth;
  /** Filled in by the plugins for the request log and the metrics. */
  readonly hubLog: {
    operationName: string | null;
    /** The metrics label: the parsed operation's name, `anonymous`, or `unparsed`. */
    operation: string;
    /** The document text, kept only while the response cache is on (see metrics.cachedOperationLabel). */
    document?: string | null;
    errors: string[];
  };
  /** The request's server span, when traced: subgraph calls are its children. */
  readonly hubTrace: RequestTrace | undefined;
}

const METRICS_PATH = '/metrics';
const PURGE_PATH = '/admin/cache/purge';

const JSON_ANSWER = 'application/json; charset=utf-8';
/** Media types the runtime answers a single result with, and the content type it answers each with. */
const JSON_ACCEPTS: Readonly<Record<string, string>> = {
  '*/*': JSON_ANSWER,
  'application/json': JSON_ANSWER,
  'application/graphql-response+json': 'application/graphql-response+json; charset=utf-8',
};

/**
 * The content type the runtime would answer with, as it chooses it: the first media type in the
 * caller's order that it serves, q-values ignored, types it does not serve skipped. null where its
 * choice could be a stream (event-stream, multipart) or a wildcard this does not model.
 */
export function jsonAnswerType(accept: string | undefined): string | null {
  if (!accept?.trim()) return JSON_ANSWER;
  for (const part of accept.split(',')) {
    const type = part.split(';')[0]?.trim().toLowerCase() ?? '';
    const answer = JSON_ACCEPTS[type];
    if (answer) return answer;
    if (type.includes('*') || type === 'text/event-stream' || type === 'multipart/mixed') return null;
  }
  return null;
}

interface PlainRequest {
  readonly request: CacheLookup;
  readonly contentType: string;
}

/**
 * A request the front door may answer from the response cache: a JSON POST of a document (no
 * persisted-query extensions, no conditional headers, an Accept it answers as the runtime does)
 * within the document limit. Anything else, and any miss, goes through the runtime, whose plugins
 * (limits, APQ, CSRF, the cache itself) decide. A cached answer exists only for a document and
 * variables that passed those plugins, under the same key, so a hit needs none of them again.
 */
function plainCacheableRequest(req: IncomingMessage, body: string): PlainRequest | null {
  if (req.method !== 'POST' || req.headers['if-none-match'] !== undefined) return null;
  if (!req.headers['content-type']?.startsWith('application/json')) return null;
  const contentType = jsonAnswerType(req.headers.accept);
  if (!contentType) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  const { query, variables, operationName, extensions } = parsed as Record<string, unknown>;
  if (typeof query !== 'string' || query.length > QUERY_LIMITS.maxDocumentLength || extensions !== undefined)
    return null;
  if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables)))
    return null;
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return null;
  return {
    request: { query, variables: variables as Record<string, unknown> | null | undefined, operationName },
    contentType,
  };
}
/** How GraphQL Yoga's response cache marks an answer it served (plugin-response-cache). */
const SERVED_FROM_CACHE = Symbol.for('servedFromResponseCache');

/**
 * The gateway: Hive Gateway's runtime with Hive Router's query planner and executor (Rust, through
 * a native addon), behind the same front door as every subgraph (health, request id, body limit).
 */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const timeoutMs = options.subgraphTimeoutMs ?? DEFAULT_SUBGRAPH_TIMEOUT_MS;
  const supergraph = supergraphWithUrls(options.supergraphSdl, options.subgraphUrls);
  const subgraphs = subgraphsOf(supergraph);
  const introspection = options.introspection ?? !isProduction();
  const cache = options.cache ? await startResponseCache(options.cache) : null;
  const cacheTtlSeconds = options.cache ? Math.floor(options.cache.ttlMs / 1000) : 0;
  const log = rootLogger.child({ service: 'gateway' });
  const metrics = options.metrics === false ? null : new GatewayMetrics();
  const cors = corsPolicy(options.corsOrigins, isProduction());

  const runtime = createGatewayRuntime<Partial<HubServerContext>>({
    supergraph,
    unifiedGraphHandler,
    // Imported here rather than resolved by name on the first request: the first answer does not wait
    // for it, and a bundle (scripts/bundle.ts) carries it.
    transports: { http: httpTransport },
    // Hive's own logger reads LOG_LEVEL too and refuses the hub's 'silent'; the hub logs through pino.
    logging: new Logger({ level: false }),
    landingPage: false,
    cors: (request) => cors(request.headers.get('origin')),
    // GraphiQL bundled from npm and inlined (scripts, styles, workers, icon): nothing is fetched
    // from a CDN, which NHS networks often block.
    graphiql: options.explorer ? explorerPage(options.explorer.operations) : false,
    // The bundled GraphiQL page weighs about 47 MB of RSS once loaded: only a process that serves
    // the explorer pays for it, on the first page view rather than at start-up.
    renderGraphiQL: async (graphiqlOptions) =>
      (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(graphiqlOptions),
    // Errors are shaped once, by formatGatewayError; Yoga's masking would hide subgraph messages.
    maskedErrors: false,
    requestId: false,
    healthCheckEndpoint: '/__hive/live',
    readinessCheckEndpoint: '/__hive/ready',
    // Same rule Apollo Server applied: a GET or a form post must carry a header a browser cannot
    // send cross-site without a preflight.
    csrfPrevention: { requestHeaders: [...CSRF_HEADERS] },
    ...(introspection ? {} : { disableIntrospection: { disableIf: () => true } }),
    plugins: () => [
      // The request id follows the query into every subgraph so logs join up; the token travels on
      // so each subgraph checks the caller itself rather than trusting the gateway. Set here, on
      // each subgraph call, rather than with Hive's propagateHeaders, which measured 4x slower.
      useCustomFetch(
        subgraphFetch(subgraphs, timeoutMs, {
          forward: (context) => {
            const headers = (context as { request?: Request } | undefined)?.request?.headers;
            const forwarded: Record<string, string> = {};
            const requestId = headers?.get('x-request-id');
            const authorization = headers?.get('authorization');
            if (requestId) forwarded['x-request-id'] = requestId;
            if (authorization) forwarded.authorization = authorization;
            return forwarded;
          },
          // Each call is timed for the metrics and, when traced, gets a client span whose traceparent
          // the subgraph continues. The parent comes from the context Hive hands over, not from
          // AsyncLocalStorage alone, so a span is never lost to a scheduler that drops it.
          observe: ({ subgraph, url, method, headers, context }) => {
            const hubTrace = (context as Partial<HubServerContext> | undefined)?.hubTrace;
            const endSpan = startSubgraphCallTrace(hubTrace?.context, subgraph, url, method, headers);
            if (!metrics && !endSpan) return undefined;
            const started = performance.now();
            return (outcome) => {
              const status = outcome.status ?? (outcome.timedOut ? 'timeout' : 'error');
              metrics?.recordSubgraphCall(subgraph, status, (performance.now() - started) / 1000);
              endSpan?.(outcome);
            };
          },
        }),
      ),
      ...queryLimitPlugins(),
      {
        onValidate: ({ addValidationRule, params, context }) => {
          addValidationRule(KnownOperationTypes);
          addValidationRule(MaxStringLength);
          // The document parsed: from here on the operation is named by the document itself, so
          // the metrics label and the span name come from the document, never from a bare parameter.
          const server = context as unknown as Partial<HubServerContext>;
          if (!server.hubLog) return;
          const operation = getOperationAST(params.documentAST, server.hubLog.operationName);
          if (!operation) return;
          const name = operation.name?.value;
          server.hubLog.operation = metrics ? metrics.operationLabel(name) : (name ?? ANONYMOUS_OPERATION);
          if (cache)
            metrics?.rememberDocument(server.hubLog.document, server.hubLog.operationName, server.hubLog.operation);
          nameOperation(server.hubTrace?.span, operation.operation, name);
        },
        onExecute: ({ args }) => ({
          onExecuteDone: ({ result, setResult }) => {
            if (Symbol.asyncIterator in result) return;
            const completed = withNulledRootFields(args.schema, args.document, args.operationName, result);
            if (completed !== result) setResult(completed);
          },
        }),
        onParams: ({ params, context }) => {
          const hub = (context as unknown as Partial<HubServerContext>).hubLog;
          if (hub) hub.operationName = params.operationName ?? null;
        },
      } satisfies GatewayPlugin,
      {
        // Version 1 is the only APQ protocol there is; anything else is the client's mistake, said as such.
        onParams: ({ params }) => {
          // Refused before it is parsed: the runtime keeps parsed documents (and APQ their text) in
          // caches of a thousand entries each, which the soak's 100-500 kB strings grew by 900 MB.
          if (typeof params.query === 'string' && params.query.length > QUERY_LIMITS.maxDocumentLength) {
            throw new GraphQLError(
              `Document length limit exceeded: ${params.query.length} characters, the limit is ${QUERY_LIMITS.maxDocumentLength}. Send a shorter document: select fewer fields, or pass long values as variables.`,
              {
                extensions: {
                  code: HubErrorCode.QUERY_LIMIT_EXCEEDED,
                  limit: 'maxDocumentLength',
                  max: QUERY_LIMITS.maxDocumentLength,
                  found: params.query.length,
                  http: { status: 400 },
                },
              },
            );
          }
          const persisted = (params.extensions as { persistedQuery?: { version?: unknown } } | undefined)
            ?.persistedQuery;
          if (persisted && persisted.version !== 1) {
            throw new GraphQLError(
              `Unsupported persisted query version ${JSON.stringify(persisted.version)}: this hub speaks version 1 (sha256Hash).`,
              {
                extensions: { code: HubErrorCode.PERSISTED_QUERY_VERSION_NOT_SUPPORTED, http: { status: 400 } },
              },
            );
          }
        },
      } satisfies GatewayPlugin,
      useAPQ(),
      ...(cache
        ? [
            {
              // The document as the cache sees it (after APQ filled it in), to name the answers it serves.
              onParams: ({ params, context }) => {
                const hub = (context as unknown as Partial<HubServerContext>).hubLog;
                if (hub) hub.document = params.query ?? null;
              },
            } satisfies GatewayPlugin,
            cache.plugin,
          ]
        : []),
      {
        onResultProcess: ({ request, result, setResult, serverContext }) => {
          if (Array.isArray(result) || !result || Symbol.asyncIterator in result) return;
          const hubLog = (serverContext as unknown as Partial<HubServerContext>).hubLog;
          // The response cache answers before the document is parsed. What it holds was parsed
          // when it was cached, so the operation is named as then (a name this process has seen).
          if (hubLog?.operation === UNPARSED_OPERATION && SERVED_FROM_CACHE in result) {
            hubLog.operation = metrics
              ? metrics.cachedOperationLabel(hubLog.document, hubLog.operationName)
              : (hubLog.operationName ?? ANONYMOUS_OPERATION);
            const hubTrace = (serverContext as unknown as Partial<HubServerContext>).hubTrace;
            nameOperation(hubTrace?.span, 'query', hubLog.operation);
            hubTrace?.span.setAttribute('hub.response_cache', 'hit');
          }
          const extensions = { ...result.extensions } as {
            http?: { status?: number; headers?: Record<string, string> };
          };
          // A GET (a persisted query by hash, or a short query) may be kept by browsers and CDNs; a
          // caller with a token only in its own cache. ETag and 304 come from the response cache.
          // Without the cache nothing would tell a browser that a load changed the data, so it
          // must ask again each time; an error is never kept.
          if (request.method === 'GET') {
            const holder = request.headers.has('authorization') ? 'private' : 'public';
            const policy = result.errors?.length
              ? 'no-store'
              : cacheTtlSeconds
                ? `${holder}, max-age=${cacheTtlSeconds}`
                : 'no-cache';
            extensions.http = {
              ...extensions.http,
              headers: { ...extensions.http?.headers, 'Cache-Control': policy, Vary: 'Authorization' },
            };
          }
          if (!result.errors?.length) {
            if (extensions.http) setResult({ ...result, extensions });
            return;
          }
          const requestId = request.headers.get('x-request-id') ?? '';
          const formatted = result.errors.map((error) => formatGatewayError(error, requestId, hubLog?.operationName));
          hubLog?.errors.push(...formatted.map((e) => String(e.extensions.code)));
          // The HTTP status rides on the result (Yoga strips it from the body); errors keep only what callers read.
          let status: number | undefined;
          const errors = formatted.map(({ extensions: { http, ...rest }, ...error }) => {
            if (http?.status && (!status || http.status > status)) status = http.status;
            return { ...error, extensions: rest };
          });
          if (status) extensions.http = { ...extensions.http, status };
          setResult({ ...result, errors: errors as never, extensions });
        },
      } satisfies GatewayPlugin,
    ],
  });

  /** One GraphQL request (or export, or purge) through the runtime, reporting what it did in `hubLog`. */
  async function answer(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    body: string | undefined,
    hubLog: HubServerContext['hubLog'],
    hubTrace: RequestTrace | undefined,
  ): Promise<void> {
    let auth: HubAuth;
    try {
      // A bad token is refused here with a 401 before any planning; a good one travels on.
      auth = await authenticate(req.headers.authorization);
    } catch (error) {
      const gql = error as GraphQLError;
      const status = (gql.extensions?.http as { status?: number } | undefined)?.status ?? 401;
      const code = String(gql.extensions?.code ?? HubErrorCode.UNAUTHENTICATED);
      hubLog.errors.push(code);
      return sendJson(res, status, { errors: [{ message: gql.message, extensions: { code, requestId } }] });
    }
    if (cache && new URL(req.url ?? '/', 'http://localhost').pathname === PURGE_PATH) {
      return cache.handlePurge(req, res, auth, requestId);
    }
    req.headers['x-request-id'] = requestId;
    const context: HubServerContext = { requestId, auth, hubLog, hubTrace };
    if (req.url?.startsWith('/exports/')) {
      return handleExport(
        req,
        res,
        executeThrough((request) => Promise.resolve(runtime.fetch(request, context)), req, requestId),
        requestId,
      );
    }
    if (cache && body !== undefined) {
      const asked = plainCacheableRequest(req, body);
      const hit = asked && (await cache.lookup(asked.request, auth));
      if (asked && hit) return answerFromCache(res, asked, hit, hubLog, hubTrace);
    }
    // The body was read within the size limit already; whatwg-node takes it from here.
    // A string would do, but whatwg-node calls Object.keys() on it: one key per character.
    if (body !== undefined) (req as IncomingMessage & { body?: unknown }).body = bodyOf(body);
    await (
      runtime.requestListener as unknown as (
        req: IncomingMessage,
        res: ServerResponse,
        context: HubServerContext,
      ) => Promise<void>
    )(req, res, context);
  }

  /**
   * A hit answered at the front door, as the runtime would answer it (the plugin's stored result, its
   * ETag and Last-Modified, the content type the caller accepts), named in the logs, metrics and
   * trace as a hit through the runtime is. The runtime's per-request pipeline (whatwg-node's Request
   * and Response, Yoga's parsing and body stream) was most of a warm hit's time.
   */
  function answerFromCache(
    res: ServerResponse,
    asked: PlainRequest,
    hit: CachedAnswer,
    hubLog: HubServerContext['hubLog'],
    hubTrace: RequestTrace | undefined,
  ): void {
    hubLog.operationName = asked.request.operationName ?? null;
    hubLog.document = asked.request.query;
    hubLog.operation = metrics
      ? metrics.cachedOperationLabel(asked.request.query, hubLog.operationName)
      : (hubLog.operationName ?? ANONYMOUS_OPERATION);
    nameOperation(hubTrace?.span, 'query', hubLog.operation);
    hubTrace?.span.setAttribute('hub.response_cache', 'hit');
    const { extensions, ...result } = hit;
    const { http, ...others } = extensions ?? {};
    const text = JSON.stringify(Object.keys(others).length ? { ...result, extensions: others } : result);
    res.statusCode = http?.status ?? 200;
    for (const [name, value] of Object.entries(http?.headers ?? {})) res.setHeader(name, value);
    res.setHeader('content-type', asked.contentType);
    res.setHeader('content-length', Buffer.byteLength(text));
    res.end(text);
  }

  // The unified graph (schema and query planner) is built on first use; build it before listening,
  // so a replica that says it is ready answers its first request at full speed.
  await runtime.getSchema();

  const running = await serve({
    name: 'gateway',
    handler: async (req: IncomingMessage, res: ServerResponse, { requestId, body }) => {
      // GraphQL's preflights are the runtime's; an export's (a token in Authorization) is answered here.
      if (req.method === 'OPTIONS' && req.url?.startsWith('/exports/')) {
        for (const [name, value] of Object.entries(corsHeaders(cors, req.headers.origin, true)))
          res.setHeader(name, value);
        res.statusCode = 204;
        return void res.end();
      }
      if (metrics && req.method === 'GET' && req.url?.split('?')[0] === METRICS_PATH) return metrics.respond(res);
      const started = performance.now();
      const hubLog: HubServerContext['hubLog'] = { operationName: null, operation: UNPARSED_OPERATION, errors: [] };
      const hubTrace = startRequestTrace('gateway', req);
      let seconds = 0;
      // A request that threw is answered 500 by the front door, after this handler has returned.
      let status = 500;
      try {
        await withinTrace(hubTrace, () => answer(req, res, requestId, body, hubLog, hubTrace));
        status = res.statusCode;
      } finally {
        seconds = (performance.now() - started) / 1000;
        // A purge is an operator's call, not a query: it would only blur the request counts.
        if (req.url?.split('?')[0] !== PURGE_PATH)
          metrics?.recordRequest(hubLog.operation, status, seconds, hubLog.errors);
        endRequestTrace(hubTrace, status, hubLog.errors);
      }
      log.info(
        {
          requestId,
          operationName: hubLog.operationName,
          status: res.statusCode,
          durationMs: Math.round(seconds * 10_000) / 10,
          errors: hubLog.errors,
        },
        'graphql request',
      );
    },
    port: options.port,
    host: options.host,
    headers: (req) => corsHeaders(cors, req.headers.origin, false),
    extraPaths: [...EXPORT_PATHS, ...(cache ? [PURGE_PATH] : []), ...(metrics ? [METRICS_PATH] : [])],
    ready: async () => {
      const checks: Record<string, boolean | string> = {};
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
      // A subgraph down costs its fields, not the graph: the gateway answers the rest with an error
      // naming it. Failing readiness here would take every gateway replica out of its Service at
      // once and the whole graph offline; it says `degraded` instead, naming what is missing.
      // The cache is an accelerator: without it the gateway still answers, uncached.
      if (cache) checks.responseCache = await cache.health();
      return { ready: true, degraded: Object.values(checks).some((c) => c !== true), checks };
    },
    onClose: async () => {
      await runtime.dispose();
      await cache?.close();
    },
  });
  return { ...running, cache, metrics };
}
