import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { CNPG_LABELS } from './network.js';

/**
 * What Prometheus (the Prometheus Operator's CRDs) scrapes and alerts on, and the gateway's Grafana
 * dashboard. The prod overlay includes them (base/monitoring); a cluster without the Prometheus
 * Operator cannot apply them, which is why they are not in the base itself.
 *
 * Metric names, and where they come from:
 * - hub_gateway_*: the gateway's /metrics (packages/kit/src/metrics.ts); tests/monitoring.test.ts
 *   scrapes a running gateway and finds every one the rules and the dashboard use.
 * - cnpg_pg_replication_lag, cnpg_pg_stat_archiver_*: CloudNativePG's default monitoring queries
 *   (pg_replication, pg_stat_archiver), served by each instance on its `metrics` port.
 * - barman_cloud_cloudnative_pg_io_*: the Barman Cloud plugin's (its docs, observability.md),
 *   through the same exporter.
 * - kube_deployment_status_replicas_available: kube-state-metrics (kube-prometheus-stack).
 */
export const MONITORING_LABELS = {
  'app.kubernetes.io/part-of': 'nhs-region-hub',
  'app.kubernetes.io/component': 'monitoring',
};
/**
 * The Helm release name of the cluster's kube-prometheus-stack. Its Prometheus loads only the
 * ServiceMonitors, PodMonitors and PrometheusRules labelled `release: <its release name>` (the
 * chart's default selectors, *SelectorNilUsesHelmValues: true); without the label these objects
 * apply cleanly and nothing is scraped or alerted on. A Prometheus installed under another name:
 * change it here and run npm run k8s:generate -w @nhs-hub/infra (infra/README.md, step 0).
 */
export const MONITORING_RELEASE = 'kube-prometheus-stack';
/** The labels of what the Prometheus Operator reads: ours, and the one its Prometheus selects by. */
const OPERATOR_LABELS = { ...MONITORING_LABELS, release: MONITORING_RELEASE };
export const GATEWAY_METRICS = {
  requests: 'hub_gateway_requests_total',
  duration: 'hub_gateway_request_duration_seconds',
  errors: 'hub_gateway_errors_total',
  subgraphRequests: 'hub_gateway_subgraph_requests_total',
  subgraphDuration: 'hub_gateway_subgraph_request_duration_seconds',
} as const;
/** A nightly base backup, with two hours' grace, before "too old". */
export const BACKUP_MAX_AGE_SECONDS = 26 * 3600;
/**
 * The label every PostgreSQL series carries with its CloudNativePG cluster's name (the pod label
 * cnpg.io/cluster, copied by the PodMonitors' relabeling): the database alerts select and group by
 * it, so they cover the prod cluster and a restored one (infra/README.md, step 7) alike. Pod names
 * would not: a restored cluster's pods are hub-db-restore-1, not hub-db-1.
 */
export const CLUSTER_LABEL = 'cnpg_cluster';
/** Where Prometheus's Kubernetes discovery puts a pod's label cnpg.io/cluster (non-[a-zA-Z0-9_] characters as _). */
export const CLUSTER_POD_LABEL = '__meta_kubernetes_pod_label_cnpg_io_cluster';

export interface MonitoringSettings {
  readonly cluster: string;
  readonly pooler: string;
  /** Every cluster the database alerts cover: the prod cluster and the restore cluster. */
  readonly clusters: readonly string[];
  readonly gatewayAdminService: string;
  readonly metricsPath: string;
  readonly subgraphs: readonly string[];
  readonly cache: string;
}

export interface Alert {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: 'critical' | 'warning' };
  annotations: { summary: string; description: string; runbook: string };
}

export function alerts(s: MonitoringSettings): Alert[] {
  const m = GATEWAY_METRICS;
  const subgraphs = s.subgraphs.join('|');
  const db = `${CLUSTER_LABEL}=~"${s.clusters.join('|')}"`;
  const runbook = (step: string) => `infra/README.md, ${step}`;
  return [
    {
      alert: 'HubGateway5xxRatio',
      expr: `sum by (namespace) (rate(${m.requests}{status=~"5.."}[5m])) / sum by (namespace) (rate(${m.requests}[5m])) > 0.05`,
      for: '5m',
      labels: { severity: 'critical' },
      annotations: {
        summary: 'More than 5% of GraphQL requests answered 5xx',
        description:
          'The gateway in {{ $labels.namespace }} answers {{ $value | humanizePercentage }} of requests with 5xx.',
        runbook: runbook('step 8 (rollback) if it started with a release'),
      },
    },
    {
      alert: 'HubGatewayLatencyP99',
      expr: `histogram_quantile(0.99, sum by (namespace, le) (rate(${m.duration}_bucket[5m]))) > 2`,
      for: '10m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'p99 GraphQL latency above 2 s',
        description: 'p99 latency in {{ $labels.namespace }} is {{ $value | humanizeDuration }}.',
        runbook: runbook('step 6 (scale)'),
      },
    },
    {
      alert: 'HubSubgraphDown',
      expr: `(sum by (namespace, subgraph) (rate(${m.subgraphRequests}{status=~"error|timeout|5.."}[5m])) / sum by (namespace, subgraph) (rate(${m.subgraphRequests}[5m])) > 0.5) or (max by (namespace, deployment) (kube_deployment_status_replicas_available{deployment=~"${subgraphs}"}) < 1)`,
      for: '5m',
      labels: { severity: 'critical' },
      annotations: {
        summary: 'A subgraph is down: its fields answer null with an error',
        description:
          'Subgraph {{ $labels.subgraph }}{{ $labels.deployment }} in {{ $labels.namespace }} fails most calls or has no ready replica.',
        runbook: runbook('step 9 (a failed migrate Job) if its pods are unready'),
      },
    },
    {
      alert: 'HubCacheDegraded',
      expr: `max by (namespace) (kube_deployment_status_replicas_available{deployment="${s.cache}"}) < 1`,
      for: '5m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'The response cache (Redis) is away: the gateways answer uncached',
        description: 'No ready {{ $labels.namespace }}/hub-cache replica; every request reaches the subgraphs.',
        runbook: runbook('step 10 (losing Redis)'),
      },
    },
    {
      alert: 'HubBackupFailed',
      expr: `max by (namespace, ${CLUSTER_LABEL}) (barman_cloud_cloudnative_pg_io_last_failed_backup_timestamp{${db}}) > max by (namespace, ${CLUSTER_LABEL}) (barman_cloud_cloudnative_pg_io_last_available_backup_timestamp{${db}})`,
      for: '10m',
      labels: { severity: 'critical' },
      annotations: {
        summary: 'The last base backup failed',
        description: `The last backup of {{ $labels.namespace }}/{{ $labels.${CLUSTER_LABEL} }} failed after the last one that succeeded.`,
        runbook: runbook('step 7 (back up and restore)'),
      },
    },
    {
      alert: 'HubBackupTooOld',
      expr: `time() - max by (namespace, ${CLUSTER_LABEL}) (barman_cloud_cloudnative_pg_io_last_available_backup_timestamp{${db}}) > ${BACKUP_MAX_AGE_SECONDS}`,
      for: '30m',
      labels: { severity: 'critical' },
      annotations: {
        summary: 'No base backup for over 26 hours',
        description: `The newest backup of {{ $labels.namespace }}/{{ $labels.${CLUSTER_LABEL} }} is {{ $value | humanizeDuration }} old.`,
        runbook: runbook('step 7 (back up and restore)'),
      },
    },
    {
      alert: 'HubReplicationLag',
      expr: `max by (namespace, ${CLUSTER_LABEL}, pod) (cnpg_pg_replication_lag{${db}}) > 30`,
      for: '5m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'A PostgreSQL replica is more than 30 s behind the primary',
        description:
          '{{ $labels.namespace }}/{{ $labels.pod }} lags by {{ $value }} s: a failover now would lose that much.',
        runbook: runbook('step 6 (scale; the database)'),
      },
    },
    {
      alert: 'HubWalArchivingFailing',
      expr: `(sum by (namespace, ${CLUSTER_LABEL}) (increase(cnpg_pg_stat_archiver_failed_count{${db}}[15m])) > 0) or (min by (namespace, ${CLUSTER_LABEL}) (cnpg_pg_stat_archiver_seconds_since_last_archival{${db}}) > 900)`,
      for: '10m',
      labels: { severity: 'critical' },
      annotations: {
        summary: 'WAL archiving is failing: point-in-time recovery stops at the last archived segment',
        description: `WAL archiving of {{ $labels.namespace }}/{{ $labels.${CLUSTER_LABEL} }} failed, or nothing was archived for 15 minutes.`,
        runbook: runbook('step 7 (back up and restore)'),
      },
    },
  ];
}

/** The gateway's dashboard: requests, latency and errors, overall and per subgraph. */
export function gatewayDashboard(): object {
  const m = GATEWAY_METRICS;
  const panel = (id: number, title: string, expr: string, legend: string, unit: string, x: number, y: number) => ({
    id,
    type: 'timeseries',
    title,
    datasource: { type: 'prometheus', uid: '$datasource' },
    gridPos: { h: 8, w: 12, x, y },
    fieldConfig: { defaults: { unit }, overrides: [] },
    targets: [{ refId: 'A', expr, legendFormat: legend }],
  });
  const ns = 'namespace="$namespace"';
  return {
    title: 'NHS region hub: gateway',
    uid: 'nhs-hub-gateway',
    schemaVersion: 39,
    timezone: 'utc',
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    templating: {
      list: [
        { name: 'datasource', type: 'datasource', query: 'prometheus' },
        {
          name: 'namespace',
          type: 'query',
          datasource: { type: 'prometheus', uid: '$datasource' },
          query: `label_values(${m.requests}, namespace)`,
          refresh: 2,
        },
      ],
    },
    panels: [
      panel(1, 'Requests by status', `sum by (status) (rate(${m.requests}{${ns}}[5m]))`, '{{status}}', 'reqps', 0, 0),
      panel(
        2,
        'Latency p50 / p99',
        `histogram_quantile(0.99, sum by (le) (rate(${m.duration}_bucket{${ns}}[5m])))`,
        'p99',
        's',
        12,
        0,
      ),
      panel(3, 'GraphQL errors by code', `sum by (code) (rate(${m.errors}{${ns}}[5m]))`, '{{code}}', 'ops', 0, 8),
      panel(
        4,
        '5xx ratio',
        `sum(rate(${m.requests}{${ns},status=~"5.."}[5m])) / sum(rate(${m.requests}{${ns}}[5m]))`,
        '5xx',
        'percentunit',
        12,
        8,
      ),
      panel(
        5,
        'Subgraph calls by subgraph and status',
        `sum by (subgraph, status) (rate(${m.subgraphRequests}{${ns}}[5m]))`,
        '{{subgraph}} {{status}}',
        'reqps',
        0,
        16,
      ),
      panel(
        6,
        'Subgraph latency p99 by subgraph',
        `histogram_quantile(0.99, sum by (subgraph, le) (rate(${m.subgraphDuration}_bucket{${ns}}[5m])))`,
        '{{subgraph}}',
        's',
        12,
        16,
      ),
      panel(
        7,
        'Subgraph errors by subgraph (no answer, timeout, 5xx)',
        `sum by (subgraph) (rate(${m.subgraphRequests}{${ns},status=~"error|timeout|5.."}[5m]))`,
        '{{subgraph}}',
        'reqps',
        0,
        24,
      ),
    ],
  };
}

/**
 * A cluster's PodMonitors: its PostgreSQL instances, each series labelled with the cluster's name
 * (CLUSTER_LABEL), and its PgBouncer. CloudNativePG's own PodMonitor switch
 * (spec.monitoring.enablePodMonitor) is deprecated: these are its replacement. The restore
 * cluster's are in restore/cutover, applied when it becomes the database.
 */
export function clusterMonitors(cluster: string, pooler: string): PodMonitor[] {
  return [
    new PodMonitor({
      metadata: { name: cluster, labels: OPERATOR_LABELS },
      spec: {
        selector: { matchLabels: CNPG_LABELS.instance(cluster) },
        podMetricsEndpoints: [
          {
            port: 'metrics',
            relabelings: [{ action: 'replace', sourceLabels: [CLUSTER_POD_LABEL], targetLabel: CLUSTER_LABEL }],
          },
        ],
      },
    }),
    new PodMonitor({
      metadata: { name: pooler, labels: OPERATOR_LABELS },
      spec: {
        selector: { matchLabels: CNPG_LABELS.pooler(pooler) },
        podMetricsEndpoints: [{ port: 'metrics' }],
      },
    }),
  ];
}

export function monitoringObjects(s: MonitoringSettings): object[] {
  const dashboard = gatewayDashboard();
  // The p50 beside the p99 on the latency panel.
  const latency = (dashboard as { panels: { targets: object[] }[] }).panels[1];
  latency?.targets.push({
    refId: 'B',
    expr: `histogram_quantile(0.5, sum by (le) (rate(${GATEWAY_METRICS.duration}_bucket{namespace="$namespace"}[5m])))`,
    legendFormat: 'p50',
  });
  return [
    new ServiceMonitor({
      metadata: { name: 'gateway', labels: OPERATOR_LABELS },
      spec: {
        selector: { matchLabels: { 'app.kubernetes.io/name': s.gatewayAdminService } },
        endpoints: [{ port: 'admin', path: s.metricsPath, interval: '30s' }],
      },
    }),
    ...clusterMonitors(s.cluster, s.pooler),
    new PrometheusRule({
      metadata: { name: 'nhs-region-hub', labels: OPERATOR_LABELS },
      spec: { groups: [{ name: 'nhs-region-hub', rules: alerts(s) }] },
    }),
    // Grafana's dashboard sidecar (kube-prometheus-stack) loads every ConfigMap labelled grafana_dashboard.
    new ConfigMap({
      metadata: { name: 'hub-gateway-dashboard', labels: { ...MONITORING_LABELS, grafana_dashboard: '1' } },
      data: { 'nhs-hub-gateway.json': `${JSON.stringify(dashboard, null, 2)}\n` },
    }),
  ];
}
