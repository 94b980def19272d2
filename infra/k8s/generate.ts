import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Cluster } from '@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/Cluster';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Job } from 'kubernetes-models/batch/v1/Job';
import type { IContainer, IEnvVar, IPodSpec } from 'kubernetes-models/v1';
import { Service } from 'kubernetes-models/v1/Service';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { stringify } from 'yaml';
import { bundleScript, gatewayPort, portOf, readGraphConfig, type SubgraphEntry } from '@nhs-hub/kit/repo';
import { DRAIN_TIMEOUT_MS } from '@nhs-hub/kit/subgraph';
import { K8S_DIR } from './render.js';

/**
 * Writes the kustomize base (infra/k8s/base/) from schema/subgraphs.json, as `npm run compose`
 * writes the supergraph: one Deployment, Service, PodDisruptionBudget and HorizontalPodAutoscaler
 * per subgraph and the gateway's, a migrate Job per subgraph (base/migrate/), the CloudNativePG
 * Cluster with one managed role per subgraph, and roles.sql giving each role its own schema. Typed through kubernetes-models, so a
 * misspelt field does not compile. infra/tests/k8s.test.ts fails when the checked-in files are stale.
 *
 *   npm run k8s:generate -w @nhs-hub/infra
 */
export const BASE_DIR = join(K8S_DIR, 'base');

/** What the servers serve (packages/kit/src/platform/server.ts); the tests check them against a running server. */
export const PROBES = { live: '/health/live', ready: '/health/ready' } as const;
export const GATEWAY_PORT = gatewayPort();
/** Where the gateway serves Prometheus metrics (gateway/src/gateway.ts); the tests scrape it. */
export const METRICS_PATH = '/metrics';
/**
 * The annotations Prometheus's common Kubernetes pod scrape configuration reads: it scrapes each
 * gateway pod directly, inside the cluster (README, Telemetry).
 */
const SCRAPED = {
  'prometheus.io/scrape': 'true',
  'prometheus.io/port': String(GATEWAY_PORT),
  'prometheus.io/path': METRICS_PATH,
};
export const IMAGE = 'nhs-region-hub';
export const DATABASE = 'hub';
export const CLUSTER = 'hub-db';
/** The Secret every process reads HUB_JWT_SECRET from (key `secret`). */
export const JWT_SECRET = 'hub-jwt';
/** The Secret every process reads HUB_GATEWAY_SECRET from (key `secret`, 32+ characters). */
export const GATEWAY_SECRET = 'hub-gateway';
/** Per subgraph: the role's credentials for CloudNativePG (username, password) and its DATABASE_URL (uri). */
export const dbSecret = (name: string) => `hub-db-${name}`;
/** The Postgres role and schema of a subgraph: its name (its HUB_SCHEMA default). */
export const roleOf = (name: string) => name;

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
 * The JWT key, and the one before the last rotation while it is still accepted (key `previous`,
 * optional: absent outside a rotation). infra/README.md, step 4.
 */
const jwtEnv: IEnvVar[] = [
  secretEnv('HUB_JWT_SECRET', JWT_SECRET, 'secret'),
  // The key the gateway signs subgraph calls with: in production a subgraph answers nothing else (docs/security.md).
  secretEnv('HUB_GATEWAY_SECRET', GATEWAY_SECRET, 'secret'),
  {
    name: 'HUB_JWT_PREVIOUS_SECRET',
    valueFrom: { secretKeyRef: { name: JWT_SECRET, key: 'previous', optional: true } },
  },
];

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
  podAnnotations?: Record<string, string>,
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
          metadata: { labels: labels(name, component), ...(podAnnotations ? { annotations: podAnnotations } : {}) },
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

function subgraphEnv(entry: SubgraphEntry): IEnvVar[] {
  return [secretEnv('DATABASE_URL', dbSecret(entry.name), 'uri'), ...jwtEnv];
}

function subgraphObjects(entry: SubgraphEntry): object[] {
  // The bundle scripts/bundle.ts makes (the image's dist/); it reads migrations and data from the workspace.
  const main = container(entry.name, portOf(entry), subgraphEnv(entry), [bundleScript(entry.name)]);
  return workload(entry.name, 'subgraph', portOf(entry), main);
}

/** The migrate Job's name in the base; each overlay's migrate/ kustomization suffixes it with the release. */
export const migrateJob = (name: string) => `${name}-migrate`;

/**
 * The subgraph's migrate Job. Jobs are immutable and run once, so each release must bring Jobs of
 * its own: they live in base/migrate/, outside the base, and every overlay includes them through
 * its migrate/ folder, whose nameSuffix is the release (k8s/release.ts sets it with the image tag).
 */
function migrateObject(entry: SubgraphEntry): object {
  // The Job seeds when the data changed since the last seed; the servers (HUB_SEED=never in hub-config) never do.
  const {
    readinessProbe: _r,
    livenessProbe: _l,
    startupProbe: _s,
    // Nothing routes to a Job: it has no endpoints to leave before it stops.
    lifecycle: _h,
    ports: _p,
    ...job
  } = container(
    'migrate',
    portOf(entry),
    [...subgraphEnv(entry), { name: 'HUB_SEED', value: 'if-changed' }],
    [bundleScript(entry.name), 'migrate'],
  );
  const name = migrateJob(entry.name);
  return new Job({
    metadata: { name, labels: labels(name, 'migrate') },
    spec: {
      backoffLimit: 3,
      // Kept a day for its logs, then deleted, so past releases' Jobs do not pile up.
      ttlSecondsAfterFinished: 86_400,
      template: {
        metadata: { labels: labels(name, 'migrate') },
        spec: { ...podSpec(job), restartPolicy: 'OnFailure' },
      },
    },
  });
}

function gatewayObjects(): object[] {
  const env = [{ name: 'HUB_SUPERGRAPH_PATH', value: '/etc/nhs-hub/supergraph/supergraph.graphql' }, ...jwtEnv];
  const main = {
    ...container('gateway', GATEWAY_PORT, env, [bundleScript('gateway')]),
    envFrom: [{ configMapRef: { name: 'hub-config' } }, { configMapRef: { name: 'hub-subgraph-urls' } }],
  };
  main.volumeMounts = [
    ...(main.volumeMounts ?? []),
    { name: 'supergraph', mountPath: '/etc/nhs-hub/supergraph', readOnly: true },
  ];
  return workload(
    'gateway',
    'gateway',
    GATEWAY_PORT,
    main,
    [{ name: 'supergraph', configMap: { name: 'hub-supergraph' } }],
    SCRAPED,
  );
}

/** The Redis every gateway replica keeps its response cache in, so they share hits and purges (README, Response cache). */
export const CACHE = { name: 'hub-cache', port: 6379, image: 'redis:7.4-alpine', maxMemory: '256mb' } as const;
export const CACHE_REDIS_URL = `redis://${CACHE.name}:${CACHE.port}`;
/**
 * The cache server's command line. Nothing is written to disk (the answers are rebuilt from the
 * subgraphs, and a restarted Redis only costs misses): no snapshots. Full, it
 * evicts the least recently used answer rather than refusing writes.
 */
export const CACHE_ARGS = [
  // Append-only is off by default; spelling out its 'no' would read as false to YAML 1.1 parsers.
  '--save',
  '',
  '--dir',
  '/tmp',
  '--maxmemory',
  CACHE.maxMemory,
  '--maxmemory-policy',
  'allkeys-lru',
] as const;

/**
 * One Redis, not replicated: it holds nothing that cannot be rebuilt, and while it is away the
 * gateways answer uncached and say so in /health/ready. The official image's `redis` user (999).
 */
function cacheObjects(): object[] {
  const { name, port } = CACHE;
  const selector = { 'app.kubernetes.io/name': name };
  const probe = { tcpSocket: { port: 'redis' }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3 };
  return [
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
            ...podSpec({
              name: 'redis',
              image: CACHE.image,
              command: ['redis-server', ...CACHE_ARGS],
              ports: [{ name: 'redis', containerPort: port }],
              resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '384Mi' } },
              securityContext: containerSecurity,
              readinessProbe: probe,
              livenessProbe: { ...probe, periodSeconds: 10 },
              lifecycle: { preStop: { sleep: { seconds: PRE_STOP_SECONDS } } },
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            }),
            securityContext: { ...podSecurity, runAsUser: 999, runAsGroup: 1000 },
          },
        },
      },
    }),
    new Service({
      metadata: { name, labels: labels(name, 'cache') },
      spec: { selector, ports: [{ name: 'redis', port, targetPort: 'redis' }] },
    }),
  ];
}

function managedRoles(entries: readonly SubgraphEntry[]) {
  return entries.map((entry) => ({
    name: roleOf(entry.name),
    ensure: 'present' as const,
    login: true,
    inherit: false,
    connectionLimit: 40,
    comment: `subgraph ${entry.name}: its own schema only`,
    passwordSecret: { name: dbSecret(entry.name) },
  }));
}

/** The archive the prod overlay's Cluster writes (overlays/prod/database.yaml) and a restore reads. */
const ARCHIVE = {
  destinationPath: 's3://nhs-hub-backups/hub-db',
  s3Credentials: {
    accessKeyId: { name: 'hub-db-backup-s3', key: 'ACCESS_KEY_ID' },
    secretAccessKey: { name: 'hub-db-backup-s3', key: 'ACCESS_SECRET_KEY' },
  },
  wal: { compression: 'gzip' as const },
};

/** Point-in-time recovery into a new cluster, with the same roles and Secrets (infra/README.md, step 7). */
function restoreObject(entries: readonly SubgraphEntry[]): object {
  return new Cluster({
    metadata: { name: `${CLUSTER}-restore`, labels: labels(`${CLUSTER}-restore`, 'database') },
    spec: {
      instances: 3,
      storage: { size: '20Gi' },
      enableSuperuserAccess: false,
      bootstrap: {
        recovery: {
          source: `${CLUSTER}-archive`,
          database: DATABASE,
          owner: 'hub_owner',
          // A placeholder: the runbook (infra/README.md, step 7) sets the moment to keep, or removes it to replay all WAL.
          recoveryTarget: { targetTime: '2026-11-30 08:00:00+00' },
        },
      },
      // The archive's folder is named after the cluster that wrote it.
      externalClusters: [{ name: `${CLUSTER}-archive`, barmanObjectStore: { ...ARCHIVE, serverName: CLUSTER } }],
      managed: { roles: managedRoles(entries) },
    },
  });
}

function clusterObject(entries: readonly SubgraphEntry[]): object {
  return new Cluster({
    metadata: { name: CLUSTER, labels: labels(CLUSTER, 'database') },
    spec: {
      instances: 3,
      storage: { size: '10Gi' },
      enableSuperuserAccess: false,
      bootstrap: {
        initdb: {
          database: DATABASE,
          owner: 'hub_owner',
          // One schema per subgraph, owned by its role; nobody else may use it (roles.sql).
          postInitApplicationSQLRefs: { configMapRefs: [{ name: 'hub-db-roles-sql', key: 'roles.sql' }] },
        },
      },
      managed: { roles: managedRoles(entries) },
    },
  });
}

/** One schema per subgraph, owned by its role, closed to every other role. Idempotent: re-run it when a subgraph is added. */
export function rolesSql(entries: readonly SubgraphEntry[]): string {
  const lines = [
    '-- Generated by infra/k8s/generate.ts from schema/subgraphs.json; do not edit.',
    '-- Least privilege: each subgraph role owns exactly one schema (its name) and can use no other.',
    '-- Runs once at cluster bootstrap (CloudNativePG postInitApplicationSQLRefs) and again by hand when a',
    '-- subgraph is added (infra/README.md). Idempotent; works in whichever database it is run in.',
    '',
    '-- Nobody creates objects in public, and only the subgraph roles may connect.',
    'REVOKE CREATE ON SCHEMA public FROM PUBLIC;',
    "DO $$ BEGIN EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database()); END $$;",
  ];
  for (const entry of entries) {
    const role = roleOf(entry.name);
    lines.push(
      '',
      `-- ${entry.name}`,
      // CloudNativePG reconciles managed roles after bootstrap: create the role here when it is not there yet;
      // the operator then gives it LOGIN and its password.
      `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${role}') THEN CREATE ROLE ${role} NOLOGIN NOINHERIT; END IF; END $$;`,
      `DO $$ BEGIN EXECUTE format('GRANT CONNECT ON DATABASE %I TO ${role}', current_database()); END $$;`,
      `CREATE SCHEMA IF NOT EXISTS ${entry.name} AUTHORIZATION ${role};`,
      `ALTER SCHEMA ${entry.name} OWNER TO ${role};`,
      `REVOKE ALL ON SCHEMA ${entry.name} FROM PUBLIC;`,
      `ALTER ROLE ${role} SET search_path = ${entry.name};`,
    );
  }
  return `${lines.join('\n')}\n`;
}

const yamlDocs = (objects: readonly object[]) =>
  objects.map((o) => stringify(JSON.parse(JSON.stringify(o)), { lineWidth: 0 })).join('---\n');

/** The generated files, by path under infra/k8s/ (the base, and the restore cluster's roles follow the subgraphs too). */
export function generatedFiles(entries: readonly SubgraphEntry[] = readGraphConfig()): Record<string, string> {
  const header =
    '# Generated by infra/k8s/generate.ts from schema/subgraphs.json; do not edit (npm run k8s:generate -w @nhs-hub/infra).\n';
  const files: Record<string, string> = {
    'gateway.yaml': header + yamlDocs(gatewayObjects()),
    'cache.yaml': header + yamlDocs(cacheObjects()),
    'postgres/cluster.yaml': header + yamlDocs([clusterObject(entries)]),
    'postgres/roles.sql': rolesSql(entries),
  };
  for (const entry of entries) {
    files[`subgraphs/${entry.name}.yaml`] = header + yamlDocs(subgraphObjects(entry));
    files[`migrate/${entry.name}.yaml`] = header + yamlDocs([migrateObject(entry)]);
  }
  const managedBy = [{ pairs: { 'app.kubernetes.io/managed-by': 'kustomize' } }];
  // Not a resource of the base: an overlay adds it through its migrate/ folder, named for the release.
  const migrations = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    labels: managedBy,
    resources: entries.map((e) => `${e.name}.yaml`),
  };
  files['migrate/kustomization.yaml'] = header + stringify(migrations, { lineWidth: 0 });
  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    labels: managedBy,
    resources: [
      'gateway.yaml',
      'cache.yaml',
      ...entries.map((e) => `subgraphs/${e.name}.yaml`),
      'postgres/cluster.yaml',
    ],
    configMapGenerator: [
      {
        // Settings every process shares; overlays merge their own.
        name: 'hub-config',
        // The migrate Jobs read HUB_CACHE_REDIS_URL too: a Job that reseeds purges every replica's answers.
        literals: [
          'NODE_ENV=production',
          'HOST=0.0.0.0',
          'LOG_LEVEL=info',
          'HUB_MIGRATE=verify',
          'HUB_SEED=never',
          `HUB_CACHE_REDIS_URL=${CACHE_REDIS_URL}`,
        ],
      },
      {
        name: 'hub-subgraph-urls',
        literals: entries.map((e) => `SUBGRAPH_${e.name.toUpperCase()}_URL=http://${e.name}:${portOf(e)}/graphql`),
      },
      // Outside this folder: build with --load-restrictor LoadRestrictionsNone (infra/README.md).
      { name: 'hub-supergraph', files: ['supergraph.graphql=../../../schema/supergraph.graphql'] },
      // The Cluster names it in a field kustomize does not rewrite: keep the name stable.
      { name: 'hub-db-roles-sql', files: ['roles.sql=postgres/roles.sql'], options: { disableNameSuffixHash: true } },
    ],
  };
  files['kustomization.yaml'] = header + stringify(kustomization, { lineWidth: 0 });
  const generated = Object.fromEntries(Object.entries(files).map(([path, text]) => [`base/${path}`, text]));
  generated['restore/cluster.yaml'] = header + yamlDocs([restoreObject(entries)]);
  return generated;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  for (const [path, text] of Object.entries(generatedFiles())) {
    mkdirSync(dirname(join(K8S_DIR, path)), { recursive: true });
    writeFileSync(join(K8S_DIR, path), text);
  }
  console.log(`Wrote the kustomize base in ${BASE_DIR} and the restore cluster`);
}
