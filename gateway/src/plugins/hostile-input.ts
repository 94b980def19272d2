import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { HubErrorCode, sendErrors } from '@nhs-hub/kit/platform';
import { GraphQLError, type ValidationRule } from 'graphql';
import type { HubPlugin, HubRequest } from '../plugin.js';
import { headersProblem, pathProblem, type Refusal, variablesProblem } from './hostile-input/refusals.js';
import { variablesOf } from './hostile-input/variables.js';

const refuse = (request: HubRequest, refusal: Refusal) => {
  const { status, code, message, ...detail } = refusal;
  request.errors.push(code);
  sendErrors(request.req, request.res, status, [
    { message, extensions: { code, ...detail, requestId: request.requestId } },
  ]);
};

/** NUL in a string literal of the document: PostgreSQL refuses it in text, which answered a 500. */
export const NoNulInStrings: ValidationRule = (context) => ({
  StringValue(node) {
    if (!node.value.includes('\u0000')) return;
    context.reportError(
      new GraphQLError(
        'A string literal holds a NUL character (\\u0000), which no code, date or name of this graph contains.',
        { nodes: node, extensions: { code: HubErrorCode.BAD_USER_INPUT, http: { status: 400 } } },
      ),
    );
  },
});

/**
 * Hostile input refused at the front door with a 4xx and a code, before anything reads it deeply:
 * over-long header values, malformed percent-escapes in the path, variables too deep, too long,
 * holding NUL or not JSON (from a JSON body, a query string or a form alike), a POST in a content
 * type the runtime does not read (hostile-input/refusals.ts and variables.ts say which and why);
 * NUL in the document's string literals by a validation rule.
 */
export function hostileInputPlugin(): HubPlugin {
  const validation: GatewayPlugin = {
    onValidate: ({ addValidationRule }) => addValidationRule(NoNulInStrings),
  };
  return {
    name: 'hostile-input',
    runtime: [validation],
    async frontDoor(request, next) {
      const variables = () => {
        const given = variablesOf(request);
        return Array.isArray(given) ? variablesProblem(given) : given;
      };
      const problem = headersProblem(request.req.headers) ?? pathProblem(request.path) ?? variables();
      if (problem) return refuse(request, problem);
      await next();
    },
  };
}
