import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { cachingHeaders, EXPORT_CACHING, exportValidators, jsonAnswerType, surrogateKeysOf, VARY } from './headers.js';
import { exportTagOf } from './key.js';

describe('the content type a hit is answered with', () => {
  it('is the one the runtime chooses, and none where the runtime could stream', () => {
    expect(jsonAnswerType(undefined)).toBe('application/json; charset=utf-8');
    expect(jsonAnswerType('application/graphql-response+json,application/json;q=0.9')).toBe(
      'application/graphql-response+json; charset=utf-8',
    );
    expect(jsonAnswerType('application/json, text/plain, */*')).toBe('application/json; charset=utf-8');
    expect(jsonAnswerType('text/event-stream')).toBeNull();
    expect(jsonAnswerType('multipart/mixed')).toBeNull();
    expect(jsonAnswerType('text/html,*/*')).toBe('application/json; charset=utf-8');
  });
});

describe('the caching headers of an answer', () => {
  const keys = surrogateKeysOf(['workforce', 'finance']);

  it('name every answer `hub` and each subgraph it read, in a stable order', () => {
    expect(keys).toEqual(['hub', 'subgraph:finance', 'subgraph:workforce']);
    expect(surrogateKeysOf([])).toEqual(['hub']);
  });

  it('let a public GET sit in a shared cache for the TTL, purged by its surrogate keys, checked each time by browsers', () => {
    expect(cachingHeaders(300, 'GET', false, keys)).toEqual({
      'cache-control': 'public, max-age=0, s-maxage=300',
      vary: VARY,
      'surrogate-key': 'hub subgraph:finance subgraph:workforce',
      'cache-tag': 'hub,subgraph:finance,subgraph:workforce',
    });
  });

  it("keep an answer to a token its caller's alone, never shared and never keyed for a CDN", () => {
    expect(cachingHeaders(300, 'GET', true, keys)).toEqual({ 'cache-control': 'private, no-cache', vary: VARY });
  });

  it('say no-cache without a TTL (the cache off), no-store for an error, and nothing but for a GET', () => {
    expect(cachingHeaders(0, 'GET', false, undefined)).toEqual({ 'cache-control': 'no-cache', vary: VARY });
    expect(cachingHeaders(300, 'GET', false, keys, true)).toEqual({ 'cache-control': 'no-store' });
    expect(cachingHeaders(300, 'POST', false, keys)).toEqual({});
    expect(cachingHeaders(300, 'POST', false, keys, true)).toEqual({});
  });
});

describe("an export's validators", () => {
  const URL = '/exports/regions/Y60/rankings.csv?by=GAP_PER_HEAD';
  const req = (ifNoneMatch?: string) =>
    ({ url: URL, headers: ifNoneMatch === undefined ? {} : { 'if-none-match': ifNoneMatch } }) as IncomingMessage;
  const etag = exportTagOf('3', 'finance.1', URL, '[]');

  it('are its ETag and private caching, and a 304 only when If-None-Match names that ETag', () => {
    expect(exportValidators('3', 'finance.1', req(), '[]')).toEqual({
      headers: { etag, ...EXPORT_CACHING },
      notModified: false,
    });
    expect(exportValidators('3', 'finance.1', req(`W/${etag}`), '[]').notModified).toBe(true);
    // Another release, purge or set of scopes: another ETag, so the export is sent again.
    expect(exportValidators('3', 'finance.2', req(etag), '[]').notModified).toBe(false);
    expect(exportValidators('4', 'finance.1', req(etag), '[]').notModified).toBe(false);
    expect(exportValidators('3', 'finance.1', req(etag), '["region:director"]').notModified).toBe(false);
  });
});
