import '@nhs-hub/kit/telemetry';
import { createGatewayRuntime, type GatewayConfigSupergraph } from '@graphql-hive/gateway-runtime';
import { Logger } from '@graphql-hive/logger';
import { unifiedGraphHandler } from '@graphql-hive/router-runtime';
import httpTransport from '@graphql-mesh/transport-http';
import { type HubEnv, isProduction, readEnv } from '@nhs-hub/kit/platform';
import { type FrontDoor, startFrontDoor } from './front-door.js';
import type { GatewayMetrics } from './metrics.js';
import type { HubPlugin, HubServerContext } from './plugin.js';
import { authPlugin } from './plugins/auth.js';
import { boundedCachesPlugin } from './plugins/bounded-caches.js';
import { cachePurgePlugin } from './plugins/cache-purge.js';
import { corsPlugin } from './plugins/cors.js';
import { type DataVersion, dataVersionPlugin } from './plugins/data-version.js';
import { deferStreamPlugin } from './plugins/defer-stream.js';
import { demandControlPlugin } from './plugins/demand-control.js';
import { errorMaskingPlugin } from './plugins/error-masking.js';
import { type FairnessSettings, FAIRNESS_DEFAULTS, fairnessPlugin } from './plugins/fairness.js';
import { gatewaySignaturePlugin } from './plugins/gateway-signature.js';
import { hostileInputPlugin } from './plugins/hostile-input.js';
import { explorerPlugin } from './plugins/explorer.js';
import type { ExplorerSettings } from './plugins/explorer/operations.js';
import { inputScalarsPlugin } from './plugins/input-scalars.js';
import { limitsPlugin } from './plugins/limits.js';
import { noSuggestionsPlugin } from './plugins/no-suggestions.js';
import { persistedQueriesPlugin } from './plugins/persisted-queries.js';
import { requestIdPlugin } from './plugins/request-id.js';
import { type ReleaseFeed, releaseFeedPlugin } from './plugins/release-feed.js';
import { type CacheSettings, type ResponseCache, responseCachePlugin } from './plugins/response-cache.js';
import { subgraphTimeoutsPlugin } from './plugins/subgraph-timeouts.js';
import { telemetryPlugin } from './plugins/telemetry.js';
import { CLIENT_MANIFEST, trustedDocumentsPlugin } from './plugins/trusted-documents.js';
import { type UsageRecorder, type UsageSettings, usagePlugin } from './plugins/usage.js';
import { subgraphsOf, supergraphWithUrls } from './supergraph.js';

export { subgraphsOf, supergraphWithUrls } from './supergraph.js';

export interface GatewayOptions {
  readonly supergraphSdl: string;
  /** Subgraph URLs by name, overriding the URLs composed into the supergraph (tests run on port 0). */
  readonly subgraphUrls?: Readonly<Record<string, string>>;
  readonly port?: number;
  readonly host?: string | undefined;
  /** Operators' port (/health/*, /metrics, /admin/*); unset: everything on `port`. */
  readonly adminPort?: number | undefined;
  /** Milliseconds before a subgraph call is abandoned; the query answers with the rest of its data. */
  readonly subgraphTimeoutMs?: number;
  /** The response cache; off unless given (tests that do not test it see every change at once). */
  readonly cache?: CacheSettings | undefined;
  /** Introspection; on outside production unless set. */
  readonly introspection?: boolean | undefined;
  /** Browser origins allowed by CORS; undefined: localhost ports outside production, none in production. */
  readonly corsOrigins?: readonly string[] | undefined;
  /** The offline GraphiQL explorer, with these operations preloaded as tabs; off when undefined. */
  readonly explorer?: ExplorerSettings | undefined;
  /** Prometheus metrics at GET /metrics; on unless false. */
  readonly metrics?: boolean | undefined;
  /**
   * Rate limit per client, deadline per request, subgraph calls in flight per request. Unset: a
   * deadline and bounded calls, no rate limit (tests send thousands of requests from one address);
   * a deployed gateway takes all of it from its environment (gatewaySettingsFromEnv).
   */
  readonly fairness?: Partial<FairnessSettings> | undefined;
  /** The key subgraph calls are signed with (docs/security.md); HUB_GATEWAY_SECRET unless given. */
  readonly gatewaySecret?: string | undefined;
  /** Only the documents of these persisted-documents manifests run (HUB_TRUSTED_DOCUMENTS=on); any document when undefined. */
  readonly trustedDocuments?: { readonly manifests: readonly string[] } | undefined;
  /** Field usage by client, written to this database; not recorded when undefined. */
  readonly usage?: UsageSettings | undefined;
  /**
   * Where releases are announced (Redis `<prefix>releases`) and how often subgraphs are asked for
   * theirs; unset: the cache's Redis, and every 5 s.
   */
  readonly releases?:
    | { readonly redisUrl?: string | undefined; readonly redisKeyPrefix?: string; readonly refreshMs?: number }
    | undefined;
}

export interface RunningGateway extends FrontDoor {
  readonly cache: ResponseCache | null;
  /** The Prometheus registry served at /metrics, or null when metrics are off. */
  readonly metrics: GatewayMetrics | null;
  /** The runtime's byte-bounded caches (parsed documents, persisted queries), for operators and tests. */
  readonly caches: Pick<ReturnType<typeof boundedCachesPlugin>, 'documents' | 'persistedQueries'>;
  /** Field usage being recorded, or null when off. */
  readonly usage: UsageRecorder | null;
  /** The data version every answer carries (X-Hub-Data-Version). */
  readonly dataVersion: DataVersion;
  /** The releasePublished feed: its open subscriptions, for operators and tests. */
  readonly releases: Pick<ReleaseFeed, 'subscribers'>;
  /** Whether the runtime for `@defer` and `@stream` has been built (on the first such request). */
  readonly incremental: { readonly built: () => boolean };
}

const DEFAULT_SUBGRAPH_TIMEOUT_MS = 10_000;

/** The gateway settings a deployed process takes from its environment (see the kit's platform/env.ts). */
export function gatewaySettingsFromEnv(
  env: HubEnv = readEnv(),
): Pick<
  GatewayOptions,
  | 'cache'
  | 'subgraphTimeoutMs'
  | 'introspection'
  | 'host'
  | 'corsOrigins'
  | 'metrics'
  | 'adminPort'
  | 'trustedDocuments'
  | 'fairness'
  | 'releases'
> {
  return {
    // Writers announce releases in the cache's Redis whether or not this gateway caches answers.
    releases: { redisUrl: env.HUB_CACHE_REDIS_URL, redisKeyPrefix: env.HUB_CACHE_REDIS_PREFIX },
    fairness: {
      perSecond: env.HUB_RATE_LIMIT_PER_SECOND,
      burst: env.HUB_RATE_LIMIT_BURST,
      deadlineMs: env.HUB_REQUEST_DEADLINE_MS,
      trustedProxies: env.HUB_TRUSTED_PROXIES,
    },
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
    adminPort: env.HUB_ADMIN_PORT,
    trustedDocuments:
      env.HUB_TRUSTED_DOCUMENTS === 'on'
        ? { manifests: env.HUB_TRUSTED_DOCUMENTS_MANIFESTS ?? [CLIENT_MANIFEST] }
        : undefined,
  };
}

/**
 * The gateway: Hive Gateway's runtime with Hive Router's query planner and executor (Rust, through
 * a native addon), its behaviour in plugins (one concern per file under plugins/), behind the
 * front door. The order of the list is the order of the front-door steps and of the runtime's hooks.
 */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const production = isProduction();
  const supergraph = supergraphWithUrls(options.supergraphSdl, options.subgraphUrls);
  const telemetry = telemetryPlugin({ metrics: options.metrics !== false });
  const fairness = fairnessPlugin({ ...FAIRNESS_DEFAULTS, perSecond: 0, ...options.fairness });
  const signature = gatewaySignaturePlugin(options.gatewaySecret);
  const dataVersion = await dataVersionPlugin({
    subgraphs: subgraphsOf(supergraph),
    sign: signature.signCall,
    redisUrl: options.releases?.redisUrl ?? options.cache?.redisUrl,
    redisKeyPrefix: options.releases?.redisKeyPrefix ?? options.cache?.redisKeyPrefix,
    refreshMs: options.releases?.refreshMs,
  });
  const releases = releaseFeedPlugin(dataVersion.version);
  const cache = await responseCachePlugin(options.cache, telemetry.metrics, dataVersion.version);
  const caches = boundedCachesPlugin();
  const usage = usagePlugin(options.usage);
  const plugins: HubPlugin[] = [
    requestIdPlugin(),
    signature,
    hostileInputPlugin(),
    corsPlugin(options.corsOrigins, production),
    telemetry,
    authPlugin(),
    fairness,
    explorerPlugin(options.explorer),
    trustedDocumentsPlugin(
      options.trustedDocuments && {
        ...options.trustedDocuments,
        explorer: options.explorer !== undefined && !production,
      },
    ),
    limitsPlugin({ production, introspection: options.introspection ?? !production }),
    demandControlPlugin(supergraph, undefined, caches.forget, fairness.calls.charge),
    persistedQueriesPlugin(caches.persistedQueries),
    inputScalarsPlugin(),
    caches,
    errorMaskingPlugin(),
    noSuggestionsPlugin(production),
    usage,
    dataVersion,
    cache,
    cachePurgePlugin(cache.cache, options.cache?.purgeKey, dataVersion.version),
    releases,
  ];
  // Documents with @defer or @stream: a second runtime, built on the first (plugins/defer-stream.ts).
  const deferStream = deferStreamPlugin(
    supergraph,
    (extra) =>
      createGatewayRuntime<HubServerContext>({
        ...config,
        deferStream: true,
        plugins: () => [...config.plugins(), ...extra],
      }),
    (hash) => caches.persistedQueries.get(hash),
  );
  plugins.push(deferStream);
  const subgraphCalls = subgraphTimeoutsPlugin(
    subgraphsOf(supergraph),
    options.subgraphTimeoutMs ?? DEFAULT_SUBGRAPH_TIMEOUT_MS,
    plugins,
    telemetry.observe,
    fairness.calls,
  );
  plugins.unshift(subgraphCalls);

  // Both runtimes' settings but the executor: the main one plans with Hive Router's (Rust) planner.
  const config = {
    supergraph,
    // Imported here rather than resolved by name on the first request: the first answer does not
    // wait for it, and a bundle (scripts/bundle.ts) carries it.
    transports: { http: httpTransport },
    // Hive's own logger reads LOG_LEVEL too and refuses the hub's 'silent'; the hub logs through pino.
    logging: new Logger({ level: false }),
    landingPage: false,
    // Errors are shaped once, by the error-masking plugin; Yoga's masking would hide subgraph messages.
    maskedErrors: false,
    requestId: false,
    healthCheckEndpoint: '/__hive/live',
    readinessCheckEndpoint: '/__hive/ready',
    ...Object.assign({}, ...plugins.map((p) => p.runtimeOptions ?? {})),
    plugins: () => plugins.flatMap((p) => p.runtime ?? []),
  } satisfies GatewayConfigSupergraph<HubServerContext>;
  const runtime = createGatewayRuntime<HubServerContext>({ ...config, unifiedGraphHandler });
  // The unified graph (schema and query planner) is built on first use; build it before listening,
  // so a replica that says it is ready answers its first request at full speed.
  await runtime.getSchema();

  const door = await startFrontDoor({
    plugins,
    runtime,
    port: options.port,
    host: options.host,
    adminPort: options.adminPort,
    onClose: async () => {
      await runtime.dispose();
      for (const plugin of plugins) await plugin.close?.();
    },
  });
  return {
    ...door,
    cache: cache.cache,
    metrics: telemetry.metrics,
    caches,
    usage: usage.recorder,
    dataVersion: dataVersion.version,
    releases,
    incremental: deferStream,
  };
}
