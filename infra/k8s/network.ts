import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { INetworkPolicyPeer, INetworkPolicyPort } from 'kubernetes-models/networking.k8s.io/v1';

/**
 * Who may talk to whom in the hub's namespace: everything is denied, then each path the hub needs
 * is opened, and nothing else. infra/tests/network.test.ts computes the reachability matrix from
 * the rendered policies (k8s/reach.ts) and asserts it.
 *
 * The parties outside the namespace are named by the namespaces they conventionally run in; a
 * cluster that runs them elsewhere patches these policies in its overlay (infra/README.md, step 0).
 */
export const OUTSIDE = {
  /** The ingress controller (ingress-nginx's chart default), the only way in from outside. */
  ingress: { namespace: 'ingress-nginx', pods: { 'app.kubernetes.io/name': 'ingress-nginx' } },
  /** Prometheus (kube-prometheus-stack), scraping the gateway's admin port, PostgreSQL and PgBouncer. */
  monitoring: { namespace: 'monitoring', pods: { 'app.kubernetes.io/name': 'prometheus' } },
  /** The OpenTelemetry collector the processes send traces to (OTLP over HTTP, and gRPC for others). */
  otlp: {
    namespace: 'observability',
    pods: { 'app.kubernetes.io/name': 'opentelemetry-collector' },
    ports: [4317, 4318],
  },
  /** The CloudNativePG operator (its Helm chart's namespace and pod label, as in infra/README.md step 0). */
  operator: { namespace: 'cnpg-system', pods: { 'app.kubernetes.io/name': 'cloudnative-pg' } },
  dns: { namespace: 'kube-system', pods: { 'k8s-app': 'kube-dns' } },
} as const;

/**
 * The pod cert-manager starts in this namespace while an HTTP-01 challenge for the Ingress's
 * certificate is open (its label and acmesolver's port, pkg/issuer/acme/http in cert-manager): the
 * ingress controller routes Let's Encrypt's request for the token to it. Without this path, the
 * default deny would fail every issuance and renewal.
 */
export const ACME_SOLVER = { pods: { 'acme.cert-manager.io/http01-solver': 'true' }, port: 8089 } as const;

/** The labels CloudNativePG puts on the pods it creates (they are not in the manifests). */
export const CNPG_LABELS = {
  instance: (cluster: string) => ({ 'cnpg.io/cluster': cluster, 'cnpg.io/podRole': 'instance' }),
  pooler: (pooler: string) => ({ 'cnpg.io/poolerName': pooler, 'cnpg.io/podRole': 'pooler' }),
};
/** PostgreSQL, the instance manager's status port (the operator asks it), and the exporters Prometheus scrapes. */
export const PG_PORTS = { postgres: 5432, status: 8000, metrics: 9187, poolerMetrics: 9127 } as const;

type Labels = Record<string, string>;
const component = (c: string): Labels => ({ 'app.kubernetes.io/component': c });
const outside = (o: { namespace: string; pods: Labels }): INetworkPolicyPeer => ({
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': o.namespace } },
  podSelector: { matchLabels: o.pods },
});
const tcp = (...ports: (number | string)[]): INetworkPolicyPort[] => ports.map((port) => ({ protocol: 'TCP', port }));
const policyLabels = { 'app.kubernetes.io/part-of': 'nhs-region-hub', 'app.kubernetes.io/component': 'network' };
const policy = (name: string, podSelector: Labels, spec: Omit<NetworkPolicy['spec'] & object, 'podSelector'>) =>
  new NetworkPolicy({
    metadata: { name, labels: policyLabels },
    spec: { podSelector: { matchLabels: podSelector }, ...spec },
  });

/**
 * The API server, and the object store the backups go to: addresses outside the cluster, on 443
 * (6443: clusters whose API server listens there). No label can name them, so an ipBlock does; no
 * pod of the hub listens on either port.
 */
const API_AND_OBJECT_STORE = { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: tcp(443, 6443) };

/** The private address ranges (RFC 1918), where a cluster's pods and services live. */
export const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];
/**
 * The identity provider's JWKS endpoint (HUB_JWT_JWKS_URL, https): public addresses on 443, none
 * of the cluster's, so no pod is reached this way.
 */
const IDENTITY_PROVIDER = { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: PRIVATE_RANGES } }], ports: tcp(443) };

export interface NetworkSettings {
  readonly cluster: string;
  readonly restoreCluster: string;
  readonly poolers: readonly string[];
  readonly cachePort: number;
}

export function networkPolicies(s: NetworkSettings): NetworkPolicy[] {
  const otlp = { to: [outside(OUTSIDE.otlp)], ports: tcp(...OUTSIDE.otlp.ports) };
  const instances: INetworkPolicyPeer = {
    podSelector: {
      matchLabels: { 'cnpg.io/podRole': 'instance' },
      matchExpressions: [{ key: 'cnpg.io/cluster', operator: 'In', values: [s.cluster, s.restoreCluster] }],
    },
  };
  const pooler: INetworkPolicyPeer = {
    podSelector: {
      matchLabels: { 'cnpg.io/podRole': 'pooler' },
      matchExpressions: [{ key: 'cnpg.io/poolerName', operator: 'In', values: [...s.poolers] }],
    },
  };
  return [
    // Nothing in or out of any pod of the namespace unless a policy below opens it.
    new NetworkPolicy({
      metadata: { name: 'default-deny', labels: policyLabels },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    }),
    new NetworkPolicy({
      metadata: { name: 'dns', labels: policyLabels },
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{ to: [outside(OUTSIDE.dns)], ports: [...tcp(53), { protocol: 'UDP', port: 53 }] }],
      },
    }),
    policy('gateway', component('gateway'), {
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        { from: [outside(OUTSIDE.ingress)], ports: tcp('http') },
        // Metrics and health on the admin port: Prometheus only, never the ingress controller.
        { from: [outside(OUTSIDE.monitoring)], ports: tcp('admin') },
      ],
      egress: [
        {
          to: [
            { podSelector: { matchLabels: component('subgraph') } },
            { podSelector: { matchLabels: component('releases') } },
          ],
          ports: tcp('http'),
        },
        { to: [{ podSelector: { matchLabels: component('cache') } }], ports: tcp(s.cachePort) },
        // Field usage, written as its own role; through PgBouncer only, as the subgraphs (k8s/budget.ts).
        { to: [pooler], ports: tcp(PG_PORTS.postgres) },
        otlp,
        IDENTITY_PROVIDER,
      ],
    }),
    policy('subgraphs', component('subgraph'), {
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        {
          from: [
            { podSelector: { matchLabels: component('gateway') } },
            // The releases subgraph reads each one's /releases/* routes (signed, as the gateway signs).
            { podSelector: { matchLabels: component('releases') } },
          ],
          ports: tcp('http'),
        },
      ],
      // Through PgBouncer only: the connection budget (k8s/budget.ts) counts on it.
      egress: [{ to: [pooler], ports: tcp(PG_PORTS.postgres) }, otlp, IDENTITY_PROVIDER],
    }),
    // No database: it answers the gateway, and reads the data subgraphs over HTTP.
    policy('releases', component('releases'), {
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ podSelector: { matchLabels: component('gateway') } }], ports: tcp('http') }],
      // It verifies the caller's token as every subgraph does (packages/kit/src/subgraph-runtime.ts), against the JWKS.
      egress: [
        { to: [{ podSelector: { matchLabels: component('subgraph') } }], ports: tcp('http') },
        otlp,
        IDENTITY_PROVIDER,
      ],
    }),
    // Migrations hold a session-level advisory lock: straight to the primary, not through the pooler.
    policy('migrate', component('migrate'), {
      policyTypes: ['Ingress', 'Egress'],
      egress: [
        { to: [instances], ports: tcp(PG_PORTS.postgres) },
        { to: [{ podSelector: { matchLabels: component('cache') } }], ports: tcp(s.cachePort) },
        otlp,
      ],
    }),
    policy('cache', component('cache'), {
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        {
          from: [
            { podSelector: { matchLabels: component('gateway') } },
            { podSelector: { matchLabels: component('migrate') } },
          ],
          ports: tcp('redis'),
        },
      ],
    }),
    policy('acme-http01-solver', ACME_SOLVER.pods, {
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [outside(OUTSIDE.ingress)], ports: tcp(ACME_SOLVER.port) }],
    }),
    new NetworkPolicy({
      metadata: { name: 'database', labels: policyLabels },
      spec: {
        podSelector: instances.podSelector ?? {},
        policyTypes: ['Ingress', 'Egress'],
        ingress: [
          { from: [pooler, { podSelector: { matchLabels: component('migrate') } }], ports: tcp(PG_PORTS.postgres) },
          // Streaming replication and the instance managers between themselves.
          { from: [instances], ports: tcp(PG_PORTS.postgres, PG_PORTS.status) },
          { from: [outside(OUTSIDE.operator)], ports: tcp(PG_PORTS.postgres, PG_PORTS.status) },
          { from: [outside(OUTSIDE.monitoring)], ports: tcp(PG_PORTS.metrics) },
        ],
        egress: [{ to: [instances], ports: tcp(PG_PORTS.postgres, PG_PORTS.status) }, API_AND_OBJECT_STORE],
      },
    }),
    new NetworkPolicy({
      metadata: { name: 'pooler', labels: policyLabels },
      spec: {
        podSelector: pooler.podSelector ?? {},
        policyTypes: ['Ingress', 'Egress'],
        ingress: [
          {
            from: [
              { podSelector: { matchLabels: component('subgraph') } },
              { podSelector: { matchLabels: component('gateway') } },
            ],
            ports: tcp(PG_PORTS.postgres),
          },
          { from: [outside(OUTSIDE.monitoring)], ports: tcp(PG_PORTS.poolerMetrics) },
        ],
        egress: [{ to: [instances], ports: tcp(PG_PORTS.postgres) }, API_AND_OBJECT_STORE],
      },
    }),
  ];
}
