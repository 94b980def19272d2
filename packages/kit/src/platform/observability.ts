import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import { pino, type Logger } from 'pino';
import { keepLibraryLogLevelValid, nodeEnvIsProduction, readEnvVars, underTestRunner } from './env.js';
import { HubErrorCode } from './errors.js';

const env = readEnvVars(['LOG_LEVEL', 'NODE_ENV']);
// LOG_LEVEL unset: silent under test.
const level = env.LOG_LEVEL ?? (env.NODE_ENV === 'test' || underTestRunner() ? 'silent' : 'info');
keepLibraryLogLevelValid();

/** Structured JSON logs, one logger per process; each service names itself in `service`. */
export const rootLogger: Logger = pino({ level, base: { pid: process.pid } });

/**
 * Asked while formatting every error, so it reads the one variable rather than validating the
 * environment each time (NODE_ENV was validated above, at import). Not cached: tests switch it.
 */
export function isProduction(): boolean {
  return nodeEnvIsProduction();
}

/**
 * Error shaping shared by subgraphs and gateway. In production an unexpected error says only
 * "Internal server error" (no stack, no SQL); errors a client can act on keep their message.
 * Every error carries a stable `code`.
 */
export function formatHubError(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const code =
    typeof formatted.extensions?.code === 'string' ? formatted.extensions.code : HubErrorCode.INTERNAL_SERVER_ERROR;
  if (!isProduction()) return { ...formatted, extensions: { ...formatted.extensions, code } };
  const { stacktrace: _stack, exception: _exception, ...extensions } = formatted.extensions ?? {};
  const internal = code === HubErrorCode.INTERNAL_SERVER_ERROR;
  return {
    message: internal ? 'Internal server error' : formatted.message,
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: internal ? { code } : { ...extensions, code },
  };
}

/** Logs every operation (name, duration, error codes) and puts the request id on every error. */
export function requestLogPlugin<TContext extends BaseContext & { requestId: string }>(
  service: string,
): ApolloServerPlugin<TContext> {
  const log = rootLogger.child({ service });
  return {
    async requestDidStart({ contextValue }) {
      const started = performance.now();
      return {
        async willSendResponse({ response, request, errors }) {
          const requestId = contextValue.requestId;
          if (response.body.kind === 'single' && response.body.singleResult.errors) {
            response.body.singleResult.errors = response.body.singleResult.errors.map((e) => ({
              ...e,
              extensions: { ...e.extensions, requestId },
            }));
          }
          log.info(
            {
              requestId,
              operationName: request.operationName ?? null,
              durationMs: Math.round((performance.now() - started) * 10) / 10,
              errors: errors?.map((e) => e.extensions?.code ?? HubErrorCode.INTERNAL_SERVER_ERROR) ?? [],
            },
            'graphql request',
          );
        },
      };
    },
  };
}
