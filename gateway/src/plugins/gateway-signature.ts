import { GATEWAY_SIGNATURE_HEADER, type GatewayCall, gatewaySigner, readEnvVars } from '@nhs-hub/kit/platform';
import type { HubPlugin } from '../plugin.js';

/**
 * Every subgraph call carries the gateway's signature of its method, path and body
 * (packages/kit/src/platform/gateway-signature.ts) when HUB_GATEWAY_SECRET is set: in production
 * the subgraphs answer nothing else.
 */
export function gatewaySignaturePlugin(
  given: string | undefined,
): HubPlugin & { readonly signCall: (call: GatewayCall) => Record<string, string> } {
  const secret = given ?? readEnvVars(['HUB_GATEWAY_SECRET']).HUB_GATEWAY_SECRET;
  if (!secret) return { name: 'gateway-signature', signCall: () => ({}) };
  const signer = gatewaySigner(secret);
  // The gateway's own calls (the data version's) are signed like the ones it makes for a caller.
  const signCall = (call: GatewayCall) => ({ [GATEWAY_SIGNATURE_HEADER]: signer(call) });
  return { name: 'gateway-signature', signCall };
}
