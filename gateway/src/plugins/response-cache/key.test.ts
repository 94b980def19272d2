import { createHash } from 'node:crypto';
import { ANONYMOUS, type HubAuth } from '@nhs-hub/kit/platform';
import { describe, expect, it } from 'vitest';
import { cacheKeyOf, exportTagOf, matchesEtag, sessionOf } from './key.js';

const QUERY = 'query StpOverview($code: ID!) { stp(code: $code) { name } }';
const HASH = createHash('sha256').update(QUERY).digest('hex');
const scopes = (...names: string[]): HubAuth => ({ subject: 'someone', scopes: new Set(names) });

describe('the cache key', () => {
  const asked = { documentHash: HASH, operationName: 'StpOverview', variables: { code: 'QJM', asOf: '2019-04-01' } };

  it('does not depend on the order of variables, and changes with anything else asked', () => {
    const V = 'finance.1-workforce.2';
    const key = cacheKeyOf('0', V, asked, sessionOf(ANONYMOUS));
    expect(key).toMatch(/^g0:[0-9a-f]{64}$/);
    expect(cacheKeyOf('0', V, { ...asked, variables: { asOf: '2019-04-01', code: 'QJM' } }, sessionOf(ANONYMOUS))).toBe(
      key,
    );
    const others = [
      cacheKeyOf('1', V, asked, sessionOf(ANONYMOUS)),
      cacheKeyOf('0', 'finance.1-workforce.3', asked, sessionOf(ANONYMOUS)),
      cacheKeyOf('0', V, asked, sessionOf(ANONYMOUS), '2000-01-01'),
      cacheKeyOf('0', V, { ...asked, operationName: null }, sessionOf(ANONYMOUS)),
      cacheKeyOf('0', V, { ...asked, variables: { code: 'QF7', asOf: '2019-04-01' } }, sessionOf(ANONYMOUS)),
      cacheKeyOf('0', V, asked, sessionOf(scopes('region:director'))),
    ];
    expect(new Set([key, ...others]).size).toBe(7);
  });

  it("an export's ETag: the same for the same export asked in any order, another for anything else", () => {
    const V = 'finance.1-workforce.2';
    const tag = exportTagOf('0', V, '/exports/regions/Y60/rankings.csv?asOf=2020-01-01&by=GAP_PER_HEAD', '[]');
    expect(tag).toMatch(/^"x[0-9a-f]{64}"$/);
    expect(exportTagOf('0', V, '/exports/regions/Y60/rankings.csv?by=GAP_PER_HEAD&asOf=2020-01-01', '[]')).toBe(tag);
    const others = [
      exportTagOf('1', V, '/exports/regions/Y60/rankings.csv?asOf=2020-01-01&by=GAP_PER_HEAD', '[]'),
      exportTagOf(
        '0',
        'finance.2-workforce.2',
        '/exports/regions/Y60/rankings.csv?asOf=2020-01-01&by=GAP_PER_HEAD',
        '[]',
      ),
      exportTagOf('0', V, '/exports/regions/Y60/rankings.json?asOf=2020-01-01&by=GAP_PER_HEAD', '[]'),
      exportTagOf('0', V, '/exports/regions/Y60/rankings.csv?asOf=2020-01-01&by=GAP_PER_HEAD', '["region:director"]'),
      exportTagOf('0', V, '/exports/regions/Y60/rankings.csv?asOf=2020-01-01&by=GAP_PER_HEAD', '[]', '2000-01-01'),
    ];
    expect(new Set([tag, ...others]).size).toBe(6);
  });

  it('is matched by If-None-Match as RFC 9110 compares: weakly, in a list', () => {
    expect(matchesEtag('"a"', '"a"')).toBe(true);
    expect(matchesEtag('W/"a"', '"a"')).toBe(true);
    expect(matchesEtag('"b", W/"a"', '"a"')).toBe(true);
    expect(matchesEtag('"b"', '"a"')).toBe(false);
    expect(matchesEtag('a', '"a"')).toBe(false);
    expect(matchesEtag(undefined, '"a"')).toBe(false);
    expect(matchesEtag('*', '"a"')).toBe(false);
  });

  it('never lets one set of scopes be spelt as another (a scope with a space in it is not two scopes)', () => {
    const director = sessionOf(scopes('openid', 'region:director'));
    expect(sessionOf(scopes('openid region:director'))).not.toBe(director);
    expect(sessionOf(scopes('region:director', 'openid'))).toBe(director);
    expect(sessionOf(ANONYMOUS)).toBe('[]');
  });
});
