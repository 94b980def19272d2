import { join } from 'node:path';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { describe, expect, it } from 'vitest';
import { portOf, readGraphConfig } from '@nhs-hub/kit/repo';
import { ADMIN_PORT, CACHE, CLUSTER, GATEWAY_PORT, POOLER } from '../k8s/generate.js';
import { ACME_SOLVER, CNPG_LABELS, OUTSIDE, PG_PORTS } from '../k8s/network.js';
import { type Pod, type Policy, reachable } from '../k8s/reach.js';
import { type Json, K8S_DIR, type Manifest, podContainers, podSpecOf, render } from '../k8s/render.js';

/**
 * The NetworkPolicies as the cluster enforces them: every pod the overlay runs (its Deployments'
 * and Jobs' templates), the pods CloudNativePG creates for it, and the parties outside the
 * namespace; then who can open a connection to whom, on the ports that are served, compared with
 * the one matrix the hub needs.
 */
type Obj = Record<string, Json>;
const entries = readGraphConfig();
/** The subgraphs with tables; the others (releases) read them over HTTP. */
const dataEntries = entries.filter((e) => e.data !== false);
const readers = entries.filter((e) => e.data === false);

function podsOf(objects: readonly Manifest[], namespace: string): Pod[] {
  return objects.flatMap((o) => {
    // CloudNativePG's own pods (instances, PgBouncer) are modelled below with the labels it gives them.
    const pod = ['Deployment', 'Job'].includes(o.kind) ? podSpecOf(o) : undefined;
    if (!pod) return [];
    const template = (o.spec as Obj).template as Obj;
    const ports: Record<string, number> = {};
    for (const c of podContainers([o]))
      for (const p of (c.ports as Obj[] | undefined) ?? []) if (p.name) ports[String(p.name)] = Number(p.containerPort);
    return [
      {
        name: `${o.kind}/${o.metadata.name}`,
        namespace,
        labels: ((template.metadata as Obj).labels ?? {}) as Record<string, string>,
        ports,
      },
    ];
  });
}

/**
 * The JWKS URL each serving pod's environment gives it (env, and the ConfigMaps it takes whole):
 * such a pod verifies callers' tokens against the identity provider's published keys
 * (packages/kit/src/platform/auth.ts), fetching them when a token names a key it has not seen. A
 * Job serves nothing (no container port), so it verifies nothing, whatever its environment holds.
 */
function jwksUrls(objects: readonly Manifest[]): Map<string, URL> {
  const configMaps = new Map(
    objects.filter((o) => o.kind === 'ConfigMap').map((o) => [o.metadata.name, o.data as Obj]),
  );
  const urls = new Map<string, URL>();
  for (const o of objects) {
    if (!['Deployment', 'Job'].includes(o.kind)) continue;
    for (const c of podContainers([o])) {
      if (!((c.ports as Obj[] | undefined) ?? []).length) continue;
      const env: Obj = {};
      for (const from of (c.envFrom as Obj[] | undefined) ?? [])
        Object.assign(env, configMaps.get(String((from.configMapRef as Obj | undefined)?.name)) ?? {});
      for (const e of (c.env as Obj[] | undefined) ?? []) if (e.value !== undefined) env[String(e.name)] = e.value;
      if (env.HUB_JWT_JWKS_URL !== undefined)
        urls.set(`${o.kind}/${o.metadata.name}`, new URL(String(env.HUB_JWT_JWKS_URL)));
    }
  }
  return urls;
}
const portOfUrl = (url: URL) => Number(url.port || (url.protocol === 'https:' ? 443 : 80));

describe.each(['overlays/dev', 'overlays/prod'])('the network policies of %s', (overlay) => {
  const objects = render(join(K8S_DIR, overlay));
  const namespace = String(objects[0]?.metadata.namespace);
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy') as unknown as Policy[];
  const hub = podsOf(objects, namespace);
  const pod = (name: string) => {
    const found = hub.find((p) => p.name === name);
    if (!found) throw new Error(`no pod ${name}`);
    return found;
  };
  const database: Pod = { name: 'postgres', namespace, labels: CNPG_LABELS.instance(CLUSTER) };
  const pooler: Pod = { name: 'pgbouncer', namespace, labels: CNPG_LABELS.pooler(POOLER) };
  const solver: Pod = { name: 'acme-solver', namespace, labels: ACME_SOLVER.pods };
  const ext = (name: string, o: { namespace: string; pods: Record<string, string> }): Pod => ({
    name,
    namespace: o.namespace,
    labels: o.pods,
  });
  const outsiders = [
    ext('ingress-controller', OUTSIDE.ingress),
    ext('prometheus', OUTSIDE.monitoring),
    ext('cnpg-operator', OUTSIDE.operator),
    // Any pod elsewhere, and one started by hand in the hub's own namespace (kubectl run).
    { name: 'elsewhere', namespace: 'default', labels: { app: 'other' } },
    { name: 'stray', namespace, labels: { run: 'debug' } },
  ];
  const subgraphs = dataEntries.map((e) => pod(`Deployment/${e.name}`));
  const readerPods = readers.map((e) => pod(`Deployment/${e.name}`));
  const jobs = hub.filter((p) => p.labels['app.kubernetes.io/component'] === 'migrate');
  const gateway = pod('Deployment/gateway');
  const cache = pod(`Deployment/${CACHE.name}`);
  const everyone = [...hub, database, pooler, solver, ...outsiders];

  /** What is served, and on which port. */
  const services: [Pod, number][] = [
    [gateway, GATEWAY_PORT],
    ...entries.map((e) => [pod(`Deployment/${e.name}`), portOf(e)] as [Pod, number]),
    [cache, CACHE.port],
    [database, PG_PORTS.postgres],
    [pooler, PG_PORTS.postgres],
    [solver, ACME_SOLVER.port],
  ];
  /** The matrix the hub needs: every other pair is refused. */
  const allowed = new Set([
    `ingress-controller -> Deployment/gateway:${GATEWAY_PORT}`,
    // Let's Encrypt's HTTP-01 request for the certificate's token, routed by the ingress controller.
    `ingress-controller -> acme-solver:${ACME_SOLVER.port}`,
    ...entries.map((e) => `Deployment/gateway -> Deployment/${e.name}:${portOf(e)}`),
    `Deployment/gateway -> Deployment/${CACHE.name}:${CACHE.port}`,
    ...dataEntries.map((e) => `Deployment/${e.name} -> pgbouncer:${PG_PORTS.postgres}`),
    // Field usage, which the gateways write as their own role (k8s/generate.ts, USAGE_WRITER).
    `Deployment/gateway -> pgbouncer:${PG_PORTS.postgres}`,
    // The releases subgraph reads every data subgraph's /releases/* routes, and nothing else.
    ...readers.flatMap((r) => dataEntries.map((e) => `Deployment/${r.name} -> Deployment/${e.name}:${portOf(e)}`)),
    ...jobs.flatMap((j) => [
      `${j.name} -> postgres:${PG_PORTS.postgres}`,
      `${j.name} -> Deployment/${CACHE.name}:${CACHE.port}`,
    ]),
    `pgbouncer -> postgres:${PG_PORTS.postgres}`,
    `postgres -> postgres:${PG_PORTS.postgres}`,
    `cnpg-operator -> postgres:${PG_PORTS.postgres}`,
  ]);

  it('validates against the NetworkPolicy schema, with a default deny in the namespace', () => {
    for (const p of policies) expect(() => new NetworkPolicy(p as never).validate(), p.metadata.name).not.toThrow();
    const deny = policies.find(
      (p) => Object.keys(p.spec.podSelector).length === 0 && !p.spec.ingress && !p.spec.egress,
    );
    expect(deny?.spec.policyTypes).toEqual(['Ingress', 'Egress']);
  });

  it('lets through exactly the connections the hub needs, on the ports it serves', () => {
    const actual = new Set<string>();
    for (const from of everyone)
      for (const [to, port] of services)
        if (from !== to || to === database)
          if (reachable(policies, from, to, port)) actual.add(`${from.name} -> ${to.name}:${port}`);
    expect([...actual].sort()).toEqual([...allowed].sort());
  });

  it('keeps every subgraph unreachable from another subgraph and from outside, and PostgreSQL behind PgBouncer for the gateway', () => {
    for (const s of [...subgraphs, ...readerPods]) {
      const port = Number(s.ports?.http);
      for (const other of [...subgraphs.filter((x) => x !== s), ...outsiders, cache, database, pooler])
        expect(reachable(policies, other, s, port), `${other.name} -> ${s.name}`).toBe(false);
      expect(reachable(policies, gateway, s, port)).toBe(true);
    }
    for (const target of [database, pooler])
      for (const from of [cache, ...readerPods, ...outsiders.filter((o) => o.name !== 'cnpg-operator')])
        expect(reachable(policies, from, target, PG_PORTS.postgres), `${from.name} -> ${target.name}`).toBe(false);
    // A subgraph and the gateway go through PgBouncer, never straight to an instance; the Jobs the other way round.
    for (const s of [...subgraphs, gateway]) {
      expect(reachable(policies, s, database, PG_PORTS.postgres), `${s.name} -> postgres`).toBe(false);
      expect(reachable(policies, s, pooler, PG_PORTS.postgres), `${s.name} -> pgbouncer`).toBe(true);
    }
    for (const j of jobs) expect(reachable(policies, j, pooler, PG_PORTS.postgres)).toBe(false);
  });

  it('lets every hub pod resolve names and send traces, and reach no other pod outside the namespace', () => {
    const dns: Pod = { name: 'kube-dns', namespace: OUTSIDE.dns.namespace, labels: OUTSIDE.dns.pods };
    const collector: Pod = { name: 'otel', namespace: OUTSIDE.otlp.namespace, labels: OUTSIDE.otlp.pods };
    const somewhere: Pod = { name: 'web', namespace: 'default', labels: { app: 'web' } };
    for (const p of hub) {
      expect(reachable(policies, p, dns, 53, 'UDP'), `${p.name} DNS`).toBe(true);
      const traced = p !== cache;
      for (const port of OUTSIDE.otlp.ports)
        expect(reachable(policies, p, collector, port), `${p.name} OTLP`).toBe(traced);
      for (const port of [80, 443, 8080])
        expect(reachable(policies, p, somewhere, port), `${p.name} -> elsewhere:${port}`).toBe(false);
    }
  });

  it("lets every pod that verifies tokens fetch the identity provider's keys, and no other pod", () => {
    const urls = jwksUrls(objects);
    // Not vacuous: the gateway and every subgraph, releases included, verify tokens.
    expect([...urls.keys()].sort()).toEqual(
      [...entries.map((e) => `Deployment/${e.name}`), 'Deployment/gateway'].sort(),
    );
    // The identity provider's address comes from DNS at run time: any public one (here the three
    // documentation ranges, RFC 5737) must do; the cluster's own (the API server's Service, a pod) must not.
    const publicAddresses = ['192.0.2.10', '198.51.100.10', '203.0.113.10'];
    const clusterAddresses = ['10.96.0.1', '172.20.0.10', '192.168.1.20'];
    const at = (address: string): Pod => ({ name: `address ${address}`, namespace: '', labels: {}, address });
    for (const p of hub) {
      const url = urls.get(p.name);
      for (const address of publicAddresses) {
        // A pod that verifies no token gets nothing out of the cluster on 443.
        const port = url ? portOfUrl(url) : 443;
        expect(reachable(policies, p, at(address), port), `${p.name} -> ${url?.host ?? 'the internet'}`).toBe(
          url !== undefined,
        );
      }
      for (const address of clusterAddresses)
        expect(reachable(policies, p, at(address), 443), `${p.name} -> ${address}:443`).toBe(false);
    }
  });

  it("lets Prometheus alone reach the gateway's admin port (health, metrics, /admin), never the ingress controller", () => {
    const admin = Number(gateway.ports?.admin);
    expect(admin).toBe(ADMIN_PORT);
    for (const from of everyone)
      expect(reachable(policies, from, gateway, admin), from.name).toBe(from.name === 'prometheus');
  });

  it('would notice a policy that opened too much (the check is not vacuous)', () => {
    const open = structuredClone(policies);
    const subgraphPolicy = open.find((p) => p.metadata.name === 'subgraphs');
    if (subgraphPolicy?.spec.ingress?.[0]) subgraphPolicy.spec.ingress[0].from = [];
    const [first] = subgraphs;
    if (!first) throw new Error('no subgraph');
    expect(reachable(open, outsiders[3] as Pod, first, Number(first.ports?.http))).toBe(true);
  });
});
