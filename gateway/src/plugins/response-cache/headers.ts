import type { IncomingMessage } from 'node:http';
import { ALL_DATA_KEY, subgraphKey } from '@nhs-hub/kit/platform';
import { exportTagOf, matchesEtag } from './key.js';

/**
 * How a browser may keep an export: in its own cache only (a director's view is never shared),
 * and asked again each time (a 304 while nothing changed). The same on a 200 and a 304.
 */
export const EXPORT_CACHING = { 'cache-control': 'private, no-cache', vary: 'Authorization, Origin' } as const;

/**
 * An export's validators: its ETag (exportTagOf) with EXPORT_CACHING, on a 200 and a 304 alike,
 * and whether the caller's If-None-Match names it already (a 304).
 */
export function exportValidators(
  generation: string,
  dataVersion: string,
  req: IncomingMessage,
  session: string,
): { readonly headers: Record<string, string>; readonly notModified: boolean } {
  const etag = exportTagOf(generation, dataVersion, req.url ?? '/', session);
  return { headers: { etag, ...EXPORT_CACHING }, notModified: matchesEtag(req.headers['if-none-match'], etag) };
}

/**
 * Every request header that changes an answer a cache may keep: the media type (Accept), the
 * caller's scopes (Authorization) and CORS (the allowed Origin is echoed back). A shared cache
 * keeps one copy per combination, so no site is handed another's Access-Control-Allow-Origin.
 */
export const VARY = 'Accept, Authorization, Origin';

/**
 * The surrogate keys of an answer, space-separated (Varnish, Fastly `Surrogate-Key`; Cloudflare
 * takes the same names comma-separated as `Cache-Tag`): every answer's `hub`, and one per subgraph
 * whose data it read, so a load into one subgraph purges only the answers that read it.
 */
export function surrogateKeysOf(subgraphs: Iterable<string>): string[] {
  return [ALL_DATA_KEY, ...[...subgraphs].sort().map(subgraphKey)];
}

/**
 * The caching headers of an answer, alike on a 200 (hit or miss) and a 304: none but for a GET,
 * which browsers and CDNs may keep, and an error never. A public answer may sit in a shared cache
 * for the TTL (`s-maxage`, purged by surrogate key on a data release) while browsers check it each
 * time (`max-age=0`: a 304 when the ETag still matches, so a release shows at once). An answer to a
 * caller with a token is theirs alone: `private`, checked each time, never shared, never keyed.
 */
export function cachingHeaders(
  ttlSeconds: number,
  method: string | undefined,
  authorized: boolean,
  keys: readonly string[] | undefined,
  errors = false,
): Record<string, string> {
  if (method !== 'GET') return {};
  if (errors) return { 'cache-control': 'no-store' };
  const policy = !ttlSeconds
    ? 'no-cache'
    : authorized
      ? 'private, no-cache'
      : `public, max-age=0, s-maxage=${ttlSeconds}`;
  const headers: Record<string, string> = { 'cache-control': policy, vary: VARY };
  if (keys && !authorized) Object.assign(headers, { 'surrogate-key': keys.join(' '), 'cache-tag': keys.join(',') });
  return headers;
}

const JSON_ANSWER = 'application/json; charset=utf-8';
const JSON_ACCEPTS: Readonly<Record<string, string>> = {
  '*/*': JSON_ANSWER,
  'application/json': JSON_ANSWER,
  'application/graphql-response+json': 'application/graphql-response+json; charset=utf-8',
};

/**
 * The content type the runtime would answer with, as it chooses it: the first media type in the
 * caller's order that it serves, q-values ignored. null where its choice could be a stream
 * (event-stream, multipart) or a wildcard this does not model.
 */
export function jsonAnswerType(accept: string | undefined): string | null {
  if (!accept?.trim()) return JSON_ANSWER;
  for (const part of accept.split(',')) {
    const type = part.split(';')[0]?.trim().toLowerCase() ?? '';
    const answer = JSON_ACCEPTS[type];
    if (answer) return answer;
    if (type.includes('*') || type === 'text/event-stream' || type === 'multipart/mixed') return null;
  }
  return null;
}
