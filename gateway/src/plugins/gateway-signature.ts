import { GATEWAY_SIGNATURE_HEADER, gatewaySigner, readEnvVars } from '@nhs-hub/kit/platform';
import type { HubPlugin } from '../plugin.js';

/**
 * Every subgraph call carries the gateway's signature (packages/kit/src/platform/gateway-signature.ts)
 * when HUB_GATEWAY_SECRET is set: in production the subgraphs answer nothing else.
 */
export function gatewaySignaturePlugin(given: string | undefined): HubPlugin {
  const secret = given ?? readEnvVars(['HUB_GATEWAY_SECRET']).HUB_GATEWAY_SECRET;
  if (!secret) return { name: 'gateway-signature' };
  const sign = gatewaySigner(secret);
  return { name: 'gateway-signature', forward: () => ({ [GATEWAY_SIGNATURE_HEADER]: sign() }) };
}
