/**
 * Whether a connection is allowed by a set of NetworkPolicies, as the Kubernetes API defines it
 * (https://kubernetes.io/docs/concepts/services-networking/network-policies/): a pod selected by
 * some policy with Ingress (Egress) in its policyTypes is isolated in that direction, and then
 * accepts (sends) only what one of those policies' rules allows; a connection needs both the
 * sender's egress and the receiver's ingress. Policies act only on pods of their own namespace.
 * An ipBlock is taken to match every address, pods included (what a CNI may do for a pod's IP is
 * left to it by the API), unless it excepts all the private ranges pods are given addresses from:
 * the answer errs towards "reachable", never the other way. An address outside the cluster (an
 * `Endpoint` with `address`: the identity provider, say) is matched by ipBlocks alone, by CIDR, and
 * no policy of the hub's governs what it accepts.
 */
export type Labels = Readonly<Record<string, string>>;
const PRIVATE = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];

export interface Pod {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Labels;
  /** Container ports by name, for the named ports policies use. */
  readonly ports?: Readonly<Record<string, number>>;
  /**
   * Set for an address outside the cluster (IPv4): no pod, so no label or namespace selector
   * matches it, only an ipBlock containing it.
   */
  readonly address?: string;
}

interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}
interface Peer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}
interface PolicyPort {
  protocol?: string;
  port?: number | string;
  endPort?: number;
}
interface Rule {
  from?: Peer[];
  to?: Peer[];
  ports?: PolicyPort[];
}
export interface Policy {
  kind: string;
  metadata: { name: string; namespace?: string };
  spec: {
    podSelector: LabelSelector;
    policyTypes?: ('Ingress' | 'Egress')[];
    ingress?: Rule[];
    egress?: Rule[];
  };
}

export function selects(selector: LabelSelector | undefined, labels: Labels): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = e.key in labels;
    const value = labels[e.key];
    const ok =
      e.operator === 'In'
        ? has && (e.values ?? []).includes(String(value))
        : e.operator === 'NotIn'
          ? !has || !(e.values ?? []).includes(String(value))
          : e.operator === 'Exists'
            ? has
            : !has;
    if (!ok) return false;
  }
  return true;
}

/** Namespaces carry their name as a label (kubernetes.io/metadata.name), set by the API server. */
const namespaceLabels = (namespace: string): Labels => ({ 'kubernetes.io/metadata.name': namespace });

/** The IPv4 address as a 32-bit number. */
function ipv4(address: string): number {
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255))
    throw new Error(`not an IPv4 address: ${address}`);
  return parts.reduce((n, p) => n * 256 + p, 0);
}

export function inCidr(address: string, cidr: string): boolean {
  const [base = '', bits = '32'] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return Math.floor(ipv4(address) / size) === Math.floor(ipv4(base) / size);
}

function peerMatches(peer: Peer, policyNamespace: string, pod: Pod): boolean {
  if (pod.address !== undefined) {
    const block = peer.ipBlock;
    if (!block) return false;
    return inCidr(pod.address, block.cidr) && !(block.except ?? []).some((c) => inCidr(pod.address ?? '', c));
  }
  if (peer.ipBlock) return !PRIVATE.every((range) => peer.ipBlock?.except?.includes(range));
  if (peer.namespaceSelector) {
    if (!selects(peer.namespaceSelector, namespaceLabels(pod.namespace))) return false;
    return selects(peer.podSelector, pod.labels);
  }
  return pod.namespace === policyNamespace && selects(peer.podSelector, pod.labels);
}

function portMatches(ports: PolicyPort[] | undefined, target: Pod, port: number, protocol: string): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => {
    if ((p.protocol ?? 'TCP') !== protocol) return false;
    if (p.port === undefined) return true;
    const number = typeof p.port === 'number' ? p.port : target.ports?.[p.port];
    if (number === undefined) return false;
    return p.endPort === undefined ? number === port : port >= number && port <= p.endPort;
  });
}

function allowedOneWay(
  policies: readonly Policy[],
  direction: 'Ingress' | 'Egress',
  self: Pod,
  peer: Pod,
  port: number,
  protocol: string,
  /** Named ports resolve on the pod receiving the connection. */
  receiver: Pod,
): boolean {
  const applying = policies.filter(
    (p) =>
      p.kind === 'NetworkPolicy' &&
      p.metadata.namespace === self.namespace &&
      selects(p.spec.podSelector, self.labels) &&
      (p.spec.policyTypes ?? (p.spec.egress ? ['Ingress', 'Egress'] : ['Ingress'])).includes(direction),
  );
  if (applying.length === 0) return true;
  return applying.some((p) =>
    ((direction === 'Ingress' ? p.spec.ingress : p.spec.egress) ?? []).some((rule) => {
      const peers = direction === 'Ingress' ? rule.from : rule.to;
      const peerOk = !peers || peers.length === 0 || peers.some((x) => peerMatches(x, self.namespace, peer));
      return peerOk && portMatches(rule.ports, receiver, port, protocol);
    }),
  );
}

/** Can `from` open a connection to `to` on `port`? */
export function reachable(
  policies: readonly Policy[],
  from: Pod,
  to: Pod,
  port: number,
  protocol: 'TCP' | 'UDP' = 'TCP',
): boolean {
  return (
    allowedOneWay(policies, 'Egress', from, to, port, protocol, to) &&
    allowedOneWay(policies, 'Ingress', to, from, port, protocol, to)
  );
}
