import { createHash } from 'node:crypto';
import type { HubAuth } from '@nhs-hub/kit/platform';
import stableStringify from 'fast-json-stable-stringify';
import type { AskedFor } from './asked-for.js';

/**
 * The caller's session: the scopes decide what a caller may see, the subject does not, so callers
 * with the same scopes share answers. JSON, so no set of scopes can be spelt as another.
 */
export const sessionOf = (auth: HubAuth): string => JSON.stringify([...auth.scopes].sort());

/**
 * What the stored entry's layout is: part of every key, so entries of an older layout (in a Redis
 * shared across a deploy) are never read as this one.
 */
const ENTRY_LAYOUT = 'v3';

/** Today in UTC: what an argument left out (`asOf`) defaults to, so an answer may change at midnight without a release. */
export const utcDay = (): string => new Date().toISOString().slice(0, 10);

/**
 * The key of an answer: the purge generation, then a hash of the data version (an answer is never
 * served across a release, in whichever replica and however it learnt of it), the day, what was
 * asked and by whom. Also its ETag, so a 304 depends on these alone, never on what a cache holds.
 */
export const cacheKeyOf = (
  generation: string,
  dataVersion: string,
  asked: AskedFor,
  session: string,
  day: string = utcDay(),
): string =>
  `g${generation}:${createHash('sha256')
    .update(
      [
        ENTRY_LAYOUT,
        dataVersion,
        day,
        asked.documentHash,
        asked.operationName ?? '',
        stableStringify(asked.variables ?? {}),
        session,
      ].join('|'),
    )
    .digest('hex')}`;

/** A quoted strong validator: the key itself is a hash of the generation and of what was asked, by whom. */
export const etagOf = (key: string): string => `"${key}"`;

/**
 * An export's ETag: a hash of the purge generation, the data version, the day, the export asked
 * (path and query, in a stable order) and the caller's scopes. Like a GraphQL ETag it says nothing
 * of whether anyone else asked: the same for every caller with the same scopes.
 */
export function exportTagOf(generation: string, dataVersion: string, url: string, session: string, day = utcDay()) {
  const { pathname, searchParams } = new URL(url, 'http://localhost');
  const query = [...searchParams.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const hash = createHash('sha256')
    .update([ENTRY_LAYOUT, 'export', generation, dataVersion, day, pathname, JSON.stringify(query), session].join('|'))
    .digest('hex');
  return `"x${hash}"`;
}

/**
 * Does an If-None-Match name this ETag? The weak comparison RFC 9110 sets for it: `W/"a"` matches
 * `"a"` (a CDN that compresses an answer weakens its ETag, and browsers send that back).
 */
export function matchesEtag(ifNoneMatch: string | undefined, etag: string): boolean {
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return ifNoneMatch?.split(',').some((tag) => opaque(tag) === opaque(etag)) ?? false;
}
