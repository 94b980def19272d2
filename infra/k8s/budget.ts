import { USAGE_POOL_SIZE } from '@nhs-hub/gateway/usage';
import { POOL_SIZE } from '@nhs-hub/kit/db';
import type { Json, Manifest } from './render.js';

/**
 * The PostgreSQL connection budget: every connection the hub can open, counted from the rendered
 * manifests, within each role's limit and, all roles together, within max_connections less a
 * reserve. Serving pods (the subgraphs', and the gateways', which write field usage) reach the
 * primary through PgBouncer (the CloudNativePG Pooler), whose server-side pool per role is fixed
 * whatever the autoscalers do: a new replica queues for a pooled connection instead of being
 * refused one (and failing readiness). infra/tests/database.test.ts checks the arithmetic for every
 * overlay, and `npm run bench:topology` counts the server connections under load.
 */

/** The pg.Pool size of every subgraph process on PostgreSQL (packages/kit/src/db.ts); database.test.ts measures it. */
export const APP_POOL_SIZE = POOL_SIZE;
/** PgBouncer's server connections per database and role, per pooler instance (default_pool_size). */
export const POOLER_POOL_SIZE = 10;
/** PgBouncer instances (the overlays may lower it; the roles' limits allow the base's count). */
export const POOLER_INSTANCES = 2;
/** Client connections one PgBouncer accepts: room for every replica's pool landing on one instance. */
export const MAX_CLIENT_CONN = 1000;
export const MAX_CONNECTIONS = 200;
/**
 * Kept free of the hub's roles: superuser_reserved_connections (3), the operator's and the
 * exporter's connections, PgBouncer's auth queries, and an engineer's psql session.
 */
export const RESERVED_CONNECTIONS = 20;
/** A migrate Job: one pod (parallelism 1), one pool, as the schema owner, straight to the primary. */
export const OWNER_CONNECTION_LIMIT = APP_POOL_SIZE;
/** The gateway's migrate Job: one pod, the usage database's pool (gateway/src/usage.ts). */
export const USAGE_OWNER_CONNECTION_LIMIT = USAGE_POOL_SIZE;
/** A serving role: all of PgBouncer's server connections for it, on every instance. */
export const READER_CONNECTION_LIMIT = POOLER_POOL_SIZE * POOLER_INSTANCES;

/**
 * A workload that logs in to PostgreSQL: its Deployment's pods as the serving role, through
 * PgBouncer; its migrate Job's as the schema owner, straight to the primary.
 */
export interface DatabaseUser {
  /** The Deployment, and its HorizontalPodAutoscaler. */
  readonly deployment: string;
  /** The migrate Job's name in the base; an overlay suffixes it with the release. */
  readonly job: string;
  readonly serving: string;
  readonly owner: string;
  /** The pool each of its processes opens. */
  readonly pool: number;
}

type Obj = Record<string, Json>;
const obj = (v: unknown) => (v ?? {}) as Obj;

export interface RoleUse {
  readonly role: string;
  /** Connections the role can hold open at once. */
  readonly demand: number;
  readonly limit: number;
  readonly through: string;
}
export interface Budget {
  readonly roles: RoleUse[];
  readonly maxConnections: number;
  readonly reserved: number;
  readonly totalLimit: number;
  /** Client connections to one PgBouncer if every replica's pool landed on it. */
  readonly poolerClients: number;
  readonly maxClientConn: number;
}

/**
 * The budget of one rendered overlay. A serving role holds at most what PgBouncer pools for it on
 * every instance, and never more than its pods' pools together (PgBouncer opens a server
 * connection only for a client's transaction); a migrate Job's, its pods' pools.
 */
export function connectionBudget(objects: readonly Manifest[], users: readonly DatabaseUser[]): Budget {
  const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
  const cluster = objects.find((o) => o.kind === 'Cluster');
  const pooler = objects.find((o) => o.kind === 'Pooler');
  if (!cluster || !pooler) throw new Error('no Cluster or no Pooler rendered');
  const spec = obj(cluster.spec);
  const parameters = obj(obj(spec.postgresql).parameters);
  const maxConnections = Number(parameters.max_connections ?? 100);
  const poolerSpec = obj(pooler.spec);
  const bouncer = obj(obj(poolerSpec.pgbouncer).parameters);
  const poolSize = Number(bouncer.default_pool_size ?? 20);
  const instances = Number(poolerSpec.instances ?? 1);
  const limits = new Map(
    ((obj(spec.managed).roles ?? []) as Obj[]).map((r) => [String(r.name), Number(r.connectionLimit ?? -1)]),
  );
  const roles: RoleUse[] = [];
  let poolerClients = 0;
  for (const user of users) {
    const hpa = find('HorizontalPodAutoscaler', user.deployment);
    if (!hpa) throw new Error(`no HorizontalPodAutoscaler ${user.deployment} rendered`);
    const pods = Number(obj(hpa.spec).maxReplicas);
    poolerClients += pods * user.pool;
    roles.push({
      role: user.serving,
      demand: Math.min(instances * poolSize, pods * user.pool),
      limit: limits.get(user.serving) ?? -1,
      through: `PgBouncer: ${instances} instance(s) x default_pool_size ${poolSize}, ${pods} pod(s) x pool ${user.pool}`,
    });
    const job = objects.find((o) => o.kind === 'Job' && o.metadata.name.startsWith(`${user.job}-`));
    if (!job) throw new Error(`no migrate Job ${user.job} rendered`);
    const parallelism = Number(obj(job.spec).parallelism ?? 1);
    roles.push({
      role: user.owner,
      demand: parallelism * user.pool,
      limit: limits.get(user.owner) ?? -1,
      through: `migrate Job: ${parallelism} pod(s) x pool ${user.pool}`,
    });
  }
  return {
    roles,
    maxConnections,
    reserved: RESERVED_CONNECTIONS,
    totalLimit: roles.reduce((sum, r) => sum + r.limit, 0),
    poolerClients,
    maxClientConn: Number(bouncer.max_client_conn ?? 100),
  };
}

/** What breaks the budget, in words; empty when it holds. A limit of -1 (none) always breaks it. */
export function budgetProblems(b: Budget): string[] {
  const problems: string[] = [];
  for (const r of b.roles) {
    if (r.limit < 0) problems.push(`role ${r.role} has no connection limit`);
    else if (r.demand > r.limit)
      problems.push(`role ${r.role}: ${r.demand} connections (${r.through}) > limit ${r.limit}`);
  }
  if (b.totalLimit > b.maxConnections - b.reserved)
    problems.push(`roles' limits sum to ${b.totalLimit} > max_connections ${b.maxConnections} - reserve ${b.reserved}`);
  if (b.poolerClients > b.maxClientConn)
    problems.push(
      `${b.poolerClients} client connections could reach one PgBouncer > max_client_conn ${b.maxClientConn}`,
    );
  return problems;
}
