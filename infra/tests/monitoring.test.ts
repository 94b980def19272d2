import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@nhs-hub/kit/repo';
import type { SubgraphDefinition } from '@nhs-hub/kit/subgraph';
import { startTestGraph, type TestGraph } from '@nhs-hub/gateway/testing';
import { subgraph as geography } from '@nhs-hub/geography';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CACHE, CLUSTER, POOLER, RESTORE_CLUSTER, RESTORE_POOLER } from '../k8s/generate.js';
import { CLUSTER_LABEL, CLUSTER_POD_LABEL, GATEWAY_METRICS, MONITORING_RELEASE } from '../k8s/monitoring.js';
import { CNPG_LABELS } from '../k8s/network.js';
import { type Json, K8S_DIR, type Manifest, render } from '../k8s/render.js';

/**
 * Alerts, scrapes and the dashboard of the prod overlay, checked against what is there to be
 * scraped: the gateway's metrics from a running gateway, the database's from the names
 * CloudNativePG and the Barman Cloud plugin document, the pods' labels as CloudNativePG sets them.
 */
type Obj = Record<string, Json>;
const objects = render(join(K8S_DIR, 'overlays/prod'));
const find = (kind: string, name: string) =>
  objects.find((o) => o.kind === kind && o.metadata.name === name) as Manifest;
const rule = find('PrometheusRule', 'nhs-region-hub');
const rules = ((((rule.spec as Obj).groups as Obj[])[0] as Obj).rules ?? []) as Obj[];
const dashboardMap = find('ConfigMap', 'hub-gateway-dashboard');
const dashboard = JSON.parse(String((dashboardMap.data as Obj)['nhs-hub-gateway.json'])) as {
  uid: string;
  panels: { title: string; targets: { expr: string }[] }[];
};

/** Metric names in a PromQL expression: identifiers followed by { or (, or standing alone, less functions and keywords. */
const PROMQL_WORDS = new Set([
  'sum',
  'max',
  'min',
  'rate',
  'increase',
  'histogram_quantile',
  'by',
  'or',
  'and',
  'time',
  'le',
  'namespace',
  'subgraph',
  'deployment',
  'pod',
  CLUSTER_LABEL,
  'status',
  'code',
  'humanizePercentage',
  'humanizeDuration',
]);
const metricsIn = (expr: string) =>
  [
    ...expr
      .replace(/"[^"]*"/g, '""')
      .replace(/\[[^\]]*\]/g, '')
      .matchAll(/\b([a-z_][a-z0-9_]*)\b/g),
  ]
    .map((m) => m[1] ?? '')
    .filter((w) => !PROMQL_WORDS.has(w))
    // A histogram's series are its name plus _bucket.
    .map((w) => w.replace(/_bucket$/, ''));

/** Where every metric the rules use that the gateway does not serve comes from (their documentation). */
const DOCUMENTED: Record<string, string> = {
  cnpg_pg_replication_lag: "CloudNativePG's default monitoring query pg_replication (lag)",
  cnpg_pg_stat_archiver_failed_count: 'CloudNativePG default query pg_stat_archiver (failed_count)',
  cnpg_pg_stat_archiver_seconds_since_last_archival: 'CloudNativePG default query pg_stat_archiver',
  barman_cloud_cloudnative_pg_io_last_failed_backup_timestamp: 'Barman Cloud plugin, observability.md',
  barman_cloud_cloudnative_pg_io_last_available_backup_timestamp: 'Barman Cloud plugin, observability.md',
  kube_deployment_status_replicas_available: 'kube-state-metrics',
};

describe("the prod overlay's monitoring", () => {
  let graph: TestGraph;
  let served: Set<string>;
  beforeAll(async () => {
    graph = await startTestGraph([geography] as SubgraphDefinition<unknown>[]);
    const text = await (await fetch(new URL('/metrics', graph.gatewayUrl))).text();
    served = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1] ?? ''));
  });
  afterAll(() => graph?.close());

  it('alerts on 5xx, p99 latency, a subgraph down, the cache degraded, backups, replication lag and WAL archiving', () => {
    expect(rules.map((r) => r.alert).sort()).toEqual(
      [
        'HubBackupFailed',
        'HubBackupTooOld',
        'HubCacheDegraded',
        'HubGateway5xxRatio',
        'HubGatewayLatencyP99',
        'HubReplicationLag',
        'HubSubgraphDown',
        'HubWalArchivingFailing',
      ].sort(),
    );
    for (const r of rules) {
      expect(['critical', 'warning'], String(r.alert)).toContain((r.labels as Obj).severity);
      expect(String((r.annotations as Obj).runbook), String(r.alert)).toMatch(/^infra\/README\.md, step \d+/);
      expect(String(r.for)).toMatch(/^\d+m$/);
    }
  });

  it('uses only metrics that exist: the gateway serves its own, the rest are documented', () => {
    expect(served.size).toBeGreaterThan(0);
    for (const name of Object.values(GATEWAY_METRICS)) expect(served, name).toContain(name);
    const used = new Set([
      ...rules.flatMap((r) => metricsIn(String(r.expr))),
      ...dashboard.panels.flatMap((p) => p.targets.flatMap((t) => metricsIn(t.expr))),
    ]);
    for (const name of used)
      expect(served.has(name) || name in DOCUMENTED, `${name}: neither served by the gateway nor documented`).toBe(
        true,
      );
    // The check is not vacuous: a misspelt metric would be caught.
    expect(served.has('hub_gateway_request_total') || 'hub_gateway_request_total' in DOCUMENTED).toBe(false);
  });

  it('scrapes PostgreSQL and PgBouncer with PodMonitors selecting the pods CloudNativePG labels', () => {
    for (const [name, labels] of [
      [CLUSTER, CNPG_LABELS.instance(CLUSTER)],
      [POOLER, CNPG_LABELS.pooler(POOLER)],
    ] as const) {
      const spec = find('PodMonitor', name).spec as Obj;
      expect((spec.selector as Obj).matchLabels).toEqual(labels);
      expect(((spec.podMetricsEndpoints as Obj[])[0] as Obj).port).toBe('metrics');
    }
    // Both poolers and clusters exist in the manifests the monitors name.
    expect(find('Cluster', CLUSTER)).toBeDefined();
    expect(find('Pooler', POOLER)).toBeDefined();
  });

  it("alerts on every cluster's database by its cluster label: the prod cluster's, and the restored one's after a cut-over", () => {
    const cutover = render(join(K8S_DIR, 'restore/cutover'));
    // Each instance's series get the cluster's name from the pod label CloudNativePG sets (cnpg.io/cluster),
    // which Prometheus's discovery offers as __meta_kubernetes_pod_label_ and the label, sanitised.
    const podLabel = Object.keys(CNPG_LABELS.instance(CLUSTER)).find((k) => k.endsWith('/cluster')) ?? '';
    expect(CLUSTER_POD_LABEL).toBe(`__meta_kubernetes_pod_label_${podLabel.replace(/[^a-zA-Z0-9_]/g, '_')}`);
    for (const [manifests, cluster] of [
      [objects, CLUSTER],
      [cutover, RESTORE_CLUSTER],
    ] as const) {
      const monitor = manifests.find((o) => o.kind === 'PodMonitor' && o.metadata.name === cluster) as Manifest;
      const spec = monitor.spec as Obj;
      expect((spec.selector as Obj).matchLabels).toEqual(CNPG_LABELS.instance(cluster));
      expect(spec.podMetricsEndpoints).toEqual([
        {
          port: 'metrics',
          relabelings: [{ action: 'replace', sourceLabels: [CLUSTER_POD_LABEL], targetLabel: CLUSTER_LABEL }],
        },
      ]);
    }
    // Every rule on a database metric selects those series by that label, matching both clusters, never by pod
    // name (hub-db-restore-1 is not hub-db-[0-9]+), and keeps one alert per cluster.
    const database = rules.filter((r) => metricsIn(String(r.expr)).some((m) => /^(cnpg|barman)_/.test(m)));
    expect(database.map((r) => r.alert).sort()).toEqual(
      ['HubBackupFailed', 'HubBackupTooOld', 'HubReplicationLag', 'HubWalArchivingFailing'].sort(),
    );
    for (const r of database) {
      const expr = String(r.expr);
      expect(expr, String(r.alert)).not.toMatch(/\bpod=~/);
      const selectors = [...expr.matchAll(/\b(?:cnpg|barman)_[a-z0-9_]+\{([^}]*)\}/g)].map((m) => m[1] ?? '');
      // Every use of a database metric has a selector.
      expect(selectors.length, String(r.alert)).toBe(metricsIn(expr).filter((m) => /^(cnpg|barman)_/.test(m)).length);
      for (const selector of selectors) {
        const regex = new RegExp(`${CLUSTER_LABEL}=~"([^"]+)"`).exec(selector)?.[1];
        expect(regex, `${String(r.alert)}: ${selector}`).toBeDefined();
        // PromQL anchors a regex matcher at both ends.
        for (const cluster of [CLUSTER, RESTORE_CLUSTER])
          expect(new RegExp(`^(?:${regex})$`).test(cluster), `${String(r.alert)} ${cluster}`).toBe(true);
        expect(new RegExp(`^(?:${regex})$`).test(`${CLUSTER}-other`)).toBe(false);
      }
      for (const by of expr.matchAll(/\bby \(([^)]*)\)/g)) expect(by[1], String(r.alert)).toContain(CLUSTER_LABEL);
      // Its text names the cluster (or the pod, whose name starts with it), not hub-db whichever it is.
      expect(String((r.annotations as Obj).description)).toMatch(new RegExp(`\\$labels\\.(${CLUSTER_LABEL}|pod)\\b`));
      expect(String((r.annotations as Obj).description)).not.toContain(`/${CLUSTER}`);
    }
    // The restored cluster's PgBouncer is scraped too.
    expect(cutover.find((o) => o.kind === 'PodMonitor' && o.metadata.name === RESTORE_POOLER)).toBeDefined();
  });

  it('ships a Grafana dashboard of requests, latency and errors, per subgraph too', () => {
    expect(dashboardMap.metadata.labels?.grafana_dashboard).toBe('1');
    expect(dashboard.uid).toBe('nhs-hub-gateway');
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
    for (const metric of [GATEWAY_METRICS.requests, GATEWAY_METRICS.duration, GATEWAY_METRICS.errors])
      expect(
        exprs.some((e) => e.includes(metric)),
        metric,
      ).toBe(true);
    const perSubgraph = dashboard.panels.filter((p) => p.targets.some((t) => /by \(subgraph/.test(t.expr)));
    expect(perSubgraph.length).toBeGreaterThanOrEqual(3);
    // Every panel's query is scoped to the namespace chosen at the top.
    for (const e of exprs) expect(e).toContain('namespace="$namespace"');
  });

  it("is labelled for kube-prometheus-stack's Prometheus, which loads only monitors and rules labelled with its release", () => {
    const cutover = render(join(K8S_DIR, 'restore/cutover'));
    const operated = [...objects, ...cutover].filter((o) =>
      ['ServiceMonitor', 'PodMonitor', 'PrometheusRule'].includes(o.kind),
    );
    expect(operated.map((o) => o.kind).sort()).toEqual(
      ['PodMonitor', 'PodMonitor', 'PodMonitor', 'PodMonitor', 'PrometheusRule', 'ServiceMonitor'].sort(),
    );
    for (const o of operated)
      expect(o.metadata.labels?.release, `${o.kind}/${o.metadata.name}`).toBe(MONITORING_RELEASE);
    // The setting is the runbook's: step 0 names the release to install it as, or to change it to.
    const readme = readFileSync(join(REPO_ROOT, 'infra/README.md'), 'utf8');
    expect(readme).toContain(`release: ${MONITORING_RELEASE}`);
    expect(readme).toContain('MONITORING_RELEASE');
  });

  it("alerts on the cache by its Deployment, whose name is the manifests'", () => {
    const cache = rules.find((r) => r.alert === 'HubCacheDegraded');
    expect(String(cache?.expr)).toContain(`deployment="${CACHE.name}"`);
    expect(find('Deployment', CACHE.name)).toBeDefined();
  });
});

describe.each(['overlays/dev', 'overlays/prod'])('the Ingress of %s', (overlay) => {
  const rendered = render(join(K8S_DIR, overlay));
  const ingresses = rendered.filter((o) => o.kind === 'Ingress');

  it('exposes /graphql and /exports only, over TLS from cert-manager, to the public port', () => {
    expect(ingresses).toHaveLength(1);
    const ingress = ingresses[0] as Manifest;
    const spec = ingress.spec as Obj;
    expect(ingress.metadata.annotations as Obj).toHaveProperty(['cert-manager.io/cluster-issuer']);
    const tls = (spec.tls as Obj[])[0] as Obj;
    const rules = spec.rules as Obj[];
    expect(rules.map((r) => r.host)).toEqual(tls.hosts);
    const paths = rules.flatMap((r) => ((r.http as Obj).paths as Obj[]) ?? []);
    expect(paths.map((p) => p.path).sort()).toEqual(['/exports', '/graphql']);
    for (const p of paths) expect((p.backend as Obj).service).toEqual({ name: 'gateway', port: { name: 'http' } });
    const service = rendered.find((o) => o.kind === 'Service' && o.metadata.name === 'gateway') as Manifest;
    expect(((service.spec as Obj).ports as Obj[]).map((p) => p.name)).toEqual(['http']);
  });

  it('names a certificate Secret of its own', () => {
    const other = render(join(K8S_DIR, overlay === 'overlays/dev' ? 'overlays/prod' : 'overlays/dev'));
    const secret = (o: Manifest[]) =>
      (((o.find((x) => x.kind === 'Ingress') as Manifest).spec as Obj).tls as Obj[])[0]?.secretName;
    expect(secret(rendered)).not.toBe(secret(other));
  });
});
