import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

/** One entry of HUB_TRUSTED_PROXIES: an address, or a range in CIDR notation. */
export interface AddressRange {
  readonly address: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

/** `10.0.0.0/8`, `fd00::/8` or a single address; undefined when it is none of these. */
export function parseAddressRange(entry: string): AddressRange | undefined {
  const [address = '', prefixText, ...rest] = entry.trim().split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return undefined;
  const bits = version === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefix > bits) return undefined;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** An IPv4 peer of a dual-stack socket arrives as `::ffff:a.b.c.d`: one client, one name. */
const plain = (address: string) =>
  address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;

/**
 * The address a request came from. Without trusted proxies, the socket's peer: X-Forwarded-For is
 * whatever the client wrote, so a direct client could name itself anyone. With them (HUB_TRUSTED_PROXIES,
 * the ingress controller's pods), each hop a trusted proxy forwarded is stepped back through, from the
 * right, to the first address no trusted proxy holds: the client as the outermost trusted proxy saw
 * it. Entries left of that are the client's own writing and are never read.
 */
export function clientAddressOf(trustedProxies: readonly AddressRange[]): (req: IncomingMessage) => string {
  const trusted = new BlockList();
  for (const { address, prefix, family } of trustedProxies) trusted.addSubnet(address, prefix, family);
  const isTrusted = (address: string) => {
    const version = isIP(address);
    return version !== 0 && trusted.check(address, version === 4 ? 'ipv4' : 'ipv6');
  };
  return (req) => {
    let address = plain(req.socket.remoteAddress ?? '');
    if (trustedProxies.length === 0 || !isTrusted(address)) return address;
    const header = req.headers['x-forwarded-for'];
    const hops = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',');
    for (let i = hops.length - 1; i >= 0 && isTrusted(address); i--) {
      const hop = plain(hops[i]?.trim() ?? '');
      // Not an address: written by the client, not by a proxy. The last proxy is the client then.
      if (isIP(hop) === 0) break;
      address = hop;
    }
    return address;
  };
}
