import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterIssuer } from '@kubernetes-models/cert-manager/cert-manager.io/v1/ClusterIssuer';
import { Cluster } from '@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/Cluster';
import { BarmanObjectStoreConfiguration } from '@kubernetes-models/cloudnative-pg/github.com/cloudnative-pg/barman-cloud/pkg/api/BarmanObjectStoreConfiguration';
import { Pooler } from '@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/Pooler';
import { ScheduledBackup } from '@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/ScheduledBackup';
import { isHubEnvKey, readEnv } from '@nhs-hub/kit/env';
import { tracesExporterOf } from '@nhs-hub/kit/tracing';
import type { SubgraphDefinition } from '@nhs-hub/kit/subgraph';
import { needSystemTool, SYSTEM_TOOLS, startTestGraph, type TestGraph } from '@nhs-hub/gateway/testing';
import { subgraph as geography } from '@nhs-hub/geography';
import { subgraph as workforce } from '@nhs-hub/workforce';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { portOf, REPO_ROOT, readGraphConfig } from '@nhs-hub/kit/repo';
import { unknownFields } from '../k8s/fields.js';
import { CNPG_LABELS, OUTSIDE } from '../k8s/network.js';
import {
  ADMIN_PORT,
  BARMAN_PLUGIN,
  DB_CA_DIR,
  DB_CA_FILE,
  DB_CA_SECRET,
  BASE_DIR,
  CACHE,
  CLUSTER,
  DRAIN_SECONDS,
  dbReaderSecret,
  dbSecret,
  GATEWAY_PORT,
  GATEWAY_ADMIN_SERVICE,
  generatedFiles,
  MIGRATE_DEADLINE_SECONDS,
  migrateJob,
  OBJECT_STORE,
  POOLER,
  POSTGRES_IMAGE,
  PRE_STOP_SECONDS,
  RESTORE_CLUSTER,
  RESTORE_POOLER,
  readerOf,
  roleOf,
  secretOfRole,
  USAGE_OWNER,
  USAGE_WRITER,
  WAIT_FOR_DATABASE,
} from '../k8s/generate.js';
import { RELEASE_LABEL, releaseOf, setRelease, versionProblem } from '../k8s/release.js';
import { type Json, K8S_DIR, type Manifest, podContainers, podSpecOf, render, strategicMerge } from '../k8s/render.js';

/**
 * The Kubernetes manifests as the cluster will get them: every overlay rendered, every object
 * validated against the official schemas (kubernetes-models: the Kubernetes OpenAPI schemas and the
 * CloudNativePG CRDs) and for fields those schemas do not declare (k8s/fields.ts), then checked
 * against what the code serves and reads.
 */
/**
 * The Barman Cloud plugin's ObjectStore has no npm model: its `configuration` is validated with the
 * model of the same Go type (barman-cloud's BarmanObjectStoreConfiguration), the rest as its CRD
 * (plugin v0.13.0) says: retentionPolicy `^[1-9][0-9]*[dwm]$`, and no serverName in the store.
 */
class ObjectStore {
  constructor(
    private readonly data: { spec?: { configuration?: Obj & { serverName?: unknown }; retentionPolicy?: unknown } },
  ) {}
  validate(): void {
    const spec = this.data.spec;
    if (!spec?.configuration) throw new Error('spec.configuration is required');
    new BarmanObjectStoreConfiguration(spec.configuration as never).validate();
    if (spec.configuration.serverName !== undefined)
      throw new Error("spec.configuration.serverName: use the 'serverName' plugin parameter in the Cluster resource");
    if (spec.retentionPolicy !== undefined && !/^[1-9][0-9]*[dwm]$/.test(String(spec.retentionPolicy)))
      throw new Error(`spec.retentionPolicy: ${String(spec.retentionPolicy)} does not match ^[1-9][0-9]*[dwm]$`);
  }
}

const VALIDATORS: Record<string, new (data: never) => { validate(): void }> = {
  'barmancloud.cnpg.io/v1/ObjectStore': ObjectStore,
  'apps/v1/Deployment': Deployment,
  'v1/Service': Service,
  'v1/ConfigMap': ConfigMap,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'batch/v1/Job': Job,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'networking.k8s.io/v1/Ingress': Ingress,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  'monitoring.coreos.com/v1/PodMonitor': PodMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
  'postgresql.cnpg.io/v1/Cluster': Cluster,
  'postgresql.cnpg.io/v1/ScheduledBackup': ScheduledBackup,
  'postgresql.cnpg.io/v1/Pooler': Pooler,
  'cert-manager.io/v1/ClusterIssuer': ClusterIssuer,
};
const OVERLAYS = ['overlays/dev', 'overlays/prod'];
const rendered = Object.fromEntries(OVERLAYS.map((o) => [o, render(join(K8S_DIR, o))]));
const entries = readGraphConfig();
/** The subgraphs with tables: each has a database role, a schema and a migrate Job (releases has none). */
const dataEntries = entries.filter((e) => e.data !== false);
const find = (objects: Manifest[], kind: string, name: string) =>
  objects.find((o) => o.kind === kind && o.metadata.name === name);
type Obj = Record<string, Json>;
const asObj = (v: unknown) => v as Obj;
/** Objects whose pods run the hub's image: its Deployments and Jobs but the Redis response cache's. */
const isHubPod = (o: Manifest) => ['Deployment', 'Job'].includes(o.kind) && o.metadata.name !== CACHE.name;
/** The workloads the manifests spell out; CloudNativePG writes its own pods' (instances, PgBouncer). */
const isWorkload = (o: Manifest) => ['Deployment', 'Job'].includes(o.kind);

describe('the kustomize base', () => {
  it("holds the supergraph npm run compose wrote, so kustomize reads no file outside an overlay's tree", () => {
    expect(readFileSync(join(BASE_DIR, 'supergraph.graphql'), 'utf8')).toBe(
      readFileSync(join(REPO_ROOT, 'schema/supergraph.graphql'), 'utf8'),
    );
  });

  it('is what infra/k8s/generate.ts writes from schema/subgraphs.json (run npm run k8s:generate -w @nhs-hub/infra)', () => {
    for (const [path, text] of Object.entries(generatedFiles()))
      expect(readFileSync(join(K8S_DIR, path), 'utf8'), path).toBe(text);
  });
});

describe.each(OVERLAYS)('overlay %s', (overlay) => {
  const objects = rendered[overlay] ?? [];
  const release = releaseOf(join(K8S_DIR, overlay));
  const jobOf = (name: string) => `${migrateJob(name)}-${release.suffix}`;

  it('renders only objects that validate against their official schema', () => {
    expect(objects.length).toBeGreaterThan(0);
    for (const o of objects) {
      const Model = VALIDATORS[`${o.apiVersion}/${o.kind}`];
      expect(Model, `no validator for ${o.apiVersion} ${o.kind}`).toBeDefined();
      if (!Model) continue;
      expect(() => new Model(o as never).validate(), `${o.kind}/${o.metadata.name}`).not.toThrow();
      expect(o.metadata.namespace).toMatch(/^nhs-hub/);
    }
    // The validators do find faults: a string where an integer belongs is refused.
    const broken = structuredClone(find(objects, 'HorizontalPodAutoscaler', 'gateway')) as Manifest;
    asObj(broken.spec).minReplicas = 'two';
    expect(() => new HorizontalPodAutoscaler(broken as never).validate()).toThrow(/minReplicas/);
  });

  it('sets no field its schema does not declare, where the validators above let a misspelt one through', () => {
    expect(unknownFields(objects)).toEqual([]);
    // A typo the cluster would silently drop, leaving the pod without a readiness probe.
    const typo = structuredClone(find(objects, 'Deployment', 'gateway')) as Manifest;
    const [container] = podContainers([typo]);
    if (container) {
      container.readinesProbe = container.readinessProbe ?? null;
      delete container.readinessProbe;
    }
    expect(() => new Deployment(typo as never).validate()).not.toThrow();
    expect(unknownFields([typo])).toEqual([
      { object: 'Deployment/gateway', path: 'spec.template.spec.containers[0].readinesProbe' },
    ]);
    // Deep in a custom resource too (CloudNativePG's CRD schema).
    const cluster = structuredClone(find(objects, 'Cluster', 'hub-db')) as Manifest;
    asObj(cluster.spec).instanses = 3;
    expect(unknownFields([cluster])).toEqual([{ object: 'Cluster/hub-db', path: 'spec.instanses' }]);
    // And in the Prometheus Operator's kinds (their CRDs, @kubernetes-models/prometheus-operator).
    const monitor = structuredClone(objects.find((o) => o.kind === 'ServiceMonitor')) as Manifest | undefined;
    if (monitor) {
      const [endpoint] = asObj(monitor.spec).endpoints as Obj[];
      if (endpoint) endpoint.intervall = '30s';
      expect(unknownFields([monitor])).toEqual([
        { object: `ServiceMonitor/${monitor.metadata.name}`, path: 'spec.endpoints[0].intervall' },
      ]);
    }
    // And in the ObjectStore, declared from its CRD (k8s/fields.ts), where the prod overlay has one.
    const store = structuredClone(objects.find((o) => o.kind === 'ObjectStore')) as Manifest | undefined;
    if (store) {
      asObj(asObj(asObj(store.spec).configuration).wal).compresion = 'gzip';
      asObj(store.spec).retention = '30d';
      expect(unknownFields([store])).toEqual([
        { object: `ObjectStore/${OBJECT_STORE}`, path: 'spec.configuration.wal.compresion' },
        { object: `ObjectStore/${OBJECT_STORE}`, path: 'spec.retention' },
      ]);
    }
  });

  it('runs every subgraph of schema/subgraphs.json and the gateway with a Deployment, Service, PodDisruptionBudget and HorizontalPodAutoscaler', () => {
    for (const name of [...entries.map((e) => e.name), 'gateway']) {
      const deployment = find(objects, 'Deployment', name);
      expect(deployment, name).toBeDefined();
      const podLabels = asObj(asObj(asObj(deployment?.spec).template).metadata).labels as Obj;
      const matches = (selector: unknown) => Object.entries(selector as Obj).every(([k, v]) => podLabels[k] === v);
      expect(matches(asObj(find(objects, 'Service', name)?.spec).selector), `${name} Service`).toBe(true);
      expect(
        matches(asObj(asObj(find(objects, 'PodDisruptionBudget', name)?.spec).selector).matchLabels),
        `${name} PDB`,
      ).toBe(true);
      expect(asObj(find(objects, 'HorizontalPodAutoscaler', name)?.spec).scaleTargetRef).toEqual({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name,
      });
      // The autoscaler owns the replica count.
      expect(asObj(deployment?.spec).replicas).toBeUndefined();
    }
    // Migrations and seeding: one Job per subgraph running the image's migrate command (its bundle,
    // scripts/bundle.ts), and the gateway's, which creates the field usage tables.
    for (const name of [...dataEntries.map((e) => e.name), 'gateway']) {
      const job = find(objects, 'Job', jobOf(name));
      const [main] = (podSpecOf(job as Manifest)?.containers ?? []) as Obj[];
      expect(main?.command, name).toEqual(['node', `dist/${name}.mjs`, 'migrate']);
    }
  });

  it('listens, probes and routes on the ports of schema/subgraphs.json', () => {
    const urls = asObj(
      objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('hub-subgraph-urls-'))?.data,
    );
    for (const [name, port] of [
      ...entries.map((e) => [e.name, portOf(e)] as const),
      ['gateway', GATEWAY_PORT] as const,
    ]) {
      const deployment = find(objects, 'Deployment', name) as Manifest;
      const [container] = podContainers([deployment]);
      const env = ((container?.env ?? []) as Obj[]).find((e) => e.name === 'PORT');
      expect(env?.value, `${name} PORT`).toBe(String(port));
      // The gateway serves health, metrics and /admin on its admin port (HUB_ADMIN_PORT), and probes it there.
      const probed = name === 'gateway' ? 'admin' : 'http';
      expect(container?.ports).toEqual([
        { name: 'http', containerPort: port },
        ...(name === 'gateway' ? [{ name: 'admin', containerPort: ADMIN_PORT }] : []),
      ]);
      if (name === 'gateway')
        expect(((container?.env ?? []) as Obj[]).find((e) => e.name === 'HUB_ADMIN_PORT')?.value).toBe(
          String(ADMIN_PORT),
        );
      // The Service the Ingress routes to has the public port only.
      expect(asObj(find(objects, 'Service', name)?.spec).ports).toEqual([{ name: 'http', port, targetPort: 'http' }]);
      expect(asObj(asObj(container?.readinessProbe).httpGet)).toEqual({ path: '/health/ready', port: probed });
      expect(asObj(asObj(container?.livenessProbe).httpGet)).toEqual({ path: '/health/live', port: probed });
      expect(asObj(asObj(container?.startupProbe).httpGet)).toEqual({ path: '/health/live', port: probed });
      if (name !== 'gateway') expect(urls[`SUBGRAPH_${name.toUpperCase()}_URL`]).toBe(`http://${name}:${port}/graphql`);
    }
    expect(Object.keys(urls).length).toBe(entries.length);
  });

  it('sets only variables packages/kit/src/platform/env.ts reads, with values it accepts', () => {
    const configMaps = new Map(
      objects.filter((o) => o.kind === 'ConfigMap').map((o) => [o.metadata.name, asObj(o.data)]),
    );
    for (const o of objects.filter(isHubPod)) {
      for (const container of podContainers([o])) {
        const fromMaps = ((container.envFrom as Obj[] | undefined) ?? []).map((f) => {
          const data = configMaps.get(String(asObj(f.configMapRef).name));
          expect(data, `${o.metadata.name} reads a ConfigMap that is not rendered`).toBeDefined();
          return data ?? {};
        });
        const env: Record<string, string> = Object.assign(
          {},
          ...fromMaps.map((d) => Object.fromEntries(Object.entries(d).map(([k, v]) => [k, String(v)]))),
        );
        for (const e of (container.env as Obj[] | undefined) ?? []) {
          // A Secret's value is not here: stand in a valid one of the right shape.
          if (e.value !== undefined) env[String(e.name)] = String(e.value);
          else {
            const secret = asObj(asObj(e.valueFrom).secretKeyRef);
            expect(secret.name, `${o.metadata.name} ${String(e.name)} comes from a Secret`).toBeTypeOf('string');
            env[String(e.name)] =
              e.name === 'DATABASE_URL' || e.name === 'HUB_USAGE_DATABASE_URL'
                ? `postgres://${String(secret.name)}@db:5432/hub`
                : e.name === 'HUB_CACHE_REDIS_URL'
                  ? `redis://hub:${'x'.repeat(32)}@${CACHE.name}:${CACHE.port}`
                  : 'x'.repeat(32);
          }
        }
        for (const key of Object.keys(env))
          expect(isHubEnvKey(key), `${o.kind}/${o.metadata.name} sets ${key}, which env.ts does not know`).toBe(true);
        expect(() => readEnv(env), `${o.kind}/${o.metadata.name}`).not.toThrow();
        expect(readEnv(env).NODE_ENV).toBe('production');
      }
    }
    // Replicas leave migrating and seeding to the Jobs; the Jobs seed when the data changed.
    const deploymentEnv = readEnv(
      Object.fromEntries(
        Object.entries(asObj([...configMaps.entries()].find(([n]) => n.startsWith('hub-config-'))?.[1])).map(
          ([k, v]) => [k, String(v)],
        ),
      ),
    );
    expect([deploymentEnv.HUB_MIGRATE, deploymentEnv.HUB_SEED]).toEqual(['verify', 'never']);
  });

  it("verifies tokens with the identity provider's public keys only, for this hub's issuer and audience", () => {
    const hubConfig = asObj(
      objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('hub-config-'))?.data,
    );
    const config = Object.fromEntries(Object.entries(hubConfig).map(([k, v]) => [k, String(v)]));
    expect(config.HUB_JWT_JWKS_URL).toMatch(/^https:\/\//);
    expect(config.HUB_JWT_ISSUER).toBeTruthy();
    expect(config.HUB_JWT_AUDIENCE).toBeTruthy();
    // No process is given a key that could sign a token.
    expect(JSON.stringify(objects)).not.toMatch(/HUB_JWT_SECRET|HUB_JWT_PREVIOUS_SECRET|hub-jwt/);
    expect(() => readEnv(config)).not.toThrow();
    // And packages/kit/src/platform/env.ts would refuse to start a production process that had one, or lacked the issuer.
    expect(() => readEnv({ ...config, HUB_JWT_SECRET: 'k'.repeat(48) })).toThrow(
      /HUB_JWT_SECRET: an HS256 key is for local development/,
    );
    expect(() => readEnv({ ...config, HUB_JWT_PREVIOUS_SECRET: 'k'.repeat(48) })).toThrow(/HUB_JWT_PREVIOUS_SECRET/);
    const { HUB_JWT_ISSUER: _i, HUB_JWT_AUDIENCE: _a, ...anyIssuer } = config;
    expect(() => readEnv(anyIssuer)).toThrow(/HUB_JWT_ISSUER: required in production[\s\S]*HUB_JWT_AUDIENCE/);
    // Local development keeps HS256.
    expect(() => readEnv({ NODE_ENV: 'development', HUB_JWT_SECRET: 'k'.repeat(48) })).not.toThrow();
  });

  // Only prod has a collector: registered for prod alone rather than counted as skipped in dev.
  if (overlay === 'overlays/prod')
    it('sends traces to the OpenTelemetry collector the NetworkPolicies let every hub process reach', () => {
      const hubConfig = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('hub-config-'));
      const endpoint = asObj(hubConfig?.data).OTEL_EXPORTER_OTLP_ENDPOINT;
      expect(endpoint, 'prod sets OTEL_EXPORTER_OTLP_ENDPOINT').toBeTypeOf('string');
      const url = new URL(String(endpoint));
      // A Service in the collector's namespace (<service>.<namespace>), on a port the policies open.
      expect(url.hostname.split('.')[1]).toBe(OUTSIDE.otlp.namespace);
      expect(OUTSIDE.otlp.ports).toContain(Number(url.port));
      // OTLP over HTTP (4318): what the processes' exporter speaks, and it is on.
      expect(Number(url.port)).toBe(4318);
      expect(url.protocol).toBe('http:');
      const config = Object.fromEntries(Object.entries(asObj(hubConfig?.data)).map(([k, v]) => [k, String(v)]));
      expect(tracesExporterOf(readEnv(config))).toBe('otlp');
      // Every hub process reads it (hub-config), the gateway and each subgraph alike.
      for (const o of objects.filter(isHubPod))
        for (const c of podContainers([o]))
          expect(
            ((c.envFrom as Obj[] | undefined) ?? []).map((f) => asObj(f.configMapRef).name),
            `${o.kind}/${o.metadata.name}`,
          ).toContain(hubConfig?.metadata.name);
    });

  it("spreads every hub Deployment's replicas over zones, then nodes, without leaving any unscheduled", () => {
    for (const deployment of objects.filter((o) => o.kind === 'Deployment' && isHubPod(o))) {
      const selector = asObj(asObj(deployment.spec).selector).matchLabels;
      const constraints = (podSpecOf(deployment)?.topologySpreadConstraints ?? []) as Obj[];
      expect(
        constraints.map((c) => c.topologyKey),
        deployment.metadata.name,
      ).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
      for (const c of constraints) {
        expect(c, deployment.metadata.name).toMatchObject({ maxSkew: 1, whenUnsatisfiable: 'ScheduleAnyway' });
        // The pods it counts are this Deployment's own, as the Service and the PDB select them.
        expect(asObj(c.labelSelector).matchLabels, deployment.metadata.name).toEqual(selector);
      }
    }
  });

  it('runs every container locked down, with requests and limits', () => {
    for (const o of objects.filter(isWorkload)) {
      const pod = podSpecOf(o);
      if (!pod) continue;
      expect(pod.securityContext, o.metadata.name).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(pod.automountServiceAccountToken).toBe(false);
      for (const container of podContainers([o])) {
        expect(container.securityContext, o.metadata.name).toMatchObject({
          runAsNonRoot: true,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        });
        const resources = asObj(container.resources);
        for (const bound of ['requests', 'limits'])
          expect(Object.keys(asObj(resources[bound])).sort(), `${o.metadata.name} ${bound}`).toEqual(['cpu', 'memory']);
        // The only writable place is a mounted volume.
        expect((container.volumeMounts as Obj[]).map((m) => m.mountPath)).toContain('/tmp');
      }
    }
  });

  it("names its migrate Jobs for the release it deploys, so each rollout's apply creates and runs its own", () => {
    // Set together by k8s/release.ts; a hand edit of one alone would run old Jobs against a new image.
    expect(release.tag).toBeDefined();
    expect([release.suffix, release.label]).toEqual([release.tag, release.tag]);
    expect(versionProblem(String(release.tag))).toBeNull();
    const jobs = objects.filter((o) => o.kind === 'Job');
    expect(jobs.map((j) => j.metadata.name).sort()).toEqual(
      [...dataEntries.map((e) => e.name), 'gateway'].map(jobOf).sort(),
    );
    for (const job of jobs) {
      expect(job.metadata.labels?.[RELEASE_LABEL], job.metadata.name).toBe(release.tag);
      // A finished Job stays (no ttlSecondsAfterFinished): applying its release again finds it and runs nothing.
      expect(asObj(job.spec).ttlSecondsAfterFinished, job.metadata.name).toBeUndefined();
      // Waiting for the database and migrating are bounded together.
      expect(asObj(job.spec).activeDeadlineSeconds, job.metadata.name).toBe(MIGRATE_DEADLINE_SECONDS);
      // The wait runs as the Job will connect: its image, DATABASE_URL, CA and config.
      const pod = podSpecOf(job) as Obj;
      const [wait] = pod.initContainers as Obj[];
      const [main] = pod.containers as Obj[];
      expect(wait?.command).toEqual(['node', '-e', WAIT_FOR_DATABASE]);
      for (const key of ['image', 'env', 'envFrom', 'volumeMounts', 'securityContext', 'resources'])
        expect(wait?.[key], `${job.metadata.name} wait ${key}`).toEqual(main?.[key]);
      expect(podContainers([job])[0]?.image, job.metadata.name).toMatch(new RegExp(`:${release.tag}$`));
    }
  });

  it('keeps every Deployment serving until the Service has dropped it, then lets it drain before SIGKILL', () => {
    const deployments = objects.filter((o) => o.kind === 'Deployment');
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(
      [...entries.map((e) => e.name), 'gateway', CACHE.name].sort(),
    );
    for (const deployment of deployments) {
      const grace = podSpecOf(deployment)?.terminationGracePeriodSeconds;
      for (const container of podContainers([deployment])) {
        const sleep = asObj(asObj(asObj(container.lifecycle).preStop).sleep).seconds;
        expect(sleep, `${deployment.metadata.name} preStop sleep`).toBe(PRE_STOP_SECONDS);
        // The pre-stop sleep counts against the grace period, and the drain starts only after it.
        expect(Number(grace), `${deployment.metadata.name} terminationGracePeriodSeconds`).toBeGreaterThan(
          PRE_STOP_SECONDS + DRAIN_SECONDS,
        );
      }
    }
  });

  it('gives each subgraph and field usage its own database roles and credentials, and the gateway the mounted supergraph', () => {
    const cluster = find(objects, 'Cluster', 'hub-db');
    const roles = asObj(asObj(cluster?.spec).managed).roles as Obj[];
    expect(roles.map((r) => r.name)).toEqual([
      ...dataEntries.flatMap((e) => [roleOf(e.name), readerOf(e.name)]),
      USAGE_OWNER,
      USAGE_WRITER,
    ]);
    // The gateways write field usage as the writer, through PgBouncer, verified against the cluster's CA
    // as every pod that connects; the gateway's Job creates its tables as the owner.
    for (const [kind, name, role] of [
      ['Deployment', 'gateway', USAGE_WRITER],
      ['Job', jobOf('gateway'), USAGE_OWNER],
    ] as const) {
      const o = find(objects, kind, name) as Manifest;
      const [c] = podContainers([o]);
      expect(roles.find((r) => r.name === role)?.passwordSecret).toEqual({ name: secretOfRole(role) });
      const usage = ((c?.env ?? []) as Obj[]).find((e) => e.name === 'HUB_USAGE_DATABASE_URL');
      expect(usage?.valueFrom, name).toEqual({ secretKeyRef: { name: secretOfRole(role), key: 'uri' } });
      expect(((c?.volumeMounts ?? []) as Obj[]).find((m) => m.mountPath === DB_CA_DIR)?.name, name).toBe('db-ca');
      expect(
        asObj(((podSpecOf(o)?.volumes ?? []) as Obj[]).find((v) => v.name === 'db-ca')?.secret).secretName,
        name,
      ).toBe(DB_CA_SECRET);
    }
    // A subgraph without tables has no database to reach: no DATABASE_URL, no CA.
    for (const entry of entries.filter((e) => e.data === false)) {
      const env = ((podContainers([find(objects, 'Deployment', entry.name) as Manifest])[0]?.env ?? []) as Obj[]).map(
        (e) => e.name,
      );
      expect(env, entry.name).not.toContain('DATABASE_URL');
      expect(env, entry.name).toContain('HUB_GATEWAY_SECRET');
    }
    for (const entry of dataEntries) {
      expect(roles.find((r) => r.name === roleOf(entry.name))?.passwordSecret).toEqual({ name: dbSecret(entry.name) });
      expect(roles.find((r) => r.name === readerOf(entry.name))?.passwordSecret).toEqual({
        name: dbReaderSecret(entry.name),
      });
      // The Job migrates as the schema owner; the serving pods read as the reader role.
      for (const [kind, secret] of [
        ['Deployment', dbReaderSecret(entry.name)],
        ['Job', dbSecret(entry.name)],
      ] as const) {
        const o = find(objects, kind, kind === 'Job' ? jobOf(entry.name) : entry.name) as Manifest;
        const database = ((podContainers([o])[0]?.env ?? []) as Obj[]).find((e) => e.name === 'DATABASE_URL');
        expect(database?.valueFrom, `${kind} ${entry.name}`).toEqual({ secretKeyRef: { name: secret, key: 'uri' } });
      }
    }
    const sqlRef = asObj(asObj(asObj(asObj(cluster?.spec).bootstrap).initdb).postInitApplicationSQLRefs)
      .configMapRefs as Obj[];
    const rolesSql = find(objects, 'ConfigMap', String(sqlRef[0]?.name));
    expect(asObj(rolesSql?.data)[String(sqlRef[0]?.key)]).toBe(
      readFileSync(join(BASE_DIR, 'postgres/roles.sql'), 'utf8'),
    );

    const gateway = find(objects, 'Deployment', 'gateway') as Manifest;
    const [container] = podContainers([gateway]);
    const path = String(((container?.env ?? []) as Obj[]).find((e) => e.name === 'HUB_SUPERGRAPH_PATH')?.value);
    const mount = ((container?.volumeMounts ?? []) as Obj[]).find((m) => path.startsWith(`${String(m.mountPath)}/`));
    const volume = ((podSpecOf(gateway)?.volumes as Obj[]) ?? []).find((v) => v.name === mount?.name);
    const supergraph = find(objects, 'ConfigMap', String(asObj(volume?.configMap).name));
    expect(asObj(supergraph?.data)[path.slice(String(mount?.mountPath).length + 1)]).toBe(
      readFileSync(join(REPO_ROOT, 'schema/supergraph.graphql'), 'utf8'),
    );
  });
});

describe("the cluster's set-up (infra/k8s/cluster): the ClusterIssuers the Ingresses name", () => {
  const issuers = render(join(K8S_DIR, 'cluster'));
  const ACME_DIRECTORIES = {
    production: 'https://acme-v02.api.letsencrypt.org/directory',
    staging: 'https://acme-staging-v02.api.letsencrypt.org/directory',
  };

  it("validates against cert-manager's CRD schema, and is cluster-scoped", () => {
    expect(issuers.map((o) => o.kind)).toEqual(['ClusterIssuer', 'ClusterIssuer']);
    for (const o of issuers) {
      expect(() => new ClusterIssuer(o as never).validate(), o.metadata.name).not.toThrow();
      expect(o.metadata.namespace, o.metadata.name).toBeUndefined();
    }
    expect(unknownFields(issuers)).toEqual([]);
    // The schema does refuse: an ACME issuer with no server, or a misspelt solver field.
    const broken = structuredClone(issuers[0]) as Manifest;
    delete asObj(asObj(broken.spec).acme).server;
    expect(() => new ClusterIssuer(broken as never).validate()).toThrow(/server/);
    const typo = structuredClone(issuers[0]) as Manifest;
    const [solver] = asObj(asObj(typo.spec).acme).solvers as Obj[];
    asObj(asObj(solver?.http01).ingress).ingressClass = 'nginx';
    expect(unknownFields([typo])).toEqual([
      { object: `ClusterIssuer/${typo.metadata.name}`, path: 'spec.acme.solvers[0].http01.ingress.ingressClass' },
    ]);
  });

  it.each(OVERLAYS)(
    "issues %s's certificate: its Ingress names an issuer here that answers HTTP-01 through the Ingress's class",
    (overlay) => {
      const ingress = (rendered[overlay] ?? []).find((o) => o.kind === 'Ingress') as Manifest;
      const name = asObj(ingress.metadata.annotations)['cert-manager.io/cluster-issuer'];
      const issuer = issuers.find((o) => o.metadata.name === name);
      expect(issuer, `${overlay} names ClusterIssuer ${String(name)}`).toBeDefined();
      const acme = asObj(asObj(issuer?.spec).acme);
      const solvers = acme.solvers as Obj[];
      expect(solvers.map((x) => asObj(asObj(x.http01).ingress).ingressClassName)).toEqual([
        asObj(ingress.spec).ingressClassName,
      ]);
      expect(asObj(acme.privateKeySecretRef).name).toBeTruthy();
      // Production has a certificate browsers trust; dev the staging directory's, within its rate limits.
      expect(acme.server).toBe(overlay === 'overlays/prod' ? ACME_DIRECTORIES.production : ACME_DIRECTORIES.staging);
    },
  );

  it('keeps each issuer its own ACME account key', () => {
    const keys = issuers.map((o) => asObj(asObj(asObj(o.spec).acme).privateKeySecretRef).name);
    expect(new Set(keys).size).toBe(issuers.length);
  });
});

describe('backups (overlays/prod) and the restore cluster (infra/k8s/restore)', () => {
  const prod = rendered['overlays/prod'] ?? [];
  const cluster = find(prod, 'Cluster', CLUSTER) as Manifest;
  const store = find(prod, 'ObjectStore', OBJECT_STORE) as Manifest;

  it('archives WAL and takes base backups through the Barman Cloud plugin, never the in-tree barmanObjectStore', () => {
    expect(JSON.stringify(prod)).not.toContain('barmanObjectStore');
    const spec = asObj(cluster.spec);
    expect(spec.backup).toBeUndefined();
    expect(spec.plugins).toEqual([
      { name: BARMAN_PLUGIN, isWALArchiver: true, parameters: { barmanObjectName: OBJECT_STORE } },
    ]);
    expect(asObj(store.spec).retentionPolicy).toBe('30d');
    const scheduled = prod.filter((o) => o.kind === 'ScheduledBackup');
    expect(scheduled.map((b) => asObj(b.spec))).toEqual([
      expect.objectContaining({
        method: 'plugin',
        pluginConfiguration: { name: BARMAN_PLUGIN },
        cluster: { name: CLUSTER },
        // A base backup at once: point-in-time recovery from the first hour, not the first night.
        immediate: true,
      }),
    ]);
    // The dev overlay keeps no backups, so it needs neither the plugin nor an object store.
    expect((rendered['overlays/dev'] ?? []).filter((o) => ['ObjectStore', 'ScheduledBackup'].includes(o.kind))).toEqual(
      [],
    );
  });

  it('runs a pinned PostgreSQL image, a supported major, in every cluster', () => {
    const restore = render(join(K8S_DIR, 'restore/cluster')).find((o) => o.kind === 'Cluster') as Manifest;
    for (const c of [cluster, find(rendered['overlays/dev'] ?? [], 'Cluster', CLUSTER) as Manifest, restore]) {
      const image = String(asObj(c.spec).imageName);
      expect(image).toBe(POSTGRES_IMAGE);
      // Major and minor in the tag: nothing moves unless this line does.
      const [, major] = /:(\d+)\.\d+-/.exec(image) ?? [];
      expect(Number(major)).toBeGreaterThanOrEqual(16);
    }
  });

  const restoreObjects = render(join(K8S_DIR, 'restore/cluster'));
  const cutover = render(join(K8S_DIR, 'restore/cutover'));
  const restore = restoreObjects[0] as Manifest;
  const validate = (objects: Manifest[]) => {
    for (const o of objects) {
      const Model = VALIDATORS[`${o.apiVersion}/${o.kind}`];
      expect(Model, `no validator for ${o.apiVersion} ${o.kind}`).toBeDefined();
      if (Model) expect(() => new Model(o as never).validate(), `${o.kind}/${o.metadata.name}`).not.toThrow();
    }
    expect(unknownFields(objects)).toEqual([]);
  };

  it('validates, recovers from the ObjectStore the prod cluster archives to, archives its own WAL and keeps every role', () => {
    // The Cluster alone: the runbook patches the moment to recover to into this stream.
    expect(restoreObjects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([`Cluster/${RESTORE_CLUSTER}`]);
    validate(restoreObjects);
    const spec = asObj(restore.spec);
    const source = (spec.externalClusters as Obj[]).find(
      (c) => c.name === asObj(asObj(spec.bootstrap).recovery).source,
    );
    // The prod cluster's archive: its ObjectStore, in the folder named after it.
    expect(source?.plugin).toEqual({
      name: BARMAN_PLUGIN,
      parameters: { barmanObjectName: store.metadata.name, serverName: cluster.metadata.name },
    });
    // From its promotion on, its own WAL is archived (under its own name), with the prod cluster's resources.
    expect(spec.plugins).toEqual(asObj(cluster.spec).plugins);
    expect(spec.resources).toEqual(asObj(cluster.spec).resources);
    const roles = (asObj(spec.managed).roles as Obj[]).map((r) => [r.name, asObj(r.passwordSecret).name]);
    expect(roles).toEqual([
      ...dataEntries.flatMap((e) => [
        [roleOf(e.name), dbSecret(e.name)],
        [readerOf(e.name), dbReaderSecret(e.name)],
      ]),
      [USAGE_OWNER, secretOfRole(USAGE_OWNER)],
      [USAGE_WRITER, secretOfRole(USAGE_WRITER)],
    ]);
  });

  it('names no namespace in the restore, its cut-over or the drill: each lands where the runbook applies it (-n)', () => {
    const drill = render(join(K8S_DIR, 'restore/drill'));
    for (const o of [...restoreObjects, ...cutover, ...drill])
      expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBeUndefined();
  });

  it("signs the restored cluster's certificate with the CA the subgraph pods verify the database against", () => {
    // The CA Secret every pod that connects mounts where its DATABASE_URL's sslrootcert points (verify-full).
    const mounted = new Set(
      prod
        .filter(
          (o) =>
            isWorkload(o) &&
            podContainers([o]).some((c) => (c.env as Obj[] | undefined)?.some((e) => e.name === 'DATABASE_URL')),
        )
        .map((o) => {
          const mount = podContainers([o])
            .flatMap((c) => (c.volumeMounts as Obj[]) ?? [])
            .find((m) => m.mountPath === DB_CA_DIR);
          const volume = ((podSpecOf(o)?.volumes as Obj[]) ?? []).find((v) => v.name === mount?.name);
          return asObj(volume?.secret).secretName;
        }),
    );
    expect(DB_CA_FILE.startsWith(`${DB_CA_DIR}/`)).toBe(true);
    expect([...mounted]).toEqual([DB_CA_SECRET]);
    // The prod cluster's CA is the one CloudNativePG generates for it, <cluster>-ca (it names none).
    expect(asObj(asObj(cluster.spec).certificates).serverCASecret).toBeUndefined();
    expect(DB_CA_SECRET).toBe(`${cluster.metadata.name}-ca`);
    // The restored cluster signs with that CA's key (no serverTLSSecret: CloudNativePG issues the
    // certificate itself, from serverCASecret's ca.key), naming its PgBouncer too, where the readers' URIs go.
    const certificates = asObj(asObj(restore.spec).certificates);
    expect(certificates.serverCASecret).toBe(DB_CA_SECRET);
    expect(certificates.serverTLSSecret).toBeUndefined();
    expect(certificates.serverAltDNSNames).toEqual([RESTORE_POOLER]);
    expect(asObj(find(cutover, 'Pooler', RESTORE_POOLER)?.spec).cluster).toEqual({ name: RESTORE_CLUSTER });
  });

  it('backs up, pools and scrapes the restored cluster once it is the database, as the prod cluster is', () => {
    expect(cutover.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
      [
        `Pooler/${RESTORE_POOLER}`,
        `ScheduledBackup/${RESTORE_CLUSTER}-nightly`,
        `PodMonitor/${RESTORE_CLUSTER}`,
        `PodMonitor/${RESTORE_POOLER}`,
      ].sort(),
    );
    validate(cutover);
    // Base backups as prod's, of the restored cluster: one at once, then nightly.
    const prodBackup = prod.find((o) => o.kind === 'ScheduledBackup') as Manifest;
    const backup = cutover.find((o) => o.kind === 'ScheduledBackup') as Manifest;
    expect(backup.spec).toEqual({ ...asObj(prodBackup.spec), cluster: { name: RESTORE_CLUSTER } });
    // PodMonitors as prod's, selecting the restored cluster's pods.
    const monitors = (objects: Manifest[], name: string) => asObj(find(objects, 'PodMonitor', name)?.spec);
    expect(monitors(cutover, RESTORE_CLUSTER)).toEqual({
      ...monitors(prod, CLUSTER),
      selector: { matchLabels: CNPG_LABELS.instance(RESTORE_CLUSTER) },
    });
    expect(monitors(cutover, RESTORE_POOLER)).toEqual({
      ...monitors(prod, POOLER),
      selector: { matchLabels: CNPG_LABELS.pooler(RESTORE_POOLER) },
    });
    // The Pooler as prod's, in front of the restored cluster.
    expect(find(cutover, 'Pooler', RESTORE_POOLER)?.spec).toEqual({
      ...asObj(find(prod, 'Pooler', POOLER)?.spec),
      cluster: { name: RESTORE_CLUSTER },
      template: {
        ...asObj(asObj(find(prod, 'Pooler', POOLER)?.spec).template),
        metadata: asObj(asObj(find(cutover, 'Pooler', RESTORE_POOLER)?.spec).template).metadata,
      },
    });
  });

  it("drills on prod's archive, read as prod's ObjectStore describes it, archiving to a store of its own and with a CA of its own", () => {
    const drill = render(join(K8S_DIR, 'restore/drill'));
    const stores = parseAllDocuments(readFileSync(join(K8S_DIR, 'restore/drill/stores.yaml'), 'utf8')).map(
      (d) => d.toJSON() as Manifest,
    );
    validate([...drill, ...stores]);
    const read = find(stores, 'ObjectStore', OBJECT_STORE) as Manifest;
    expect(asObj(read.spec).configuration).toEqual(asObj(store.spec).configuration);
    // It deletes nothing in prod's archive (no retention to enforce), and writes elsewhere.
    expect(asObj(read.spec).retentionPolicy).toBeUndefined();
    const drillCluster = drill[0] as Manifest;
    const archiver = ((asObj(drillCluster.spec).plugins as Obj[]).find((p) => p.isWALArchiver) as Obj)
      .parameters as Obj;
    const own = find(stores, 'ObjectStore', String(archiver.barmanObjectName)) as Manifest;
    expect(own.metadata.name).not.toBe(OBJECT_STORE);
    // A bucket of its own, with credentials of their own.
    const bucket = (m: Manifest) => new URL(String(asObj(asObj(m.spec).configuration).destinationPath)).host;
    expect(bucket(own)).not.toBe(bucket(store));
    expect(asObj(asObj(asObj(own.spec).configuration).s3Credentials)).not.toEqual(
      asObj(asObj(asObj(store.spec).configuration).s3Credentials),
    );
    // Otherwise the restore cluster itself: what the drill measures is what a restore would do.
    const { plugins: _p, certificates: drillCertificates, ...drillRest } = asObj(drillCluster.spec);
    const { plugins: _q, certificates: restoreCertificates, ...restoreRest } = asObj(restore.spec);
    expect(drillRest).toEqual(restoreRest);
    expect(asObj(drillCertificates).serverCASecret).toBeUndefined();
    expect({ ...asObj(drillCertificates), serverCASecret: DB_CA_SECRET }).toEqual(restoreCertificates);
  });
});

describe('the probes the manifests name', () => {
  let graph: TestGraph;
  beforeAll(async () => {
    graph = await startTestGraph([geography, workforce] as SubgraphDefinition<unknown>[]);
  });
  afterAll(() => graph.close());

  it('answer 200 on a running subgraph and gateway', async () => {
    const objects = rendered['overlays/prod'] ?? [];
    for (const [name, url] of [
      ['geography', graph.subgraphs.geography?.url],
      ['gateway', graph.gatewayUrl],
    ] as const) {
      const [container] = podContainers([find(objects, 'Deployment', name) as Manifest]);
      for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
        const path = String(asObj(asObj(container?.[probe]).httpGet).path);
        const res = await fetch(new URL(path, url));
        expect(res.status, `${name} ${probe} ${path}`).toBe(200);
      }
    }
  });

  it("have Prometheus scrape the gateway's admin port, through a ServiceMonitor, at a path that answers in its text format", async () => {
    const objects = rendered['overlays/prod'] ?? [];
    const monitor = find(objects, 'ServiceMonitor', 'gateway') as Manifest;
    const spec = asObj(monitor.spec);
    const [endpoint] = spec.endpoints as Obj[];
    const service = objects.find(
      (o) =>
        o.kind === 'Service' &&
        Object.entries(asObj(asObj(spec.selector).matchLabels)).every(([k, v]) => o.metadata.labels?.[k] === v),
    ) as Manifest;
    expect(service.metadata.name).toBe(GATEWAY_ADMIN_SERVICE);
    expect(asObj(service.spec).ports).toEqual([{ name: 'admin', port: ADMIN_PORT, targetPort: 'admin' }]);
    expect(asObj(service.spec).selector).toEqual({ 'app.kubernetes.io/name': 'gateway' });
    expect(endpoint?.port).toBe('admin');
    const res = await fetch(new URL(String(endpoint?.path), graph.gatewayUrl));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('version=0.0.4');
    expect(await res.text()).toContain('# TYPE hub_gateway_requests_total counter');
  });
});

describe('a release (k8s/release.ts)', () => {
  const root = mkdtempSync(join(tmpdir(), 'hub-release-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('sets the image tag and names the migrate Jobs for it, leaving every other object as it was', () => {
    // Nothing outside infra/k8s is read: the base has its own copy of the supergraph.
    cpSync(K8S_DIR, join(root, 'infra/k8s'), { recursive: true });
    const overlay = join(root, 'infra/k8s/overlays/prod');
    const before = render(overlay);
    const names = (objects: Manifest[]) => objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();
    for (const version of ['1.4.0', 'v1.4.0-3-gabc1234']) {
      setRelease(overlay, version);
      expect(releaseOf(overlay)).toEqual({ tag: version, suffix: version, label: version });
      const after = render(overlay);
      expect(names(after.filter((o) => o.kind === 'Job'))).toEqual(
        [...dataEntries.map((e) => e.name), 'gateway'].map((name) => `Job/${migrateJob(name)}-${version}`).sort(),
      );
      expect(names(after.filter((o) => o.kind !== 'Job'))).toEqual(names(before.filter((o) => o.kind !== 'Job')));
      for (const container of podContainers(after.filter(isHubPod)))
        expect(container.image).toBe(`registry.example.nhs.uk/nhs-region-hub:${version}`);
      // Redis keeps its own image, whatever the hub's release.
      expect(podContainers(after.filter((o) => isWorkload(o) && !isHubPod(o))).map((c) => c.image)).toEqual([
        CACHE.image,
      ]);
    }
    // Its comments stay: the overlay is still a file people read.
    expect(readFileSync(join(overlay, 'kustomization.yaml'), 'utf8')).toContain('# Production:');
  });

  it('refuses a version that cannot name a Job, writing nothing', () => {
    const overlay = join(root, 'infra/k8s/overlays/prod');
    const text = readFileSync(join(overlay, 'kustomization.yaml'), 'utf8');
    expect(() => setRelease(overlay, 'V1_4')).toThrow(/lowercase letters, digits/);
    expect(() => setRelease(overlay, `1.${'0'.repeat(60)}`)).toThrow(/longer than 63 characters/);
    expect(readFileSync(join(overlay, 'kustomization.yaml'), 'utf8')).toBe(text);
  });
});

// Not every machine has kubectl; where it does, its kustomize is the reference (CI requires it).
const kubectl = needSystemTool(SYSTEM_TOOLS.kubectl).path !== null;

describe('the renderer', () => {
  it.skipIf(!kubectl)('renders what kubectl kustomize renders, hash suffixes aside', () => {
    for (const overlay of [...OVERLAYS, 'cluster', 'restore/cluster', 'restore/cutover', 'restore/drill']) {
      const dir = join(K8S_DIR, overlay);
      // No flag: what `kubectl apply -k` renders, with kustomize's default load restrictor.
      const { stdout, stderr, status } = spawnSync('kubectl', ['kustomize', dir], {
        encoding: 'utf8',
        maxBuffer: 64 * 2 ** 20,
      });
      expect(status, `kubectl kustomize ${overlay}: ${stderr}`).toBe(0);
      const theirs = parseAllDocuments(stdout).map((d) => d.toJSON() as Manifest);
      // Each side names a generated ConfigMap by its own hash: compare them by the name they were given.
      const unhashed = (objects: Manifest[]) => {
        const names = new Map(
          objects
            .filter((o) => o.kind === 'ConfigMap' && /-[a-z0-9]{10}$/.test(o.metadata.name))
            .map((o) => [o.metadata.name, o.metadata.name.slice(0, -11)]),
        );
        const json = JSON.stringify(objects, (_key, value: unknown) =>
          typeof value === 'string' ? (names.get(value) ?? value) : value,
        );
        const sorted = (value: unknown): unknown =>
          Array.isArray(value)
            ? value.map(sorted)
            : value && typeof value === 'object'
              ? Object.fromEntries(
                  Object.entries(value)
                    .sort(([a], [b]) => a.localeCompare(b))
                    .map(([k, v]) => [k, sorted(v)]),
                )
              : value;
        const list = (JSON.parse(json) as Manifest[]).map(sorted) as Manifest[];
        return list.sort((a, b) => `${a.kind}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.name}`));
      };
      expect(unhashed(rendered[overlay] ?? render(dir)), overlay).toEqual(unhashed(theirs));
    }
  });

  const dir = mkdtempSync(join(tmpdir(), 'hub-kustomize-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (path: string, text: string) => {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  };

  it('merges lists of named items by name, deletes on null and replaces other lists', () => {
    const base: Json = {
      containers: [
        { name: 'a', image: 'x', args: ['1', '2'] },
        { name: 'b', image: 'y' },
      ],
      keep: 1,
      drop: 2,
    };
    const patch: Json = {
      containers: [
        { name: 'b', image: 'z' },
        { name: 'c', image: 'w' },
      ],
      drop: null,
    };
    expect(strategicMerge(base, patch)).toEqual({
      // As kubectl kustomize orders them: the patch's items first, in its order.
      containers: [
        { name: 'b', image: 'z' },
        { name: 'c', image: 'w' },
        { name: 'a', image: 'x', args: ['1', '2'] },
      ],
      keep: 1,
    });
    expect(strategicMerge({ args: ['1', '2'] }, { args: ['3'] })).toEqual({ args: ['3'] });
  });

  it('applies namespace, images, targeted patches and merged generators through levels, renaming references', () => {
    write(
      'base/kustomization.yaml',
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [app.yaml]\nconfigMapGenerator:\n  - name: cfg\n    literals: [A=1, B=2]\n',
    );
    write(
      'base/app.yaml',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: repo/app:1\n          envFrom: [{configMapRef: {name: cfg}}]\n',
    );
    write(
      'over/kustomization.yaml',
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: ns\nresources: [../base]\nimages: [{name: repo/app, newTag: "2"}]\nconfigMapGenerator:\n  - name: cfg\n    behavior: merge\n    literals: [B=3]\npatches:\n  - path: p.yaml\n    target: {kind: Deployment}\n',
    );
    write(
      'over/p.yaml',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ignored}\nspec: {template: {spec: {containers: [{name: app, args: [x]}]}}}\n',
    );
    const objects = render(join(dir, 'over'));
    const cfg = objects.find((o) => o.kind === 'ConfigMap') as Manifest;
    expect(cfg.data).toEqual({ A: '1', B: '3' });
    expect(cfg.metadata.name).toMatch(/^cfg-[0-9a-f]{10}$/);
    expect(objects.every((o) => o.metadata.namespace === 'ns')).toBe(true);
    const [container] = podContainers(objects);
    expect(container).toMatchObject({
      image: 'repo/app:2',
      args: ['x'],
      envFrom: [{ configMapRef: { name: cfg.metadata.name } }],
    });
  });

  it('refuses a kustomization field it does not implement instead of ignoring it', () => {
    write(
      'odd/kustomization.yaml',
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamePrefix: x-\n',
    );
    expect(() => render(join(dir, 'odd'))).toThrow(/namePrefix/);
  });
});
