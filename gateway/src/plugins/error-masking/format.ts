import { HubErrorCode, isProduction } from '@nhs-hub/kit/platform';
import type { GraphQLError, GraphQLFormattedError } from 'graphql';
import { CSRF_HEADERS } from '../cors.js';
import { QUERY_LIMIT_ADVICE } from '../limits.js';

/** What @graphql-yoga/plugin-csrf-prevention says when a request lacks every header it asks for. */
const CSRF_REFUSAL = 'Required CSRF header(s) not present';

/** What Hive's executor calls a subgraph answer it could not read as GraphQL. */
const HIVE_UNREADABLE_ANSWER = 'RESPONSE_VALIDATION_FAILED';

type Extensions = Record<string, unknown> & { code?: unknown; http?: { status?: number } };

/**
 * What graphql-js puts before a scalar's own refusal when the scalar threw an error of another
 * graphql-js copy than the validator's (Apollo Server's ESM copy in a subgraph): the scalar's
 * message after it says exactly what is wrong, and the prefix only repeats the literal.
 */
const SCALAR_REFUSAL_PREFIX = /^Expected value of type "[^"]+", found (?:"(?:[^"\\]|\\.)*"|[^;"]*); (?=\S)/;

/** graphql-armor reports every limit as "Syntax Error: <limit> limit of N exceeded, found M." */
const ARMOR =
  /^Syntax Error: (Aliases|Query depth|Directives|Token) limit of (\d+) exceeded(?:, found (\d+(?:\.\d+)?))?\.?$/;

/**
 * One shape for every error the gateway answers with: a stable `code`, the request id, the
 * subgraph's own message when a subgraph refused the input, and in production no stack traces,
 * subgraph requests or internals.
 */
export function formatGatewayError(
  error: GraphQLError | GraphQLFormattedError,
  requestId: string,
  operationName?: string | null,
): GraphQLFormattedError & { extensions: Extensions } {
  // Errors may come from the CommonJS copy of graphql-js Hive loads: ask for toJSON, not instanceof.
  const json: GraphQLFormattedError =
    typeof (error as Partial<GraphQLError>).toJSON === 'function' ? (error as GraphQLError).toJSON() : error;
  const extensions: Extensions = { ...(json.extensions as Extensions | undefined) };
  let message = json.message;
  const limit = ARMOR.exec(message);
  if (limit) {
    const [, kind = '', max = '', found] = limit;
    const advice = QUERY_LIMIT_ADVICE[kind as keyof typeof QUERY_LIMIT_ADVICE];
    const count = found === undefined ? `more than ${max}` : String(Math.ceil(Number(found)));
    message = `${advice.name} exceeded: ${count} ${advice.unit}, the limit is ${max}. ${advice.howToStayUnder}`;
    extensions.code = HubErrorCode.QUERY_LIMIT_EXCEEDED;
    extensions.limit = advice.limit;
    extensions.max = Number(max);
    if (found !== undefined) extensions.found = Math.ceil(Number(found));
    extensions.http = { status: 400 };
  } else if (extensions.code === undefined && message.startsWith('Syntax Error:')) {
    extensions.code = HubErrorCode.GRAPHQL_PARSE_FAILED;
    extensions.http = { status: 400 };
  } else if (extensions.code === HubErrorCode.GRAPHQL_VALIDATION_FAILED && json.path) {
    // The gateway validated the document already; a subgraph refusing it at a path means a value
    // its scalars parse more strictly (a Date such as "2019-13-45"): the caller's input is wrong,
    // and the scalar's own message says how.
    extensions.code = HubErrorCode.BAD_USER_INPUT;
    message = message.replace(SCALAR_REFUSAL_PREFIX, '');
  } else if (extensions.code === undefined && extensions.http?.status === 400) {
    extensions.code = HubErrorCode.GRAPHQL_VALIDATION_FAILED;
  } else if (/^Could not determine what operation|^Must provide operation name/.test(message)) {
    extensions.code = HubErrorCode.OPERATION_RESOLUTION_FAILURE;
    extensions.http = { status: 400 };
    message = operationName
      ? `Unknown operation named ${JSON.stringify(operationName)}.`
      : 'Must provide an operation name when the document contains several operations.';
  } else if (!json.path && /^Variable "\$[^"]+" (got invalid value|of required type|of non-null type)/.test(message)) {
    // Variables that do not fit their declared types are the caller's input, refused before any subgraph is asked.
    extensions.code = HubErrorCode.BAD_USER_INPUT;
    extensions.http = { status: 400 };
  }
  if (message === CSRF_REFUSAL) {
    // Yoga's CSRF plugin gives no code, so production masked a refusal of the caller's own request
    // as an internal error. Say what to send instead, as Apollo Server does.
    extensions.code = HubErrorCode.BAD_REQUEST;
    extensions.http = { status: 403 };
    message = `This request has been blocked as a potential Cross-Site Request Forgery (CSRF): a GET or a form post must carry one of the headers ${CSRF_HEADERS.join(', ')} (any value), or a POST must send content-type: application/json.`;
  }
  if (extensions.code === HIVE_UNREADABLE_ANSWER && typeof extensions.serviceName === 'string') {
    // Hive's own code for a subgraph answer that is not a GraphQL response (a proxy's HTML page, a
    // truncated body): to callers it is one more way a subgraph failed, and its message quotes the
    // raw body, which may hold anything the subgraph or a proxy in front of it printed.
    extensions.code = HubErrorCode.SUBREQUEST_HTTP_ERROR;
    const said = isProduction() ? '' : ` (${message})`;
    message = `Subgraph "${extensions.serviceName}" answered with something that is not a GraphQL response${said}`;
  }
  if (extensions.code === HubErrorCode.PERSISTED_QUERY_NOT_FOUND) {
    // Apollo's convention, which every APQ client follows: 200, then the client sends the document.
    extensions.http = { status: 200 };
  } else if (extensions.code === HubErrorCode.PERSISTED_QUERY_MISMATCH) {
    message =
      'The document does not hash to the sha256Hash sent with it (persisted query mismatch): send the hash of exactly this document.';
    extensions.http = { status: 400 };
  }
  const code = typeof extensions.code === 'string' ? extensions.code : HubErrorCode.INTERNAL_SERVER_ERROR;
  extensions.code = code;
  extensions.requestId = requestId;
  if (code === HubErrorCode.BAD_USER_INPUT) {
    // The stack of a refused input points into the hub's own parsers (file paths included): it
    // tells the caller nothing the message does not, in development either.
    delete extensions.stacktrace;
    delete extensions.exception;
  }
  if (!isProduction()) return { ...json, message, extensions };
  // What a subgraph was sent and answered is for the hub's logs, not for callers.
  const { stacktrace: _s, exception: _e, request: _q, response: _r, ...kept } = extensions;
  const internal = code === HubErrorCode.INTERNAL_SERVER_ERROR;
  return {
    message: internal ? 'Internal server error' : message,
    ...(json.locations ? { locations: json.locations } : {}),
    ...(json.path ? { path: json.path } : {}),
    extensions: internal ? { code, requestId, ...(kept.http ? { http: kept.http } : {}) } : kept,
  };
}
