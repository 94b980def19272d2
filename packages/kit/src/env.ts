import { z } from 'zod';

/**
 * Environment for every hub process, validated once so a typo in a variable fails at start-up
 * with a readable message instead of surfacing later as a confusing connection error.
 */
const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  /** When set, the hub runs on this PostgreSQL server through `pg`; otherwise on embedded PGlite. */
  DATABASE_URL: z.url().optional(),
  /** Optional directory for a persistent PGlite database; in memory when unset. */
  PGLITE_DATA_DIR: z.string().min(1).optional(),
  /** Port of a subgraph started on its own; 0 picks a free port. */
  PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** HS256 key shared by the gateway and subgraphs to verify bearer tokens; without it only public data is served. */
  HUB_JWT_SECRET: z.string().min(32, 'HUB_JWT_SECRET must be at least 32 characters').optional(),
  HUB_JWT_ISSUER: z.string().min(1).optional(),
  HUB_JWT_AUDIENCE: z.string().min(1).optional(),
  /** Postgres schema a standalone subgraph keeps its tables in; its own name by default. */
  HUB_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a plain lower-case identifier').optional(),
  LOG_LEVEL: z.enum(['silent', 'error', 'warn', 'info', 'debug']).default('info'),
  /** Interface a server listens on; 127.0.0.1 unless set (0.0.0.0 in a container, so the pod IP answers). */
  HOST: z.string().min(1).optional(),
  /** Introspection on the gateway: on outside production unless set; 'true' turns it on in production. */
  HUB_INTROSPECTION: z.enum(['true', 'false']).optional(),
  /** Supergraph file the gateway serves; schema/supergraph.graphql unless set (a ConfigMap file when deployed). */
  HUB_SUPERGRAPH_PATH: z.string().min(1).optional(),
  /** When a standalone subgraph seeds: only when its data changed (default), on every start, or never (a Job seeds it). */
  HUB_SEED: z.enum(['if-changed', 'always', 'never']).default('if-changed'),
  /** 'latest' migrates at start; 'verify' leaves migrating to a Job and stays unready until the schema is current. */
  HUB_MIGRATE: z.enum(['latest', 'verify']).default('latest'),
});

/** Every variable the hub reads by a fixed name; deployment manifests may set only these (and the patterns below). */
export const ENV_KEYS: readonly string[] = Object.keys(EnvSchema.shape);

/** Variables named after a subgraph: SUBGRAPH_<NAME>_URL tells the gateway where subgraph <name> answers. */
export const ENV_KEY_PATTERNS: readonly RegExp[] = [/^SUBGRAPH_[A-Z][A-Z0-9_]*_URL$/];

export function isHubEnvKey(key: string): boolean {
  return ENV_KEYS.includes(key) || ENV_KEY_PATTERNS.some((pattern) => pattern.test(key));
}

export type HubEnv = z.infer<typeof EnvSchema>;

export function readEnv(source: NodeJS.ProcessEnv = process.env): HubEnv {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`Invalid environment:\n${problems}`);
  }
  return parsed.data;
}
