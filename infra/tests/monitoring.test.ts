import { join } from 'node:path';
import type { SubgraphDefinition } from '@nhs-hub/kit/subgraph';
import { startTestGraph, type TestGraph } from '@nhs-hub/gateway/testing';
import { subgraph as geography } from '@nhs-hub/geography';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CACHE, CLUSTER, POOLER } from '../k8s/generate.js';
import { GATEWAY_METRICS } from '../k8s/monitoring.js';
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
      expect(spec.podMetricsEndpoints).toEqual([{ port: 'metrics' }]);
    }
    // Both poolers and clusters exist in the manifests the monitors name.
    expect(find('Cluster', CLUSTER)).toBeDefined();
    expect(find('Pooler', POOLER)).toBeDefined();
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
