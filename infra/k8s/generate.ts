import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Cluster } from '@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/Cluster';
import { Pooler } from '@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/Pooler';
import { ScheduledBackup } from '@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/ScheduledBackup';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Job } from 'kubernetes-models/batch/v1/Job';
import type { IContainer, IEnvVar, IPodSpec } from 'kubernetes-models/v1';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { stringify } from 'yaml';
import { USAGE_POOL_SIZE, USAGE_SCHEMA } from '@nhs-hub/gateway/usage';
import { bundleScript, gatewayPort, portOf, REPO_ROOT, readGraphConfig, type SubgraphEntry } from '@nhs-hub/kit/repo';
import { DRAIN_TIMEOUT_MS } from '@nhs-hub/kit/subgraph';
import {
  APP_POOL_SIZE,
  type DatabaseUser,
  MAX_CLIENT_CONN,
  MAX_CONNECTIONS,
  OWNER_CONNECTION_LIMIT,
  POOLER_INSTANCES,
  POOLER_POOL_SIZE,
  READER_CONNECTION_LIMIT,
  USAGE_OWNER_CONNECTION_LIMIT,
} from './budget.js';
import { clusterMonitors, monitoringObjects } from './monitoring.js';
import { networkPolicies } from './network.js';
import { K8S_DIR } from './render.js';

/**
 * Writes the kustomize base (infra/k8s/base/) from schema/subgraphs.json, as `npm run compose`
 * writes the supergraph: one Deployment, Service, PodDisruptionBudget and HorizontalPodAutoscaler
 * per subgraph and the gateway's, a migrate Job per subgraph and the gateway's (base/migrate/), the
 * CloudNativePG Cluster with two managed roles per subgraph and two for the gateway's field usage,
 * and roles.sql giving each its schema. Typed through kubernetes-models, so a misspelt field does not compile. infra/tests/k8s.test.ts fails when the checked-in files are stale.
 *
 *   npm run k8s:generate -w @nhs-hub/infra
 */
export const BASE_DIR = join(K8S_DIR, 'base');

/** What the servers serve (packages/kit/src/platform/server.ts); the tests check them against a running server. */
export const PROBES = { live: '/health/live', ready: '/health/ready' } as const;
export const GATEWAY_PORT = gatewayPort();
/** Where the gateway serves Prometheus metrics (gateway/src/gateway.ts); the tests scrape it. */
export const METRICS_PATH = '/metrics';
export const IMAGE = 'nhs-region-hub';
export const DATABASE = 'hub';
export const CLUSTER = 'hub-db';
/** The point-in-time recovery cluster (k8s/restore). */
export const RESTORE_CLUSTER = `${CLUSTER}-restore`;
/** The CloudNativePG Pooler (PgBouncer) the serving pods reach the primary through. */
export const POOLER = `${CLUSTER}-pooler-rw`;
export const RESTORE_POOLER = `${RESTORE_CLUSTER}-pooler-rw`;
/** The gateway's second port: /health/*, /metrics and /admin/* (HUB_ADMIN_PORT), never behind the Ingress. */
export const ADMIN_PORT = 9090;
/** The Service in front of the gateways' admin port: the ServiceMonitor's, and `kubectl port-forward`'s. */
export const GATEWAY_ADMIN_SERVICE = 'gateway-admin';
/**
 * Per subgraph: the schema owner's credentials for CloudNativePG (username, password) and the
 * migrate Job's DATABASE_URL (uri, straight to the primary).
 */
/** The Secret every process reads HUB_GATEWAY_SECRET from (key `secret`, 32+ characters). */
export const GATEWAY_SECRET = 'hub-gateway';
export const dbSecret = (name: string) => `hub-db-${name}`;
/** Per subgraph: the read-only serving role's credentials and the serving pods' DATABASE_URL (uri, through PgBouncer). */
export const dbReaderSecret = (name: string) => `hub-db-${name}-reader`;
/** The Postgres role that owns a subgraph's schema (its name, the HUB_SCHEMA default): the migrate Jobs log in as it. */
export const roleOf = (name: string) => name;
/** The role the subgraph's serving pods log in as: it can read its schema's tables and nothing more. */
export const readerOf = (name: string) => `${name}_reader`;
/**
 * The gateway's field usage (gateway/src/usage.ts): schema hub_usage, owned by the role of its
 * name, which only the gateway's migrate Job logs in as (it creates the tables); the gateways log in
 * as the writer, through PgBouncer, which can add, update and delete the tables' rows and nothing more.
 */
export const USAGE_OWNER = USAGE_SCHEMA;
export const USAGE_WRITER = `${USAGE_SCHEMA}_writer`;
/** A role's Secret, named as the runbook's hub_db_secret names it (a Secret's name has no `_`). */
export const secretOfRole = (role: string) => `hub-db-${role.replaceAll('_', '-')}`;

const labels = (name: string, component: string) => ({
  'app.kubernetes.io/name': name,
  'app.kubernetes.io/part-of': 'nhs-region-hub',
  'app.kubernetes.io/component': component,
});

const secretEnv = (name: string, secret: string, key: string): IEnvVar => ({
  name,
  valueFrom: { secretKeyRef: { name: secret, key } },
});

/**
 * No process holds a key that can sign a token: they verify tokens against the identity provider's
 * published keys (HUB_JWT_JWKS_URL, issuer and audience in each overlay's hub-config), and a
 * production process with an HS256 key refuses to start (packages/kit/src/platform/env.ts). HS256 stays for
 * local development (npm start).
 */
/** The key the gateway signs subgraph calls with: in production a subgraph answers nothing else (docs/security.md). */
const gatewaySecretEnv = (): IEnvVar => secretEnv('HUB_GATEWAY_SECRET', GATEWAY_SECRET, 'secret');

/** Locked down as the restricted Pod Security Standard asks: the image needs nothing more. */
const podSecurity: IPodSpec['securityContext'] = {
  runAsNonRoot: true,
  runAsUser: 1000,
  runAsGroup: 1000,
  seccompProfile: { type: 'RuntimeDefault' },
};
const containerSecurity: IContainer['securityContext'] = {
  runAsNonRoot: true,
  readOnlyRootFilesystem: true,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};
/**
 * How long a stopping pod keeps serving before it gets SIGTERM. Removing a pod from a Service's
 * endpoints and stopping it happen in parallel: kube-proxy, nginx ingresses and the gateway's own
 * keep-alive connections learn of the removal a moment later, and a process that stopped accepting
 * at once would refuse the requests they still send it. A lifecycle sleep (Kubernetes 1.30+) needs
 * no shell or sleep binary in the image.
 */
export const PRE_STOP_SECONDS = 5;
/** After SIGTERM the servers drain in-flight requests, forced after this long. */
export const DRAIN_SECONDS = DRAIN_TIMEOUT_MS / 1000;
/** Above the pre-stop sleep and the drain together, with room for closing database pools: no SIGKILL mid-drain. */
export const TERMINATION_GRACE_SECONDS = 30;

const resources: IContainer['resources'] = {
  requests: { cpu: '100m', memory: '256Mi' },
  limits: { cpu: '1', memory: '512Mi' },
};

function container(name: string, port: number, env: IEnvVar[], args: string[]): IContainer {
  return {
    name,
    image: IMAGE,
    command: ['node', ...args],
    ports: [{ name: 'http', containerPort: port }],
    envFrom: [{ configMapRef: { name: 'hub-config' } }],
    env: [{ name: 'PORT', value: String(port) }, ...env],
    resources,
    securityContext: containerSecurity,
    // Readiness: the database answers (subgraph); the gateway is ready while it serves, degraded or not.
    readinessProbe: {
      httpGet: { path: PROBES.ready, port: 'http' },
      periodSeconds: 5,
      timeoutSeconds: 3,
      failureThreshold: 3,
    },
    livenessProbe: {
      httpGet: { path: PROBES.live, port: 'http' },
      periodSeconds: 10,
      timeoutSeconds: 3,
      failureThreshold: 3,
    },
    startupProbe: { httpGet: { path: PROBES.live, port: 'http' }, periodSeconds: 2, failureThreshold: 30 },
    lifecycle: { preStop: { sleep: { seconds: PRE_STOP_SECONDS } } },
    volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
  };
}

function podSpec(main: IContainer, extraVolumes: IPodSpec['volumes'] = []): IPodSpec {
  return {
    automountServiceAccountToken: false,
    securityContext: podSecurity,
    terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
    containers: [main],
    volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }, ...(extraVolumes ?? [])],
  };
}

/**
 * Replicas spread over zones, then nodes, so losing one takes at most its share: the PodDisruptionBudget
 * covers voluntary evictions, this covers a zone or node going down. ScheduleAnyway: a one-node dev
 * cluster, or a zone short of room, still runs every replica rather than leaving some pending.
 */
export const spread = (matchLabels: Record<string, string>) =>
  ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'].map((topologyKey) => ({
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable: 'ScheduleAnyway' as const,
    labelSelector: { matchLabels },
  }));

function workload(
  name: string,
  component: string,
  port: number,
  main: IContainer,
  extraVolumes: IPodSpec['volumes'] = [],
): object[] {
  const selector = { 'app.kubernetes.io/name': name };
  return [
    new Deployment({
      metadata: { name, labels: labels(name, component) },
      // No replicas: the HorizontalPodAutoscaler owns the count (an apply would reset it otherwise).
      spec: {
        selector: { matchLabels: selector },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: {
          metadata: { labels: labels(name, component) },
          spec: { ...podSpec(main, extraVolumes), topologySpreadConstraints: spread(selector) },
        },
      },
    }),
    new Service({
      metadata: { name, labels: labels(name, component) },
      spec: { selector, ports: [{ name: 'http', port, targetPort: 'http' }] },
    }),
    new PodDisruptionBudget({
      metadata: { name, labels: labels(name, component) },
      // maxUnavailable, not minAvailable: a one-replica dev deployment can still be drained.
      spec: { selector: { matchLabels: selector }, maxUnavailable: 1 },
    }),
    new HorizontalPodAutoscaler({
      metadata: { name, labels: labels(name, component) },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
        minReplicas: 2,
        maxReplicas: 6,
        metrics: [
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
        ],
      },
    }),
  ];
}

/**
 * The cluster's CA (CloudNativePG's <cluster>-ca Secret: only its certificate is mounted, never its
 * key), so DATABASE_URL can say sslmode=verify-full&sslrootcert=DB_CA_FILE. The restore cluster's
 * certificate is signed by the same CA (restoreObject), so a cut-over changes hosts, not trust.
 */
export const DB_CA_SECRET = `${CLUSTER}-ca`;
export const DB_CA_DIR = '/etc/nhs-hub/db-ca';
export const DB_CA_FILE = `${DB_CA_DIR}/ca.crt`;
const dbCaVolume = {
  name: 'db-ca',
  secret: { secretName: DB_CA_SECRET, items: [{ key: 'ca.crt', path: 'ca.crt' }] },
};
const dbCaMount = { name: 'db-ca', mountPath: DB_CA_DIR, readOnly: true };
/** The DATABASE_URL a role's Secret holds (infra/README.md, step 2 writes it the same way). */
export const databaseUrl = (role: string, host: string, password: string) =>
  `postgresql://${role}:${password}@${host}:5432/${DATABASE}?sslmode=verify-full&sslrootcert=${DB_CA_FILE}`;

/**
 * Every party that logs in to PostgreSQL, for the connection budget (k8s/budget.ts): each subgraph's
 * serving pods and migrate Job, and the gateway's, which record field usage.
 */
export function databaseUsers(entries: readonly SubgraphEntry[]): DatabaseUser[] {
  return [
    ...entries.map((e) => ({
      deployment: e.name,
      job: migrateJob(e.name),
      serving: readerOf(e.name),
      owner: roleOf(e.name),
      pool: APP_POOL_SIZE,
    })),
    {
      deployment: 'gateway',
      job: migrateJob('gateway'),
      serving: USAGE_WRITER,
      owner: USAGE_OWNER,
      pool: USAGE_POOL_SIZE,
    },
  ];
}

/** Serving pods read through PgBouncer as the read-only role; the migrate Job writes as the schema owner. */
function subgraphEnv(entry: SubgraphEntry, as: 'reader' | 'owner'): IEnvVar[] {
  const secret = as === 'reader' ? dbReaderSecret(entry.name) : dbSecret(entry.name);
  // A serving pod answers only calls the gateway signed; a migrate Job serves nothing.
  return [secretEnv('DATABASE_URL', secret, 'uri'), ...(as === 'reader' ? [gatewaySecretEnv()] : [])];
}

/** The gateways keep answers in Redis; a migrate Job that reseeds purges them there. The URL holds the password. */
const cacheEnv = (): IEnvVar => secretEnv('HUB_CACHE_REDIS_URL', CACHE_SECRET, 'url');

/**
 * A subgraph that owns no tables (`"data": false`: releases): no database Secret, role, CA or
 * migrate Job; it reads the data subgraphs at the same URLs the gateway calls (hub-subgraph-urls)
 * and signs those calls with the gateway's key. Its own component, so the network policies can
 * let it reach the data subgraphs and nothing else.
 */
export const READER_COMPONENT = 'releases';

function datalessObjects(entry: SubgraphEntry): object[] {
  const main = {
    ...container(entry.name, portOf(entry), [gatewaySecretEnv()], [bundleScript(entry.name)]),
    envFrom: [{ configMapRef: { name: 'hub-config' } }, { configMapRef: { name: 'hub-subgraph-urls' } }],
  };
  return workload(entry.name, READER_COMPONENT, portOf(entry), main);
}

function subgraphObjects(entry: SubgraphEntry): object[] {
  if (entry.data === false) return datalessObjects(entry);
  // The bundle scripts/bundle.ts makes (the image's dist/); it reads migrations and data from the workspace.
  const main = container(entry.name, portOf(entry), subgraphEnv(entry, 'reader'), [bundleScript(entry.name)]);
  main.volumeMounts = [...(main.volumeMounts ?? []), dbCaMount];
  return workload(entry.name, 'subgraph', portOf(entry), main, [dbCaVolume]);
}

/** How long a migrate Job may take, waiting for the database included. */
export const MIGRATE_DEADLINE_SECONDS = 900;
/**
 * The migrate Job's init container: connects as the Job will (DATABASE_URL; the gateway's,
 * HUB_USAGE_DATABASE_URL) every 2 s until the database answers. Plain CommonJS for `node -e` in the
 * image (pg is a runtime dependency there).
 */
export const WAIT_FOR_DATABASE = [
  "const pg = require('pg');",
  'const url = process.env.DATABASE_URL || process.env.HUB_USAGE_DATABASE_URL;',
  'const attempt = async () => {',
  '  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });',
  "  try { await client.connect(); await client.query('select 1'); return null; }",
  '  catch (error) { return error.message; }',
  '  finally { await client.end().catch(() => {}); }',
  '};',
  '(async () => {',
  '  for (let problem = await attempt(); problem !== null; problem = await attempt()) {',
  "    console.log('waiting for the database: ' + problem);",
  '    await new Promise((resolve) => setTimeout(resolve, 2000));',
  '  }',
  "  console.log('the database answers');",
  '})();',
].join('\n');

/** The migrate Job's name in the base; each overlay's migrate/ kustomization suffixes it with the release. */
export const migrateJob = (name: string) => `${name}-migrate`;

/**
 * The subgraph's migrate Job. Jobs are immutable and run once, so each release must bring Jobs of
 * its own: they live in base/migrate/, outside the base, and every overlay includes them through
 * its migrate/ folder, whose nameSuffix is the release (k8s/release.ts sets it with the image tag).
 */
function migrateObject(entry: SubgraphEntry): object {
  // The Job seeds when the data changed since the last seed; the servers (HUB_SEED=never in hub-config) never do.
  return migrateJobObject(entry.name, portOf(entry), [
    ...subgraphEnv(entry, 'owner'),
    cacheEnv(),
    { name: 'HUB_SEED', value: 'if-changed' },
  ]);
}

/**
 * The gateway's migrate Job: creates the field usage tables as their schema's owner, so the
 * gateways (HUB_MIGRATE=verify, as the hub_usage writer) never run DDL. Nothing cached depends on
 * it: no cache purge, no Redis.
 */
function gatewayMigrateObject(): object {
  return migrateJobObject('gateway', GATEWAY_PORT, [
    secretEnv('HUB_USAGE_DATABASE_URL', secretOfRole(USAGE_OWNER), 'uri'),
  ]);
}

/** A migrate Job running `node dist/<name>.mjs migrate`, straight to the primary, after waiting for it. */
function migrateJobObject(script: string, port: number, env: IEnvVar[]): object {
  const {
    readinessProbe: _r,
    livenessProbe: _l,
    startupProbe: _s,
    // Nothing routes to a Job: it has no endpoints to leave before it stops.
    lifecycle: _h,
    ports: _p,
    ...job
  } = container('migrate', port, env, [bundleScript(script), 'migrate']);
  const name = migrateJob(script);
  const main = { ...job, volumeMounts: [...(job.volumeMounts ?? []), dbCaMount] };
  // First wait for the database (a first install applies the Cluster and the Jobs together, and
  // CloudNativePG needs minutes), as the same role, with the same TLS checks, so the Job's retries
  // are spent on migrating, not on a database that is not there yet.
  const wait = { ...main, name: 'wait-for-database', command: ['node', '-e', WAIT_FOR_DATABASE] };
  return new Job({
    metadata: { name, labels: labels(name, 'migrate') },
    spec: {
      backoffLimit: 3,
      // Waiting, migrating and seeding together: past this the Job fails (and alerts) instead of hanging.
      activeDeadlineSeconds: MIGRATE_DEADLINE_SECONDS,
      // No ttlSecondsAfterFinished: a finished Job stays, so applying its release again changes nothing
      // (a deleted one would be created and run again). The runbook deletes past releases' Jobs.
      template: {
        metadata: { labels: labels(name, 'migrate') },
        spec: { ...podSpec(main, [dbCaVolume]), initContainers: [wait], restartPolicy: 'OnFailure' },
      },
    },
  });
}

function gatewayObjects(): object[] {
  const env = [
    { name: 'HUB_SUPERGRAPH_PATH', value: '/etc/nhs-hub/supergraph/supergraph.graphql' },
    cacheEnv(),
    gatewaySecretEnv(),
    // Field usage by client, written through PgBouncer as a role that can change rows and nothing else.
    secretEnv('HUB_USAGE_DATABASE_URL', secretOfRole(USAGE_WRITER), 'uri'),
  ];
  const main = {
    ...container('gateway', GATEWAY_PORT, env, [bundleScript('gateway')]),
    envFrom: [{ configMapRef: { name: 'hub-config' } }, { configMapRef: { name: 'hub-subgraph-urls' } }],
  };
  main.volumeMounts = [
    ...(main.volumeMounts ?? []),
    { name: 'supergraph', mountPath: '/etc/nhs-hub/supergraph', readOnly: true },
    dbCaMount,
  ];
  // /health/*, /metrics and /admin/* on their own port (HUB_ADMIN_PORT), which no Ingress routes to and
  // only Prometheus may reach (k8s/network.ts): the probes and the ServiceMonitor use it.
  main.ports = [...(main.ports ?? []), { name: 'admin', containerPort: ADMIN_PORT }];
  main.env = [...(main.env ?? []), { name: 'HUB_ADMIN_PORT', value: String(ADMIN_PORT) }];
  for (const probe of [main.readinessProbe, main.livenessProbe, main.startupProbe])
    if (probe?.httpGet) probe.httpGet.port = 'admin';
  return [
    ...workload('gateway', 'gateway', GATEWAY_PORT, main, [
      { name: 'supergraph', configMap: { name: 'hub-supergraph' } },
      dbCaVolume,
    ]),
    new Service({
      metadata: { name: GATEWAY_ADMIN_SERVICE, labels: labels(GATEWAY_ADMIN_SERVICE, 'gateway') },
      spec: {
        selector: { 'app.kubernetes.io/name': 'gateway' },
        ports: [{ name: 'admin', port: ADMIN_PORT, targetPort: 'admin' }],
      },
    }),
  ];
}

/**
 * The Redis every gateway replica keeps its response cache in, so they share hits and purges
 * (README, Response cache). Its image pinned by digest: redis:7.4-alpine's multi-platform index as
 * the official images' record lists it (docker-library/repo-info, repos/redis/remote/7.4-alpine.md,
 * commit 1742085a: Redis 7.4.11, built 2026-08-18; its `redis` user is uid 999, gid 1000).
 */
export const CACHE = {
  name: 'hub-cache',
  port: 6379,
  image: 'redis:7.4-alpine@sha256:ff02b58f971e7d7d156a1267e283fcbbeee91773b6aa36c49dac28ecfe28eadf',
  maxMemory: '256mb',
} as const;
/**
 * The Secret the cache's password lives in (infra/README.md, step 2): `password`, which Redis
 * gives its one user, and `url`, the HUB_CACHE_REDIS_URL of the gateways and the migrate Jobs
 * (redis://hub:<password>@hub-cache:6379).
 */
export const CACHE_SECRET = 'hub-cache';
/** The one user Redis lets in; the default user is off. */
export const CACHE_USER = 'hub';
/** Every key and channel the hub uses starts with this (HUB_CACHE_REDIS_PREFIX's default). */
export const CACHE_PREFIX = 'hub:rc:';
/**
 * What the hub sends Redis, and nothing else (packages/kit/src/response-cache.ts and
 * cache-purge.ts, @envelop/response-cache-redis, ioredis's connection set-up):
 * tests/cache.test.ts runs a gateway and a purge against a server with exactly these and finds
 * no command refused.
 */
export const CACHE_COMMANDS = [
  // ioredis's ready check. Not its CLIENT SETINFO (library name and version, Redis 7.2+): it ignores
  // the refusal, and the Debian redis-server the tests run (7.0) has no such subcommand to allow.
  'info',
  'ping',
  // The response cache: answers, and the entity sets invalidation reads.
  'get',
  'set',
  'del',
  'sadd',
  'smembers',
  // A purge: a new generation, the old keys dropped, every replica told.
  'incr',
  'scan',
  'unlink',
  'publish',
  'subscribe',
  'unsubscribe',
] as const;
/** Commands no client may run, whatever its rights: a stray FLUSHALL or CONFIG SET is not possible. */
export const CACHE_DISABLED = ['FLUSHALL', 'FLUSHDB', 'CONFIG'] as const;
export const CACHE_CONFIG_DIR = '/etc/redis';
/**
 * redis.conf (ConfigMap hub-cache-config). Nothing is written to disk (the answers are rebuilt from
 * the subgraphs, and a restarted Redis only costs misses): no snapshots, no append-only file. Full,
 * it evicts the least recently used answer rather than refusing writes.
 */
export const CACHE_CONFIG = [
  'save ""',
  'appendonly no',
  'dir /tmp',
  `maxmemory ${CACHE.maxMemory}`,
  'maxmemory-policy allkeys-lru',
  // Nobody connects without the password.
  'user default off',
  ...CACHE_DISABLED.map((c) => `rename-command ${c} ""`),
  '',
].join('\n');
/**
 * The server's command line: the config, then the hub's user, whose password the kubelet fills in
 * from the Secret ($(VAR) in a container's command): its keys and channels under the prefix only,
 * its commands only.
 */
export const CACHE_COMMAND = [
  'redis-server',
  `${CACHE_CONFIG_DIR}/redis.conf`,
  '--user',
  CACHE_USER,
  'on',
  '>$(HUB_CACHE_PASSWORD)',
  'resetkeys',
  `~${CACHE_PREFIX}*`,
  'resetchannels',
  `&${CACHE_PREFIX}*`,
  '-@all',
  ...CACHE_COMMANDS.map((c) => `+${c}`),
] as const;

/**
 * One Redis, not replicated: it holds nothing that cannot be rebuilt, and while it is away the
 * gateways answer uncached and say so in /health/ready. The official image's `redis` user (999).
 */
function cacheObjects(): object[] {
  const { name, port } = CACHE;
  const selector = { 'app.kubernetes.io/name': name };
  // Ready when it answers the hub's user (redis-cli reads the password from REDISCLI_AUTH), not merely listens.
  const probe = {
    exec: { command: ['redis-cli', '--no-auth-warning', '--user', CACHE_USER, 'ping'] },
    periodSeconds: 5,
    timeoutSeconds: 2,
    failureThreshold: 3,
  };
  const password = { secretKeyRef: { name: CACHE_SECRET, key: 'password' } };
  return [
    new ConfigMap({
      metadata: { name: `${name}-config`, labels: labels(name, 'cache') },
      data: { 'redis.conf': CACHE_CONFIG },
    }),
    new Deployment({
      metadata: { name, labels: labels(name, 'cache') },
      spec: {
        replicas: 1,
        selector: { matchLabels: selector },
        // Two Redis would split the replicas between two stores until the old one stopped.
        strategy: { type: 'Recreate' },
        template: {
          metadata: { labels: labels(name, 'cache') },
          spec: {
            ...podSpec(
              {
                name: 'redis',
                image: CACHE.image,
                command: [...CACHE_COMMAND],
                env: [
                  { name: 'HUB_CACHE_PASSWORD', valueFrom: password },
                  { name: 'REDISCLI_AUTH', valueFrom: password },
                ],
                ports: [{ name: 'redis', containerPort: port }],
                resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '384Mi' } },
                securityContext: containerSecurity,
                readinessProbe: probe,
                livenessProbe: {
                  tcpSocket: { port: 'redis' },
                  periodSeconds: 10,
                  timeoutSeconds: 2,
                  failureThreshold: 3,
                },
                lifecycle: { preStop: { sleep: { seconds: PRE_STOP_SECONDS } } },
                volumeMounts: [
                  { name: 'tmp', mountPath: '/tmp' },
                  { name: 'config', mountPath: CACHE_CONFIG_DIR, readOnly: true },
                ],
              },
              [{ name: 'config', configMap: { name: `${name}-config` } }],
            ),
            securityContext: { ...podSecurity, runAsUser: 999, runAsGroup: 1000 },
          },
        },
      },
    }),
    new Service({
      metadata: { name, labels: labels(name, 'cache') },
      spec: { selector, ports: [{ name: 'redis', port, targetPort: 'redis' }] },
    }),
    // One replica: the budget lets a drain evict it (the gateways answer uncached meanwhile) rather than block.
    new PodDisruptionBudget({
      metadata: { name, labels: labels(name, 'cache') },
      spec: { selector: { matchLabels: selector }, maxUnavailable: 1 },
    }),
  ];
}

const managedRole = (name: string, connectionLimit: number, comment: string) => ({
  name,
  ensure: 'present' as const,
  login: true,
  inherit: false,
  connectionLimit,
  comment,
  passwordSecret: { name: secretOfRole(name) },
});

/** Two roles per subgraph and two for field usage, their limits from the connection budget (k8s/budget.ts). */
function managedRoles(entries: readonly SubgraphEntry[]) {
  return [
    ...entries.flatMap((entry) => [
      managedRole(
        roleOf(entry.name),
        OWNER_CONNECTION_LIMIT,
        `subgraph ${entry.name}: owns its schema; the migrate Jobs`,
      ),
      managedRole(
        readerOf(entry.name),
        READER_CONNECTION_LIMIT,
        `subgraph ${entry.name}: reads its schema; the serving pods, through PgBouncer`,
      ),
    ]),
    managedRole(USAGE_OWNER, USAGE_OWNER_CONNECTION_LIMIT, "field usage: owns its schema; the gateway's migrate Job"),
    managedRole(USAGE_WRITER, READER_CONNECTION_LIMIT, 'field usage: writes its rows; the gateways, through PgBouncer'),
  ];
}

/**
 * PgBouncer in front of the primary for the serving pods. Transaction pooling: the hub holds no
 * session state on a serving connection (no SET, no session advisory lock: those are the Jobs',
 * which connect directly), so a server connection serves any client of the same role between
 * transactions. Clients past the pool wait in PgBouncer's queue rather than being refused.
 */
function poolerObject(name = POOLER, cluster = CLUSTER): object {
  return new Pooler({
    metadata: { name, labels: labels(name, 'database') },
    spec: {
      cluster: { name: cluster },
      instances: POOLER_INSTANCES,
      type: 'rw',
      pgbouncer: {
        poolMode: 'transaction',
        parameters: {
          default_pool_size: String(POOLER_POOL_SIZE),
          max_client_conn: String(MAX_CLIENT_CONN),
          // A client waiting longer than the gateway's subgraph timeout has been given up on anyway.
          query_wait_timeout: '10',
        },
      },
      template: {
        metadata: { labels: labels(name, 'database') },
        spec: {
          containers: [
            {
              name: 'pgbouncer',
              resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
            },
          ],
        },
      },
    },
  });
}

/**
 * Backups go through the Barman Cloud plugin (CNPG-I), CloudNativePG's supported path: the in-tree
 * `barmanObjectStore` was deprecated in 1.26 and is removed in 1.31. The prod overlay's ObjectStore
 * (overlays/prod/backup.yaml) is named here, so the restore cluster reads the archive it describes.
 */
export const BARMAN_PLUGIN = 'barman-cloud.cloudnative-pg.io';
export const OBJECT_STORE = `${CLUSTER}-store`;
/**
 * The PostgreSQL image, pinned (major and minor) rather than whatever the operator defaults to: a
 * `minimal` image of the CloudNativePG community (cloudnative-pg/postgres-containers), the kind the
 * Barman Cloud plugin's sidecar is built for. A minor upgrade is a change of this tag (a rolling
 * switchover by the operator); a major one is an import into a new cluster, never an edit here.
 */
export const POSTGRES_IMAGE = 'ghcr.io/cloudnative-pg/postgresql:17.6-minimal-trixie';

/**
 * The restored cluster's base backups, as the prod overlay's hub-db-nightly (overlays/prod/backup.yaml,
 * which tests/k8s.test.ts compares): one at once, then nightly at 02:00 (six-field cron: seconds first).
 */
function restoreBackupObject(): object {
  return new ScheduledBackup({
    metadata: { name: `${RESTORE_CLUSTER}-nightly`, labels: labels(RESTORE_CLUSTER, 'database') },
    spec: {
      schedule: '0 0 2 * * *',
      immediate: true,
      backupOwnerReference: 'self',
      method: 'plugin',
      pluginConfiguration: { name: BARMAN_PLUGIN },
      cluster: { name: RESTORE_CLUSTER },
    },
  });
}

/** What every cluster of the hub shares: the image, the connection budget, TLS names, roles. */
function clusterSpec(entries: readonly SubgraphEntry[], pooler: string) {
  return {
    imageName: POSTGRES_IMAGE,
    enableSuperuserAccess: false,
    postgresql: {
      // The connection budget (k8s/budget.ts): every role's limit together, plus a reserve.
      parameters: { max_connections: String(MAX_CONNECTIONS) },
    },
    // verify-full from the serving pods names the pooler's Service; the Jobs name <cluster>-rw, already there.
    certificates: { serverAltDNSNames: [pooler] },
    managed: { roles: managedRoles(entries) },
  };
}

/**
 * Point-in-time recovery into a new cluster, with the same roles and Secrets (infra/README.md,
 * step 7), read from the ObjectStore the prod cluster archives to. It archives its own WAL there
 * too from the moment it is promoted (its folder is named after it), so a restored database is
 * backed up from its first minute, and it has the prod cluster's resources.
 *
 * Its server certificate is signed by the prod cluster's CA (serverCASecret: CloudNativePG signs
 * with the Secret's ca.key when no serverTLSSecret is given), the CA every subgraph pod mounts
 * and verifies against (sslmode=verify-full): pointing their URIs at the restored cluster keeps
 * TLS verified. That Secret belongs to hub-db, whose operator renews it; the runbook keeps hub-db.
 */
function restoreObject(entries: readonly SubgraphEntry[]): object {
  const spec = clusterSpec(entries, RESTORE_POOLER);
  return new Cluster({
    metadata: { name: RESTORE_CLUSTER, labels: labels(RESTORE_CLUSTER, 'database') },
    spec: {
      ...spec,
      certificates: { serverCASecret: DB_CA_SECRET, ...spec.certificates },
      instances: 3,
      storage: { size: '20Gi' },
      resources: DATABASE_RESOURCES,
      bootstrap: {
        recovery: {
          source: `${CLUSTER}-archive`,
          database: DATABASE,
          owner: 'hub_owner',
          // A placeholder: the runbook (infra/README.md, step 7) sets the moment to keep, or removes it to replay all WAL.
          recoveryTarget: { targetTime: '2026-11-30 08:00:00+00' },
        },
      },
      plugins: [{ name: BARMAN_PLUGIN, isWALArchiver: true, parameters: { barmanObjectName: OBJECT_STORE } }],
      // The archive's folder is named after the cluster that wrote it.
      externalClusters: [
        {
          name: `${CLUSTER}-archive`,
          plugin: { name: BARMAN_PLUGIN, parameters: { barmanObjectName: OBJECT_STORE, serverName: CLUSTER } },
        },
      ],
    },
  });
}

/** The prod overlay's database resources (overlays/prod/database.yaml), which a restore must match. */
export const DATABASE_RESOURCES = {
  requests: { cpu: '500m', memory: '1Gi' },
  limits: { cpu: '2', memory: '2Gi' },
};

function clusterObject(entries: readonly SubgraphEntry[]): object {
  return new Cluster({
    metadata: { name: CLUSTER, labels: labels(CLUSTER, 'database') },
    spec: {
      ...clusterSpec(entries, POOLER),
      instances: 3,
      storage: { size: '10Gi' },
      bootstrap: {
        initdb: {
          database: DATABASE,
          owner: 'hub_owner',
          // One schema per subgraph, owned by its role; nobody else may use it (roles.sql).
          postInitApplicationSQLRefs: { configMapRefs: [{ name: 'hub-db-roles-sql', key: 'roles.sql' }] },
        },
      },
    },
  });
}

/**
 * A schema owned by one role and used by one other, closed to every other role: the owner creates
 * its tables; `grants` is what the other may do with their rows, now and in tables created later.
 */
function schemaRoles(schema: string, owner: string, user: string, grants: string): string[] {
  const createRole = (role: string) =>
    // CloudNativePG reconciles managed roles after bootstrap: create the role here when it is not there yet;
    // the operator then gives it LOGIN and its password.
    `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${role}') THEN CREATE ROLE ${role} NOLOGIN NOINHERIT; END IF; END $$;`;
  const connect = (role: string) =>
    `DO $$ BEGIN EXECUTE format('GRANT CONNECT ON DATABASE %I TO ${role}', current_database()); END $$;`;
  return [
    createRole(owner),
    connect(owner),
    `CREATE SCHEMA IF NOT EXISTS ${schema} AUTHORIZATION ${owner};`,
    `ALTER SCHEMA ${schema} OWNER TO ${owner};`,
    `REVOKE ALL ON SCHEMA ${schema} FROM PUBLIC;`,
    `ALTER ROLE ${owner} SET search_path = ${schema};`,
    createRole(user),
    connect(user),
    `GRANT USAGE ON SCHEMA ${schema} TO ${user};`,
    `GRANT ${grants} ON ALL TABLES IN SCHEMA ${schema} TO ${user};`,
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA ${schema} GRANT ${grants} ON TABLES TO ${user};`,
    `ALTER ROLE ${user} SET search_path = ${schema};`,
  ];
}

/** One schema per subgraph, owned by its role, closed to every other role. Idempotent: re-run it when a subgraph is added. */
export function rolesSql(entries: readonly SubgraphEntry[]): string {
  const lines = [
    '-- Generated by infra/k8s/generate.ts from schema/subgraphs.json; do not edit.',
    '-- Least privilege: each subgraph has two roles and one schema (its name). The owner role (the migrate Jobs)',
    '-- owns the schema; the reader role (the serving pods) may read its tables; neither can use another schema.',
    "-- The gateway's field usage is the same: hub_usage, owned by the role of its name (the gateway's migrate Job),",
    '-- written by hub_usage_writer (the gateways), which can change its rows and nothing else.',
    '-- Runs once at cluster bootstrap (CloudNativePG postInitApplicationSQLRefs) and again by hand when a',
    '-- subgraph is added (infra/README.md). Idempotent; works in whichever database it is run in.',
    '',
    '-- Nobody creates objects in public, and only the roles below may connect.',
    'REVOKE CREATE ON SCHEMA public FROM PUBLIC;',
    "DO $$ BEGIN EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database()); END $$;",
  ];
  // The serving role reads the tables the owner creates, now and later, and can change nothing.
  for (const entry of entries)
    lines.push('', `-- ${entry.name}`, ...schemaRoles(entry.name, roleOf(entry.name), readerOf(entry.name), 'SELECT'));
  lines.push(
    '',
    '-- field usage (gateway/src/usage.ts). The gateways add counts (INSERT, and UPDATE on conflict), roll hours',
    '-- into days and delete what is past retention (DELETE); ON CONFLICT and a WHERE read rows, hence SELECT.',
    '-- No TRUNCATE, no DDL: the tables are created by the owner, in the migrate Job.',
    ...schemaRoles(USAGE_SCHEMA, USAGE_OWNER, USAGE_WRITER, 'SELECT, INSERT, UPDATE, DELETE'),
  );
  return `${lines.join('\n')}\n`;
}

const yamlDocs = (objects: readonly object[]) =>
  objects.map((o) => stringify(JSON.parse(JSON.stringify(o)), { lineWidth: 0 })).join('---\n');

/** The generated files, by path under infra/k8s/ (the base, and the restore cluster's roles follow the subgraphs too). */
export function generatedFiles(entries: readonly SubgraphEntry[] = readGraphConfig()): Record<string, string> {
  // Only subgraphs with tables have a database role, a schema and a migrate Job.
  const data = entries.filter((entry) => entry.data !== false);
  const header =
    '# Generated by infra/k8s/generate.ts from schema/subgraphs.json; do not edit (npm run k8s:generate -w @nhs-hub/infra).\n';
  const files: Record<string, string> = {
    'gateway.yaml': header + yamlDocs(gatewayObjects()),
    'cache.yaml': header + yamlDocs(cacheObjects()),
    'postgres/cluster.yaml': header + yamlDocs([clusterObject(data)]),
    'postgres/pooler.yaml': header + yamlDocs([poolerObject()]),
    'postgres/roles.sql': rolesSql(data),
    'network.yaml':
      header +
      yamlDocs(
        networkPolicies({
          cluster: CLUSTER,
          restoreCluster: RESTORE_CLUSTER,
          poolers: [POOLER, RESTORE_POOLER],
          cachePort: CACHE.port,
        }),
      ),
    'supergraph.graphql': readFileSync(join(REPO_ROOT, 'schema/supergraph.graphql'), 'utf8'),
  };
  for (const entry of entries) files[`subgraphs/${entry.name}.yaml`] = header + yamlDocs(subgraphObjects(entry));
  for (const entry of data) files[`migrate/${entry.name}.yaml`] = header + yamlDocs([migrateObject(entry)]);
  files['migrate/gateway.yaml'] = header + yamlDocs([gatewayMigrateObject()]);
  const managedBy = [{ pairs: { 'app.kubernetes.io/managed-by': 'kustomize' } }];
  // Not a resource of the base: an overlay adds it through its migrate/ folder, named for the release.
  const migrations = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    labels: managedBy,
    resources: [...data.map((e) => `${e.name}.yaml`), 'gateway.yaml'],
  };
  files['migrate/kustomization.yaml'] = header + stringify(migrations, { lineWidth: 0 });
  // Not a resource of the base either: it needs the Prometheus Operator's CRDs (the prod overlay includes it).
  files['monitoring/monitoring.yaml'] =
    header +
    yamlDocs(
      monitoringObjects({
        cluster: CLUSTER,
        pooler: POOLER,
        clusters: [CLUSTER, RESTORE_CLUSTER],
        gatewayAdminService: GATEWAY_ADMIN_SERVICE,
        metricsPath: METRICS_PATH,
        subgraphs: entries.map((e) => e.name),
        cache: CACHE.name,
      }),
    );
  files['monitoring/kustomization.yaml'] =
    header +
    stringify(
      {
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        labels: managedBy,
        resources: ['monitoring.yaml'],
      },
      { lineWidth: 0 },
    );
  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    labels: managedBy,
    resources: [
      'gateway.yaml',
      'cache.yaml',
      ...entries.map((e) => `subgraphs/${e.name}.yaml`),
      'postgres/cluster.yaml',
      'postgres/pooler.yaml',
      'network.yaml',
    ],
    configMapGenerator: [
      {
        // Settings every process shares; overlays merge their own.
        name: 'hub-config',
        literals: ['NODE_ENV=production', 'HOST=0.0.0.0', 'LOG_LEVEL=info', 'HUB_MIGRATE=verify', 'HUB_SEED=never'],
      },
      {
        name: 'hub-subgraph-urls',
        literals: entries.map((e) => `SUBGRAPH_${e.name.toUpperCase()}_URL=http://${e.name}:${portOf(e)}/graphql`),
      },
      // A copy of schema/supergraph.graphql (npm run compose writes both): kustomize loads no file outside the folder.
      { name: 'hub-supergraph', files: ['supergraph.graphql'] },
      // The Cluster names it in a field kustomize does not rewrite: keep the name stable.
      { name: 'hub-db-roles-sql', files: ['roles.sql=postgres/roles.sql'], options: { disableNameSuffixHash: true } },
    ],
  };
  files['kustomization.yaml'] = header + stringify(kustomization, { lineWidth: 0 });
  const generated = Object.fromEntries(Object.entries(files).map(([path, text]) => [`base/${path}`, text]));
  // The recovery alone: the runbook patches its moment into this stream, which must hold nothing else.
  generated['restore/cluster/cluster.yaml'] = header + yamlDocs([restoreObject(data)]);
  // What the restored cluster needs once it is the database (restore/cutover, applied after it is
  // Ready): a Pooler of its own (a Pooler's cluster cannot change), which the readers' URIs then
  // name; base backups; and its metrics, which the alerts select by cluster.
  generated['restore/cutover/pooler.yaml'] = header + yamlDocs([poolerObject(RESTORE_POOLER, RESTORE_CLUSTER)]);
  generated['restore/cutover/backup.yaml'] = header + yamlDocs([restoreBackupObject()]);
  generated['restore/cutover/monitoring.yaml'] = header + yamlDocs(clusterMonitors(RESTORE_CLUSTER, RESTORE_POOLER));
  return generated;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  for (const [path, text] of Object.entries(generatedFiles())) {
    mkdirSync(dirname(join(K8S_DIR, path)), { recursive: true });
    writeFileSync(join(K8S_DIR, path), text);
  }
  console.log(`Wrote the kustomize base in ${BASE_DIR} and the restore cluster`);
}
