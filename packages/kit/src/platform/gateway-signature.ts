import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * How a subgraph knows a call comes from the gateway: `x-hub-gateway-signature: t=<unix seconds>,
 * v1=<hex HMAC-SHA256 of "hub-gateway:<t>" under HUB_GATEWAY_SECRET>`. In production a subgraph
 * answers nothing else, `_service { sdl }` included (docs/security.md); a signature older than
 * GATEWAY_SIGNATURE_MAX_AGE_SECONDS is refused, so one overheard is soon worth nothing.
 */
export const GATEWAY_SIGNATURE_HEADER = 'x-hub-gateway-signature';
export const GATEWAY_SIGNATURE_MAX_AGE_SECONDS = 300;

const mac = (secret: string, t: number) => createHmac('sha256', secret).update(`hub-gateway:${t}`).digest('hex');

/** The header value for a call made now; the same for a whole second, so it is computed once per second. */
export function gatewaySigner(secret: string): () => string {
  let second = -1;
  let value = '';
  return () => {
    const now = Math.floor(Date.now() / 1000);
    if (now !== second) {
      second = now;
      value = `t=${now},v1=${mac(secret, now)}`;
    }
    return value;
  };
}

/** Whether a request carries a current signature made with `secret`. */
export function signedByGateway(req: IncomingMessage, secret: string, now = Date.now() / 1000): boolean {
  const header = req.headers[GATEWAY_SIGNATURE_HEADER];
  const match = typeof header === 'string' ? /^t=(\d{1,12}),v1=([0-9a-f]{64})$/.exec(header) : null;
  if (!match?.[1] || !match[2]) return false;
  const t = Number(match[1]);
  if (Math.abs(now - t) > GATEWAY_SIGNATURE_MAX_AGE_SECONDS) return false;
  return timingSafeEqual(Buffer.from(match[2], 'hex'), Buffer.from(mac(secret, t), 'hex'));
}
