import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * How a subgraph knows a call comes from the gateway: `x-hub-gateway-signature: t=<unix seconds>,
 * v2=<hex HMAC-SHA256 under HUB_GATEWAY_SECRET of the time, the method, the path with its query and
 * the SHA-256 of the body>`. In production a subgraph answers nothing else, `_service { sdl }`
 * included (docs/security.md). A signature older than GATEWAY_SIGNATURE_MAX_AGE_SECONDS is refused,
 * and one overheard signs only the call it came with: sent with another body or to another path, it
 * does not verify (v1 signed the time alone, so for 300 s it let anyone send anything).
 */
export const GATEWAY_SIGNATURE_HEADER = 'x-hub-gateway-signature';
export const GATEWAY_SIGNATURE_MAX_AGE_SECONDS = 300;

/** What a signature covers: the request line and the body, as sent. */
export interface GatewayCall {
  readonly method: string;
  /** The request target: the path and the query string (`/graphql`, `/releases/changes?after=3`). */
  readonly path: string;
  /** The body sent; none (a GET) signs as empty. */
  readonly body?: string | Uint8Array | undefined;
}

const mac = (secret: string, t: number, { method, path, body }: GatewayCall) => {
  const bodyHash = createHash('sha256')
    .update(body ?? '')
    .digest('hex');
  return createHmac('sha256', secret)
    .update(`hub-gateway:v2\n${t}\n${method.toUpperCase()}\n${path}\n${bodyHash}`)
    .digest('hex');
};

/** Signs calls with `secret`: the header value for one call, made now. */
export function gatewaySigner(secret: string): (call: GatewayCall) => string {
  return (call) => {
    const t = Math.floor(Date.now() / 1000);
    return `t=${t},v2=${mac(secret, t, call)}`;
  };
}

/** The signature header for a call to `url` (the path and query it names), for a fetch's headers. */
export function gatewaySignatureFor(
  sign: (call: GatewayCall) => string,
  url: URL,
  method = 'GET',
  body?: string | Uint8Array,
): Record<string, string> {
  return { [GATEWAY_SIGNATURE_HEADER]: sign({ method, path: `${url.pathname}${url.search}`, body }) };
}

/** Whether a request, with the body it carried, bears a current signature made with `secret` for it. */
export function signedByGateway(
  req: IncomingMessage,
  body: string | undefined,
  secret: string,
  now = Date.now() / 1000,
): boolean {
  const header = req.headers[GATEWAY_SIGNATURE_HEADER];
  const match = typeof header === 'string' ? /^t=(\d{1,12}),v2=([0-9a-f]{64})$/.exec(header) : null;
  if (!match?.[1] || !match[2]) return false;
  const t = Number(match[1]);
  if (Math.abs(now - t) > GATEWAY_SIGNATURE_MAX_AGE_SECONDS) return false;
  const expected = mac(secret, t, { method: req.method ?? 'GET', path: req.url ?? '/', body });
  return timingSafeEqual(Buffer.from(match[2], 'hex'), Buffer.from(expected, 'hex'));
}
