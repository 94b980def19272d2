import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import type { ExecutionResult, GraphQLError, GraphQLFormattedError } from 'graphql';
import { eachPart, type HubPlugin, hubRequestOf } from '../plugin.js';
import { oneErrorPerProblem, withNulledRootFields } from './error-masking/answer.js';
import { formatGatewayError } from './error-masking/format.js';

/**
 * Errors shaped once, by formatGatewayError, on every answer (Yoga's own masking would hide
 * subgraph messages): a code on each, the HTTP status riding on the result (Yoga strips it from
 * the body), and the codes noted for the request log and metrics.
 */
export function errorMaskingPlugin(): HubPlugin {
  const plugin: GatewayPlugin = {
    onExecute: ({ args }) => ({
      onExecuteDone: ({ result, setResult }) => {
        if (Symbol.asyncIterator in result) return;
        const completed = withNulledRootFields(args.schema, args.document, args.operationName, result);
        if (completed !== result) setResult(completed);
      },
    }),
    onResultProcess: ({ request, result, setResult, serverContext }) => {
      if (Array.isArray(result) || !result) return;
      const hub = hubRequestOf(serverContext);
      const requestId = hub?.requestId ?? request.headers.get('x-request-id') ?? '';
      const shape = (raw: readonly (GraphQLError | GraphQLFormattedError)[]) => {
        const formatted = oneErrorPerProblem(
          raw.map((error) => formatGatewayError(error, requestId, hub?.operationName)),
        );
        hub?.errors.push(...formatted.map((e) => String(e.extensions.code)));
        let status: number | undefined;
        const errors = formatted.map(({ extensions: { http, ...rest }, ...error }) => {
          if (http?.status && (!status || http.status > status)) status = http.status;
          return { ...error, extensions: rest };
        });
        return { errors: errors as never, status };
      };
      if (Symbol.asyncIterator in result) {
        // A deferred or streamed part's errors arrive after the 200 was sent: the same shape, no status.
        const shaped = <P extends ExecutionResult>(part: P): P =>
          part.errors?.length ? { ...part, errors: shape(part.errors).errors } : part;
        return setResult(
          eachPart(result, (part) => {
            const whole = shaped(part);
            return part.incremental ? { ...whole, incremental: part.incremental.map(shaped) } : whole;
          }),
        );
      }
      if (!result.errors?.length) return;
      const { errors, status } = shape(result.errors);
      const extensions: { http?: { status?: number; headers?: Record<string, string> } } = { ...result.extensions };
      if (status) extensions.http = { ...extensions.http, status };
      setResult({ ...result, errors, extensions });
    },
  };
  return { name: 'error-masking', runtime: [plugin] };
}
