import type { IncomingMessage, ServerResponse } from 'node:http';

/** The GraphQL over HTTP media type: a client that accepts it reads a non-2xx body as a GraphQL response. */
export const GRAPHQL_RESPONSE_JSON = 'application/graphql-response+json; charset=utf-8';
const JSON_UTF8 = 'application/json; charset=utf-8';

/** A media range's quality (0 to 1) from one Accept entry such as `application/json;q=0.9`. */
function qualityOf(parameters: readonly string[]): number {
  for (const parameter of parameters) {
    const [name, value] = parameter.split('=').map((s) => s.trim());
    if (name?.toLowerCase() === 'q') {
      const q = Number(value);
      return Number.isFinite(q) ? Math.min(Math.max(q, 0), 1) : 1;
    }
  }
  return 1;
}

/**
 * The media type of an answer the hub writes itself (an error at the front door), chosen as the
 * GraphQL over HTTP spec asks: `application/graphql-response+json` when the caller accepts it at
 * least as readily as `application/json`, else `application/json`. Without that, Apollo Client and
 * urql see a 401 or a 413 as a network failure and the code is buried in the body's text.
 */
export function answerMediaType(accept: string | readonly string[] | undefined): string {
  const value = Array.isArray(accept) ? accept.join(',') : (accept as string | undefined);
  if (!value?.trim()) return JSON_UTF8;
  let graphqlResponse = 0;
  let json = 0;
  for (const entry of value.split(',')) {
    const [range = '', ...parameters] = entry.split(';');
    const type = range.trim().toLowerCase();
    const q = qualityOf(parameters);
    if (type === 'application/graphql-response+json') graphqlResponse = Math.max(graphqlResponse, q);
    else if (type === 'application/json' || type === 'application/*' || type === '*/*') json = Math.max(json, q);
  }
  return graphqlResponse > 0 && graphqlResponse >= json ? GRAPHQL_RESPONSE_JSON : JSON_UTF8;
}

/** A GraphQL error as the hub writes it: a message and extensions with at least a code. */
export interface WrittenError {
  readonly message: string;
  readonly extensions: { readonly code: string } & Readonly<Record<string, unknown>>;
}

/**
 * Answers `{ errors }` with `status`, in the media type the caller accepts (answerMediaType): every
 * error the hub's HTTP shell and the gateway's front door answer themselves goes through here, so a
 * 401, a 403, a 404 or a 413 reads like the runtime's own 400s.
 */
export function sendErrors(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  errors: readonly WrittenError[],
): void {
  res.statusCode = status;
  res.setHeader('content-type', answerMediaType(req.headers.accept));
  // An error is about this request: no shared cache may keep it for another.
  if (!res.hasHeader('cache-control')) res.setHeader('cache-control', 'no-store');
  res.end(JSON.stringify({ errors }));
}
