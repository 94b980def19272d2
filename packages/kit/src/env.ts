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
});

export type HubEnv = z.infer<typeof EnvSchema>;

export function readEnv(source: NodeJS.ProcessEnv = process.env): HubEnv {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`Invalid environment:\n${problems}`);
  }
  return parsed.data;
}
