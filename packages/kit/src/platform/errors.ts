import { GraphQLError } from 'graphql';

/**
 * Every `extensions.code` the hub answers with, its own and those of the libraries it is built on
 * (Apollo Server, Hive Gateway) that it passes on. Clients can rely on codes; messages may change.
 * README's "Errors to expect" lists them for callers (errors.test.ts keeps the two in step).
 */
export const HubErrorCode = {
  /** An unknown code or id; 200, the rest of the data answers. */
  NOT_FOUND: 'NOT_FOUND',
  /** A malformed argument or variable value. */
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  /** A token without the scope a field needs. */
  FORBIDDEN: 'FORBIDDEN',
  /** A bearer token that does not verify (401). */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** The identity provider's signing keys could not be fetched (503). */
  IDENTITY_PROVIDER_UNAVAILABLE: 'IDENTITY_PROVIDER_UNAVAILABLE',
  /** A document over one of the gateway's depth, alias, cost, directive, token or string limits (400). */
  QUERY_LIMIT_EXCEEDED: 'QUERY_LIMIT_EXCEEDED',
  GRAPHQL_PARSE_FAILED: 'GRAPHQL_PARSE_FAILED',
  GRAPHQL_VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
  /** An unknown operation name, or none where the document has several (400). */
  OPERATION_RESOLUTION_FAILURE: 'OPERATION_RESOLUTION_FAILURE',
  PERSISTED_QUERY_NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
  PERSISTED_QUERY_MISMATCH: 'PERSISTED_QUERY_MISMATCH',
  PERSISTED_QUERY_VERSION_NOT_SUPPORTED: 'PERSISTED_QUERY_VERSION_NOT_SUPPORTED',
  /** With trusted documents on, a document (or hash) no registered manifest holds (400). */
  TRUSTED_DOCUMENT_REQUIRED: 'TRUSTED_DOCUMENT_REQUIRED',
  /** A subgraph that is down or slow; carries `serviceName` (its fields are null, the rest answers). */
  SUBREQUEST_HTTP_ERROR: 'SUBREQUEST_HTTP_ERROR',
  /** A request body, or a variables parameter, that is not JSON (400). */
  BAD_REQUEST: 'BAD_REQUEST',
  /** A request body over the size limit (413). */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** A POST in a content type the graph does not read: multipart (no uploads), text, or none (415). */
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  /** A client over its request rate (429, with Retry-After in seconds). */
  RATE_LIMITED: 'RATE_LIMITED',
  /** The cache purge endpoint called with another method than POST (405). */
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  /** The response cache's store (Redis) did not answer a purge (503). */
  CACHE_UNAVAILABLE: 'CACHE_UNAVAILABLE',
  /** An export whose data changed while it was read (502): trying again gets a whole file. */
  INCOMPLETE: 'INCOMPLETE',
  /** Anything unexpected; in production its message says no more than that. */
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;

export type HubErrorCode = (typeof HubErrorCode)[keyof typeof HubErrorCode];

/** Extensions of an error the hub raises: a code from the one list, plus whatever detail it carries. */
export type HubErrorExtensions = { readonly code: HubErrorCode } & Readonly<Record<string, unknown>>;

/** A GraphQL error with a code from HubErrorCode: the only way the hub's own code names a code. */
export function hubError(
  message: string,
  code: HubErrorCode,
  options: { readonly extensions?: Readonly<Record<string, unknown>> & { readonly code?: never } } & Omit<
    NonNullable<ConstructorParameters<typeof GraphQLError>[1]>,
    'extensions'
  > = {},
): GraphQLError {
  const { extensions, ...rest } = options;
  // The code first, as clients and logs read it.
  return new GraphQLError(message, { ...rest, extensions: { code, ...extensions } });
}

/** True when a code a response or error carries is one the hub documents. */
export function isHubErrorCode(code: unknown): code is HubErrorCode {
  return typeof code === 'string' && Object.hasOwn(HubErrorCode, code);
}

export function notFound(what: string, detail: string): GraphQLError {
  return hubError(`${what} not found: ${detail}`, HubErrorCode.NOT_FOUND);
}

export function badInput(message: string, argumentName?: string): GraphQLError {
  return hubError(message, HubErrorCode.BAD_USER_INPUT, argumentName ? { extensions: { argumentName } } : {});
}
