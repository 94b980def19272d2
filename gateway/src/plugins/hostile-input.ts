import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { HubErrorCode, sendErrors } from '@nhs-hub/kit/platform';
import { GraphQLError, type ValidationRule } from 'graphql';
import type { HubPlugin, HubRequest } from '../plugin.js';

/**
 * Limits on what a request carries besides its document: each found as a 500 with a stack trace
 * (issue 23) before it was refused here.
 */
export const INPUT_LIMITS = {
  /** Characters of one header value; a JWT from an identity provider is 1-2 kB, Node's own cap on all headers is 16 kB. */
  maxHeaderLength: 8_192,
  /** Nesting of variables: the graph's inputs are a filter object of lists at most 3 deep. */
  maxVariableDepth: 16,
  /** Characters of one string in variables: codes, dates and names are short, as literals are (limits.ts). */
  maxVariableStringLength: 1_000,
} as const;

type Refusal = { status: number; code: string; message: string; limit?: string; max?: number; found?: number };

const refuse = (request: HubRequest, refusal: Refusal) => {
  const { status, code, message, ...detail } = refusal;
  request.errors.push(code);
  sendErrors(request.req, request.res, status, [
    { message, extensions: { code, ...detail, requestId: request.requestId } },
  ]);
};

/**
 * Walks variables without recursion (a 200,000-deep value overflowed the stack of the code that
 * keyed the response cache) and says what is wrong with them, if anything.
 */
export function variablesProblem(variables: unknown): Refusal | undefined {
  const stack: { value: unknown; depth: number }[] = [{ value: variables, depth: 0 }];
  while (stack.length) {
    const { value, depth } = stack.pop() as { value: unknown; depth: number };
    if (typeof value === 'string') {
      if (value.length > INPUT_LIMITS.maxVariableStringLength)
        return {
          status: 400,
          code: HubErrorCode.QUERY_LIMIT_EXCEEDED,
          limit: 'maxVariableStringLength',
          max: INPUT_LIMITS.maxVariableStringLength,
          found: value.length,
          message: `Variable string limit exceeded: ${value.length} characters, the limit is ${INPUT_LIMITS.maxVariableStringLength}. Codes, dates and names are short.`,
        };
      if (value.includes('\u0000'))
        return {
          status: 400,
          code: HubErrorCode.BAD_USER_INPUT,
          message: 'A variable holds a NUL character (\\u0000), which no code, date or name of this graph contains.',
        };
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= INPUT_LIMITS.maxVariableDepth)
      return {
        status: 400,
        code: HubErrorCode.QUERY_LIMIT_EXCEEDED,
        limit: 'maxVariableDepth',
        max: INPUT_LIMITS.maxVariableDepth,
        message: `Variable depth limit exceeded: variables nest more than ${INPUT_LIMITS.maxVariableDepth} levels. The graph's inputs nest at most 3.`,
      };
    for (const child of Array.isArray(value) ? value : Object.values(value))
      stack.push({ value: child, depth: depth + 1 });
  }
  return undefined;
}

/** The variables a GET's query string or a JSON POST's body carries; undefined when there are none or they do not parse. */
function variablesOf(request: HubRequest): unknown {
  const { req, body } = request;
  try {
    if (req.method === 'POST' && body && req.headers['content-type']?.includes('json')) {
      const parsed: unknown = JSON.parse(body);
      const all = Array.isArray(parsed) ? parsed : [parsed];
      return all.map((p) =>
        typeof p === 'object' && p !== null ? (p as { variables?: unknown }).variables : undefined,
      );
    }
    if (req.method === 'GET') {
      const raw = new URL(req.url ?? '/', 'http://localhost').searchParams.get('variables');
      return raw === null ? undefined : JSON.parse(raw);
    }
  } catch {
    // Not JSON: the runtime refuses it with its own 400.
  }
  return undefined;
}

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
 * over-long header values, malformed percent-escapes in the path, variables too deep, too long or
 * holding NUL; NUL in the document's string literals by a validation rule.
 */
export function hostileInputPlugin(): HubPlugin {
  const validation: GatewayPlugin = {
    onValidate: ({ addValidationRule }) => addValidationRule(NoNulInStrings),
  };
  return {
    name: 'hostile-input',
    runtime: [validation],
    async frontDoor(request, next) {
      for (const [name, value] of Object.entries(request.req.headers)) {
        const length = Array.isArray(value) ? value.join(', ').length : (value?.length ?? 0);
        if (length > INPUT_LIMITS.maxHeaderLength)
          return refuse(request, {
            status: 431,
            code: HubErrorCode.BAD_REQUEST,
            limit: 'maxHeaderLength',
            max: INPUT_LIMITS.maxHeaderLength,
            found: length,
            message: `Header ${name} is ${length} characters long; the limit is ${INPUT_LIMITS.maxHeaderLength}.`,
          });
      }
      try {
        decodeURIComponent(request.path);
      } catch {
        return refuse(request, {
          status: 400,
          code: HubErrorCode.BAD_REQUEST,
          message: `The path ${JSON.stringify(request.path.slice(0, 200))} holds a malformed percent-escape: escape "%" as "%25".`,
        });
      }
      const variables = variablesOf(request);
      const problem = variables === undefined ? undefined : variablesProblem(variables);
      if (problem) return refuse(request, problem);
      await next();
    },
  };
}
