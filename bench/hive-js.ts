import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Hive Gateway as it comes: its JavaScript query planner, default plugins. */
export async function startHiveJs(supergraph: string): Promise<string> {
  const { createGatewayRuntime } = await import('@graphql-hive/gateway-runtime');
  const { Logger } = await import('@graphql-hive/logger');
  const { gatewaySignatureFor, gatewaySigner, readEnvVars } = await import('@nhs-hub/kit/platform');
  const secret = readEnvVars(['HUB_GATEWAY_SECRET']).HUB_GATEWAY_SECRET;
  const sign = secret ? gatewaySigner(secret) : null;
  const runtime = createGatewayRuntime({
    supergraph,
    logging: new Logger({ level: false }),
    // Production subgraphs answer only calls signed with the gateway's key, whichever gateway makes them.
    plugins: () =>
      sign
        ? [
            {
              onFetch: ({ url, options, setOptions }) => {
                // The signature covers the call's method, path and body (its http transport sends a string).
                const body = typeof options.body === 'string' ? options.body : undefined;
                const signature = gatewaySignatureFor(sign, new URL(url), options.method ?? 'POST', body);
                setOptions({ ...options, headers: { ...options.headers, ...signature } });
              },
            },
          ]
        : [],
  });
  const server = createServer(runtime);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
}
