import { z } from 'zod';
import { type AddressRange, parseAddressRange } from './client-address.js';

/**
 * Environment for every hub process, validated once so a typo in a variable fails at start-up
 * with a readable message instead of surfacing later as a confusing connection error.
 */
/**
 * The standard OpenTelemetry variables the hub reads (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/).
 * Tracing is off unless an exporter or an OTLP endpoint is named; the OTLP exporter reads the
 * endpoint, headers, timeout and compression itself, and they are checked here first so a typo fails
 * at start-up rather than as spans that silently never arrive.
 */
const OtlpProtocol = z.enum(['http/protobuf', 'http/json'], {
  error: 'http/protobuf or http/json (the hub ships no gRPC exporter; collectors take OTLP/HTTP on port 4318)',
});
const OtlpCompression = z.enum(['gzip', 'none']);
// http(s) only: `collector:4318` is a valid URL (scheme "collector") and would fail only at export.
const OtlpUrl = z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL, e.g. http://otel-collector:4318' });
const OtlpTimeout = z.coerce.number().int().min(1).max(600_000);
const OpenTelemetryEnv = {
  /** 'true' switches every OpenTelemetry signal off, whatever else is set. */
  OTEL_SDK_DISABLED: z
    .string()
    .optional()
    .transform((v) => v?.trim().toLowerCase() === 'true'),
  /** Overrides each process's own name (nhs-hub-gateway, nhs-hub-<subgraph>). */
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  /** Extra resource attributes, key=value pairs separated by commas (e.g. deployment.environment.name=prod). */
  OTEL_RESOURCE_ATTRIBUTES: z.string().optional(),
  /** 'otlp' or 'console' switch traces on; 'none' keeps them off even with an endpoint set. */
  OTEL_TRACES_EXPORTER: z.enum(['otlp', 'console', 'none']).optional(),
  OTEL_TRACES_SAMPLER: z
    .enum([
      'always_on',
      'always_off',
      'traceidratio',
      'parentbased_always_on',
      'parentbased_always_off',
      'parentbased_traceidratio',
    ])
    .default('parentbased_always_on'),
  /** The ratio for the traceidratio samplers, 0 to 1. */
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).optional(),
  /** Base URL of an OTLP/HTTP receiver (traces go to <endpoint>/v1/traces); setting it switches traces on. */
  OTEL_EXPORTER_OTLP_ENDPOINT: OtlpUrl.optional(),
  /** Full URL traces are posted to, when it is not <OTEL_EXPORTER_OTLP_ENDPOINT>/v1/traces. */
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: OtlpUrl.optional(),
  OTEL_EXPORTER_OTLP_PROTOCOL: OtlpProtocol.optional(),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: OtlpProtocol.optional(),
  /** key=value pairs sent with every export (e.g. an API key for a hosted backend). */
  OTEL_EXPORTER_OTLP_HEADERS: z.string().optional(),
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: z.string().optional(),
  OTEL_EXPORTER_OTLP_TIMEOUT: OtlpTimeout.optional(),
  OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: OtlpTimeout.optional(),
  OTEL_EXPORTER_OTLP_COMPRESSION: OtlpCompression.optional(),
  OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: OtlpCompression.optional(),
  /** PEM files for TLS to the collector: the CA to trust, and a client certificate and key for mutual TLS. */
  OTEL_EXPORTER_OTLP_CERTIFICATE: z.string().min(1).optional(),
  OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE: z.string().min(1).optional(),
  OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: z.string().min(1).optional(),
  OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE: z.string().min(1).optional(),
  OTEL_EXPORTER_OTLP_CLIENT_KEY: z.string().min(1).optional(),
  OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY: z.string().min(1).optional(),
};

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  /** When set, the hub runs on this PostgreSQL server through `pg`; otherwise on embedded PGlite. */
  DATABASE_URL: z.url().optional(),
  /** Optional directory for a persistent PGlite database; in memory when unset. */
  PGLITE_DATA_DIR: z.string().min(1).optional(),
  /** Port of a subgraph started on its own; 0 picks a free port. */
  PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /**
   * The gateway's port for operators: /health/*, /metrics and /admin/* are served there and nowhere
   * else, so the port the public reaches (PORT) carries only /graphql and /exports. Unset: one port.
   */
  HUB_ADMIN_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** HS256 key shared by the gateway and subgraphs to verify bearer tokens; without it only public data is served. */
  HUB_JWT_SECRET: z.string().min(32, 'HUB_JWT_SECRET must be at least 32 characters').optional(),
  /**
   * The HS256 key before the last rotation, still accepted (never used to sign) until the tokens it
   * signed have expired: a rotation then has no moment where some processes refuse what others accept.
   */
  HUB_JWT_PREVIOUS_SECRET: z.string().min(32, 'HUB_JWT_PREVIOUS_SECRET must be at least 32 characters').optional(),
  HUB_JWT_ISSUER: z.string().min(1).optional(),
  HUB_JWT_AUDIENCE: z.string().min(1).optional(),
  /** Postgres schema a standalone subgraph keeps its tables in; its own name by default. */
  HUB_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a plain lower-case identifier')
    .optional(),
  /** Who a release (a load, delete, replace, revert or seed) is recorded as made by; user@host when unset. */
  HUB_RELEASE_ACTOR: z.string().trim().min(1).optional(),
  /** Interface a process listens on; 127.0.0.1 unless told otherwise (0.0.0.0 in a container). */
  HOST: z.string().min(1).optional(),
  /** The identity provider's JWKS endpoint; RS256/ES256 bearer tokens are verified against it. */
  HUB_JWT_JWKS_URL: z.url().optional(),
  /** Seconds of clock difference tolerated when checking a token's times. */
  HUB_JWT_CLOCK_SKEW_SECONDS: z.coerce.number().int().min(0).max(600).default(60),
  /**
   * Seconds between fetches of the JWKS when tokens name a `kid` it lacks (a rotation): a new key is
   * accepted at most this long after the provider publishes it, and tokens with made-up kids cannot
   * make the hub hammer the provider.
   */
  HUB_JWT_JWKS_COOLDOWN_SECONDS: z.coerce.number().int().min(0).max(3_600).default(30),
  /**
   * Longest a token may live, from its `iat` (or from now, without one) to its `exp`: a stolen
   * token is worth no more than this. 12 hours, a working day with margin, unless set.
   */
  HUB_JWT_MAX_LIFETIME_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(7 * 86_400)
    .default(43_200),
  /**
   * The key the gateway signs its calls to the subgraphs with (x-hub-gateway-signature), 32+
   * characters; in production a subgraph answers nothing else (docs/security.md). `npm start` makes
   * one for its own process when unset.
   */
  HUB_GATEWAY_SECRET: z.string().min(32).optional(),
  /**
   * Requests a second one client (its token's subject, else its address) may send on average, and
   * in a burst; over it, 429 with Retry-After. 0 turns the limit off.
   */
  HUB_RATE_LIMIT_PER_SECOND: z.coerce.number().min(0).max(100_000).default(20),
  HUB_RATE_LIMIT_BURST: z.coerce.number().int().min(1).max(100_000).default(60),
  /**
   * Proxies whose X-Forwarded-For the gateway believes, comma-separated addresses or CIDR ranges
   * (the ingress controller's pods): a request from one of them is the client's it forwarded, for
   * the rate limit. Unset: none, and every client is its socket's peer, so nobody can name
   * themselves another client by writing the header.
   */
  HUB_TRUSTED_PROXIES: z
    .string()
    .optional()
    .transform((v, ctx): readonly AddressRange[] => {
      const ranges: AddressRange[] = [];
      for (const entry of (v ?? '').split(',').map((e) => e.trim())) {
        if (!entry) continue;
        const range = parseAddressRange(entry);
        if (range) ranges.push(range);
        else
          ctx.addIssue({
            code: 'custom',
            message: `"${entry}" is not an IP address or a CIDR range such as 10.0.0.0/8 or fd00::/8`,
          });
      }
      return ranges;
    }),
  /** Milliseconds one request may take; then it answers with what it has and an error for the rest. */
  HUB_REQUEST_DEADLINE_MS: z.coerce.number().int().min(100).max(120_000).default(15_000),
  /** Introspection on or off; on outside production by default. */
  HUB_INTROSPECTION: z.enum(['true', 'false']).optional(),
  /** Where the gateway reads its supergraph; schema/supergraph.graphql by default. */
  HUB_SUPERGRAPH_PATH: z.string().min(1).optional(),
  /** Milliseconds before the gateway abandons a subgraph call (that subgraph's fields answer null with an error). */
  HUB_SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().min(1).max(120_000).default(10_000),
  /** The gateway's response cache: on (in memory, or in Redis when HUB_CACHE_REDIS_URL is set) or off. */
  HUB_CACHE: z.enum(['on', 'off']).default('on'),
  /** Seconds a cached response lives unless a seed or load purges it first. */
  HUB_CACHE_TTL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
  /** Redis shared by gateway replicas for the response cache (hits and purges). */
  HUB_CACHE_REDIS_URL: z.url().optional(),
  /** Prefix of every response-cache key in Redis; gateways sharing a cache must share it. */
  HUB_CACHE_REDIS_PREFIX: z.string().min(1).default('hub:rc:'),
  /** The gateway a load or seed tells to purge its response cache (a token with scope hub:cache:purge is needed). */
  HUB_GATEWAY_URL: z.url().optional(),
  /** A bearer token with scope hub:cache:purge, for a load or seed to purge the cache when it cannot mint one. */
  HUB_ADMIN_TOKEN: z.string().min(1).optional(),
  /**
   * A CDN or shared cache in front of the gateway (Varnish, Fastly, ...) that a load or seed tells
   * to drop the answers it named in `Surrogate-Key`: a request with this method to this URL
   * carrying `Surrogate-Key: <keys>` (infra/varnish/hub.vcl answers it). Unset: no CDN to purge.
   */
  HUB_CDN_PURGE_URL: z.url({ protocol: /^https?$/ }).optional(),
  HUB_CDN_PURGE_METHOD: z
    .string()
    .regex(/^[A-Z]+$/, 'an HTTP method in capitals, e.g. PURGE, BAN or POST')
    .default('PURGE'),
  /** Sent as `Authorization: Bearer <token>` with the CDN purge, for a CDN whose purge API wants one. */
  HUB_CDN_PURGE_TOKEN: z.string().min(1).optional(),
  /** How far the JS heap may grow past its live data before a full collection, in percent; 0: V8's own (packages/kit/src/platform/heap.ts). */
  HUB_HEAP_GROWING_PERCENT: z.coerce.number().int().min(0).max(1_000).default(100),
  /** Unset: info, or silent under test. */
  LOG_LEVEL: z.enum(['silent', 'error', 'warn', 'info', 'debug', 'trace']).optional(),
  /**
   * Browser origins allowed to call the gateway (CORS), comma-separated exact origins such as
   * https://tools.england.nhs.uk. Unset: none in production, any localhost port in development.
   */
  HUB_CORS_ORIGINS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return undefined;
      const origins = v
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean);
      for (const origin of origins) {
        let parsed: URL | null = null;
        try {
          parsed = new URL(origin);
        } catch {
          parsed = null;
        }
        if (!parsed || parsed.origin !== origin)
          ctx.addIssue({
            code: 'custom',
            message: `"${origin}" is not an exact origin such as https://tools.example.nhs.uk (no path, no trailing slash)`,
          });
      }
      return origins;
    }),
  /** The GraphiQL explorer at /graphql in a browser: on outside production unless set. */
  HUB_EXPLORER: z.enum(['on', 'off']).optional(),
  /** When a standalone subgraph seeds: only when its data changed (default), on every start, or never (a Job seeds it). */
  HUB_SEED: z.enum(['if-changed', 'always', 'never']).default('if-changed'),
  /** 'latest' migrates at start; 'verify' leaves migrating to a Job and stays unready until the schema is current. */
  HUB_MIGRATE: z.enum(['latest', 'verify']).default('latest'),
  /**
   * Trusted documents: 'on' runs only operations of registered persisted-documents manifests (by
   * hash, or their exact text); anything else answers 400 TRUSTED_DOCUMENT_REQUIRED. See docs/security.md.
   */
  HUB_TRUSTED_DOCUMENTS: z.enum(['on', 'off']).default('off'),
  /** The manifests registered, comma-separated paths; the one @nhs-hub/client's codegen writes unless set. */
  HUB_TRUSTED_DOCUMENTS_MANIFESTS: z
    .string()
    .optional()
    .transform((v) =>
      v
        ?.split(',')
        .map((p) => p.trim())
        .filter(Boolean),
    ),
  /**
   * PostgreSQL where a standalone gateway records field usage by client (schema hub_usage), read by
   * `npm run schema:usage` and `npm run schema:check`. Unset: a standalone gateway records none;
   * `npm start` records into the hub's own database.
   */
  HUB_USAGE_DATABASE_URL: z.url().optional(),
  /** Prometheus metrics at GET /metrics on the gateway (see README, Telemetry): on unless switched off. */
  HUB_METRICS: z.enum(['on', 'off']).default('on'),
  ...OpenTelemetryEnv,
});

/** Every variable the hub reads by a fixed name; deployment manifests may set only these (and the patterns below). */
export const ENV_KEYS: readonly string[] = Object.keys(EnvSchema.shape);

/** Variables named after a subgraph: SUBGRAPH_<NAME>_URL tells the gateway where subgraph <name> answers. */
export const ENV_KEY_PATTERNS: readonly RegExp[] = [/^SUBGRAPH_[A-Z][A-Z0-9_]*_URL$/];

export function isHubEnvKey(key: string): boolean {
  return ENV_KEYS.includes(key) || ENV_KEY_PATTERNS.some((pattern) => pattern.test(key));
}

export type HubEnv = z.infer<typeof EnvSchema>;

function invalid(issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[]): Error {
  const problems = issues.map((i) => `  ${i.path.map(String).join('.')}: ${i.message}`).join('\n');
  return new Error(`Invalid environment:\n${problems}`);
}

export function readEnv(source: NodeJS.ProcessEnv = process.env): HubEnv {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) throw invalid(parsed.error.issues);
  const problems = productionProblems(parsed.data);
  if (problems.length > 0) throw invalid(problems);
  return parsed.data;
}

/**
 * What a production process refuses to start with. Tokens are verified against the identity
 * provider's published keys only (HUB_JWT_JWKS_URL): a process holding an HS256 key could sign a
 * token with any scope, so none has one (HS256 is for local development). And a token counts only
 * from the expected issuer for the expected audience: one the same provider signed for another
 * service is refused. Checked at start-up, where the configuration is final.
 */
export function productionProblems(env: HubEnv): { path: string[]; message: string }[] {
  if (env.NODE_ENV !== 'production') return [];
  const problems: { path: string[]; message: string }[] = [];
  for (const key of ['HUB_JWT_SECRET', 'HUB_JWT_PREVIOUS_SECRET'] as const)
    if (env[key] !== undefined)
      problems.push({
        path: [key],
        message: 'an HS256 key is for local development; in production tokens are verified with HUB_JWT_JWKS_URL only',
      });
  if (env.HUB_JWT_JWKS_URL)
    for (const key of ['HUB_JWT_ISSUER', 'HUB_JWT_AUDIENCE'] as const)
      if (env[key] === undefined)
        problems.push({ path: [key], message: 'required in production: only tokens issued for this hub are accepted' });
  return problems;
}

const pickedSchemas = new Map<string, z.ZodType>();

/**
 * Some variables, validated exactly as readEnv() validates them, without failing on the others.
 * For code that runs on every request or at import (logging, token checks): it must follow the
 * variables as they are now (tests set them after import) and must not refuse to log because an
 * unrelated variable is wrong, which start-up's readEnv() reports anyway.
 */
export function readEnvVars<K extends keyof HubEnv>(
  keys: readonly K[],
  source: NodeJS.ProcessEnv = process.env,
): Pick<HubEnv, K> {
  const id = keys.join(',');
  let schema = pickedSchemas.get(id);
  if (!schema) {
    const shape: Partial<Record<keyof HubEnv, z.ZodType>> = {};
    for (const key of keys) shape[key] = EnvSchema.shape[key];
    schema = z.object(shape);
    pickedSchemas.set(id, schema);
  }
  const parsed = schema.safeParse(source);
  if (!parsed.success) throw invalid(parsed.error.issues);
  // The picked shape is EnvSchema's own for these keys, so its output is HubEnv's for them.
  return parsed.data as Pick<HubEnv, K>;
}

/**
 * The SUBGRAPH_<NAME>_URL overrides set for the given subgraph names (a gateway calls subgraph
 * <name> there instead of the URL composed into its supergraph), each validated as a URL.
 */
export function subgraphUrlOverrides(
  names: readonly string[],
  source: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const urls: Record<string, string> = {};
  const problems: { path: string[]; message: string }[] = [];
  for (const name of names) {
    const key = `SUBGRAPH_${name.toUpperCase()}_URL`;
    const value = source[key];
    if (!value) continue;
    const parsed = z.url().safeParse(value);
    if (parsed.success) urls[name] = parsed.data;
    else problems.push(...parsed.error.issues.map(({ message }) => ({ path: [key], message })));
  }
  if (problems.length > 0) throw invalid(problems);
  return urls;
}

/** NODE_ENV === 'production', read without a validation pass: for checks on a hot path. */
export function nodeEnvIsProduction(source: NodeJS.ProcessEnv = process.env): boolean {
  return source.NODE_ENV === 'production';
}

/** Whether the test runner started this process (VITEST is Vitest's own variable, not the hub's configuration). */
export function underTestRunner(source: NodeJS.ProcessEnv = process.env): boolean {
  return source.VITEST !== undefined && source.VITEST !== '';
}

/**
 * Hive Gateway's logger reads LOG_LEVEL itself, whatever logger it is given, and throws on pino's
 * 'silent'. The hub's own logs are pino's, read before this; Hive's are off, so 'error' changes
 * nothing but keeps Hive from throwing. The one place the hub writes its environment.
 */
export function keepLibraryLogLevelValid(source: NodeJS.ProcessEnv = process.env): void {
  if (source.LOG_LEVEL === 'silent') source.LOG_LEVEL = 'error';
}

/**
 * Makes `secret` this process's HUB_JWT_SECRET, for everything that reads the environment after
 * (token checks in the gateway and in subgraphs running in the same process): `npm start`'s local
 * development secret, when nothing else is configured.
 */
export function adoptJwtSecret(secret: string): void {
  process.env.HUB_JWT_SECRET = secret;
}
