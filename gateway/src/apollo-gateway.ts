import '@nhs-hub/kit/telemetry';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer, type BaseContext } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { subgraphFetch } from './plugins/subgraph-timeouts/fetch.js';
import {
  apolloHandler,
  gatewaySignatureFor,
  gatewaySigner,
  type RunningServer,
  readEnvVars,
  serve,
} from '@nhs-hub/kit/platform';

/**
 * `@apollo/gateway` over the same supergraph: no longer the hub's engine, kept as a peer in the
 * bench and in the portability test (an operation must answer the same through Apollo's planner).
 * `tuned` is the configuration the hub ran before Hive Gateway: keep-alive node:http subgraph
 * calls, the request id and token forwarded, and the plugins nobody reads turned off.
 */
export async function startApolloGateway(options: {
  supergraphSdl: string;
  port?: number;
  tuned?: boolean;
  name?: string;
}): Promise<RunningServer> {
  interface Ctx extends BaseContext {
    requestId: string;
    authorization: string | undefined;
  }
  const secret = readEnvVars(['HUB_GATEWAY_SECRET']).HUB_GATEWAY_SECRET;
  const sign = secret ? gatewaySigner(secret) : null;
  // Production subgraphs answer only calls signed with the gateway's key, whichever gateway makes
  // them; the signature covers the body, which only the fetcher sees as sent.
  type Fetcher = RemoteGraphQLDataSource['fetcher'];
  const signed =
    (fetcher: Fetcher): Fetcher =>
    (url, init) =>
      fetcher(url, {
        ...init,
        headers: {
          ...init?.headers,
          ...(sign ? gatewaySignatureFor(sign, new URL(url), init?.method ?? 'POST', init?.body) : {}),
        },
      });
  class HubDataSource extends RemoteGraphQLDataSource<Ctx> {
    override willSendRequest({
      request,
      context,
    }: Parameters<NonNullable<RemoteGraphQLDataSource<Ctx>['willSendRequest']>>[0]): void {
      if (context?.requestId) request.http?.headers.set('x-request-id', context.requestId);
      if (context?.authorization) request.http?.headers.set('authorization', context.authorization);
    }
  }
  const gateway = new ApolloGateway({
    supergraphSdl: options.supergraphSdl,
    buildService: ({ name, url }) => {
      // The same keep-alive node:http calls the hub's gateway makes; a WHATWG Response is what Apollo's Fetcher returns.
      const source = options.tuned
        ? new HubDataSource({ url, fetcher: subgraphFetch({ [name]: url ?? '' }, 10_000) })
        : new HubDataSource({ url });
      source.fetcher = signed(source.fetcher);
      return source;
    },
  });
  const apollo = new ApolloServer<Ctx>({
    gateway,
    plugins: options.tuned
      ? [
          ApolloServerPluginUsageReportingDisabled(),
          ApolloServerPluginInlineTraceDisabled(),
          ApolloServerPluginCacheControlDisabled(),
        ]
      : [ApolloServerPluginUsageReportingDisabled()],
  });
  return serve({
    name: options.name ?? 'apollo-gateway',
    handler: await apolloHandler(apollo, ({ requestId, headers }) => ({
      requestId,
      authorization: headers.authorization,
    })),
    onClose: () => apollo.stop(),
    port: options.port ?? 0,
  });
}
