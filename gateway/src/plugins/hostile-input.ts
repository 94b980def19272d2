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

/**
 * graphql-yoga's own test of a content type (isContentTypeMatch): the first of a list, exactly or
 * followed by parameters, case and all. Read any other way, a body Yoga reads as a form could be
 * read here as JSON, and its variables pass unchecked.
 */
function contentTypeIs(request: HubRequest, expected: string): boolean {
  const first = request.req.headers['content-type']?.split(',')[0];
  return first === expected || first?.startsWith(`${expected};`) === true;
}

/** The content types the runtime reads a POST in (Hive's runtime turns Yoga's multipart off). */
const POST_TYPES = [
  'application/json',
  'application/graphql+json',
  'application/x-www-form-urlencoded',
  'application/graphql',
];

/**
 * A leading byte-order mark, dropped before reading: some UTF-8 decoders drop it (whatwg-node's
 * keeps it today), so the body is checked as the runtime reads it either way.
 */
const withoutBom = (text: string) => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);

const notJson = (where: string): Refusal => ({
  status: 400,
  code: HubErrorCode.BAD_REQUEST,
  message: `${where} is not JSON.`,
});

/**
 * Every `variables` parameter of a query string or a form, each JSON (an empty one is absent, as
 * Yoga reads it). Yoga reads the first; all are checked, so no reading of the parameters (with a
 * byte-order mark dropped or not) finds one that was not.
 */
function variablesParameters(params: URLSearchParams, where: string): unknown[] | Refusal {
  const all: unknown[] = [];
  for (const raw of params.getAll('variables')) {
    if (!raw) continue;
    try {
      all.push(JSON.parse(raw));
    } catch {
      return notJson(`The variables parameter of the ${where}`);
    }
  }
  return all;
}

/**
 * The variables of every operation a request carries, read from wherever the runtime will read
 * them (a GET's query string, a JSON body, a form body), or why they cannot be checked: a body or
 * parameter that does not parse is refused here rather than left for the runtime to read some
 * other way (it answered a form's malformed variables with a 500), and a content type the runtime
 * would not read is refused with 415.
 */
function variablesOf(request: HubRequest): unknown[] | Refusal {
  const { req, body } = request;
  if (req.method === 'GET')
    return variablesParameters(new URL(req.url ?? '/', 'http://localhost').searchParams, 'query string');
  if (req.method !== 'POST') return [];
  const text = withoutBom(body ?? '');
  if (contentTypeIs(request, 'application/json') || contentTypeIs(request, 'application/graphql+json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return notJson('The request body');
    }
    return (Array.isArray(parsed) ? parsed : [parsed]).map((p) =>
      typeof p === 'object' && p !== null && 'variables' in p ? p.variables : undefined,
    );
  }
  if (contentTypeIs(request, 'application/x-www-form-urlencoded'))
    return variablesParameters(new URLSearchParams(text), 'form');
  // A document alone: no variables.
  if (contentTypeIs(request, 'application/graphql')) return [];
  return {
    status: 415,
    code: HubErrorCode.UNSUPPORTED_MEDIA_TYPE,
    message: `A POST to the graph is one of ${POST_TYPES.join(', ')}; this one is ${JSON.stringify(req.headers['content-type'] ?? 'untyped')}. The graph takes no uploads.`,
  };
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
 * over-long header values, malformed percent-escapes in the path, variables too deep, too long,
 * holding NUL or not JSON (from a JSON body, a query string or a form alike), a POST in a content
 * type the runtime does not read; NUL in the document's string literals by a validation rule.
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
      const problem = Array.isArray(variables) ? variablesProblem(variables) : variables;
      if (problem) return refuse(request, problem);
      await next();
    },
  };
}
