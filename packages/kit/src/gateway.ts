import './telemetry.js';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled, ApolloServerPluginUsageReportingDisabled } from '@apollo/server/plugin/disabled';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { GraphQLError, type ValidationRule } from 'graphql';
import { authenticate } from './auth.js';
import { subgraphFetcher } from './http-fetcher.js';
import { formatHubError, isProduction, requestLogPlugin } from './observability.js';
import { type RunningServer, serve } from './server.js';

export interface GatewayContext {
  readonly requestId: string;
  /** Forwarded as-is: each subgraph verifies the token itself rather than trusting the gateway. */
  readonly authorization: string | undefined;
}

export interface GatewayOptions {
  readonly supergraphSdl: string;
  /** Subgraph URLs by name, overriding the URLs composed into the supergraph (tests run on port 0). */
  readonly subgraphUrls?: Readonly<Record<string, string>>;
  readonly port?: number;
  readonly host?: string;
  /** Milliseconds before a subgraph call is abandoned; the query answers with the rest of its data. */
  readonly subgraphTimeoutMs?: number;
}

const DEFAULT_SUBGRAPH_TIMEOUT_MS = 10_000;

class HubDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  override willSendRequest({ request, context }: Parameters<NonNullable<RemoteGraphQLDataSource<GatewayContext>['willSendRequest']>>[0]): void {
    // The request id follows the query into every subgraph so logs join up.
    if (context?.requestId) request.http?.headers.set('x-request-id', context.requestId);
    if (context?.authorization) request.http?.headers.set('authorization', context.authorization);
  }
}

/**
 * Builds the gateway over a static supergraph. Subgraph calls go over keep-alive node:http
 * connections, and every call has a timeout so a hung subgraph cannot hang a query.
 */
export function createGateway(options: GatewayOptions): ApolloGateway {
  const { supergraphSdl } = options;
  const timeoutMs = options.subgraphTimeoutMs ?? DEFAULT_SUBGRAPH_TIMEOUT_MS;
  return new ApolloGateway({
    supergraphSdl,
    buildService: ({ name, url }) => new HubDataSource({ url: options.subgraphUrls?.[name] ?? url, fetcher: subgraphFetcher(name, timeoutMs) }),
  });
}

/**
 * Limits on what one document may ask for, enforced before planning. They are set well above the
 * documented headline operations (which reach depth 7 and a few dozen aliases) and far below what
 * a hostile document needs to hurt the subgraphs.
 */
export const QUERY_LIMITS = { maxDepth: 12, maxAliases: 40, maxCost: 20_000, maxTokens: 4_000, maxDirectives: 40 } as const;

export function hostileQueryLimits(): ApolloArmor {
  return new ApolloArmor({
    maxDepth: { n: QUERY_LIMITS.maxDepth, ignoreIntrospection: true },
    maxAliases: { n: QUERY_LIMITS.maxAliases },
    costLimit: { maxCost: QUERY_LIMITS.maxCost, ignoreIntrospection: true },
    // armor's token plugin turns every syntax error into a 500; graphql-js enforces the same limit in parseOptions.
    maxTokens: { enabled: false },
    maxDirectives: { n: QUERY_LIMITS.maxDirectives },
    blockFieldSuggestion: { enabled: isProduction() },
  });
}

/**
 * graphql-js 16 has no rule for operation types the schema lacks (17 adds KnownOperationTypesRule),
 * so `mutation { ... }` on this read-only graph reached the query planner and came back as a 500.
 */
export const KnownOperationTypes: ValidationRule = (context) => ({
  OperationDefinition(node) {
    const schema = context.getSchema();
    const root = node.operation === 'query' ? schema.getQueryType() : node.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
    if (!root) context.reportError(new GraphQLError(`This graph has no ${node.operation} operations: it is read-only.`, { nodes: node }));
  },
});

/**
 * Apollo Server hands a document whose operation it could not pick (an unknown or empty
 * operationName, several unnamed operations) to the gateway, which answers 500. Refuse it as the
 * client error it is, with Apollo's own code for it.
 */
export function operationResolutionPlugin<TContext extends BaseContext>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, request }) {
          if (operation) return;
          const message =
            typeof request.operationName === 'string'
              ? `Unknown operation named ${JSON.stringify(request.operationName)}.`
              : 'Must provide an operation name when the document contains several operations.';
          throw new GraphQLError(message, { extensions: { code: 'OPERATION_RESOLUTION_FAILURE', http: { status: 400 } } });
        },
      };
    },
  };
}

export async function startGateway(options: GatewayOptions): Promise<RunningServer & { gateway: ApolloGateway }> {
  const gateway = createGateway(options);
  const armor = hostileQueryLimits().protect();
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    // Outside NODE_ENV=test Apollo would answer SIGTERM itself by re-raising it once stopped, killing the
    // process before serve() has drained in-flight requests. The process's own handler drains, then exits 0.
    stopOnTerminationSignals: false,
    plugins: [ApolloServerPluginUsageReportingDisabled(), ApolloServerPluginInlineTraceDisabled(), ApolloServerPluginCacheControlDisabled(), requestLogPlugin('gateway'), operationResolutionPlugin(),
      // armor's typings point at the CommonJS build of @apollo/server; the plugin objects are the same.
      ...(armor.plugins as unknown as ApolloServerPlugin<GatewayContext>[])],
    validationRules: [KnownOperationTypes, ...armor.validationRules],
    parseOptions: { maxTokens: QUERY_LIMITS.maxTokens },
    allowBatchedHttpRequests: false,
    // Introspection (and so the explorer) is on outside production unless switched off explicitly.
    introspection: process.env.HUB_INTROSPECTION ? process.env.HUB_INTROSPECTION === 'true' : !isProduction(),
    includeStacktraceInErrorResponses: !isProduction(),
    formatError: formatHubError,
  });
  const subgraphs = Object.entries(options.subgraphUrls ?? {});
  const running = await serve<GatewayContext>({
    name: 'gateway',
    apollo,
    // A bad token is refused here with a 401 before any planning; a good one travels on.
    context: async ({ requestId, headers }) => {
      await authenticate(headers.authorization);
      return { requestId, authorization: headers.authorization };
    },
    port: options.port,
    host: options.host,
    ready: async () => {
      const checks: Record<string, boolean | string> = {};
      await Promise.all(
        subgraphs.map(async ([name, url]) => {
          try {
            const res = await fetch(new URL('/health/ready', url), { signal: AbortSignal.timeout(2_000) });
            checks[name] = res.ok || `status ${res.status}`;
          } catch (error) {
            checks[name] = (error as Error).message;
          }
        }),
      );
      return { ready: Object.values(checks).every((c) => c === true), checks };
    },
  });
  return { ...running, gateway };
}
