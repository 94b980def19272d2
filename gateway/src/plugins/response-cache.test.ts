import { defaultBuildResponseCacheKey } from '@envelop/response-cache';
import { describe, expect, it } from 'vitest';
import { responseCacheKey } from './response-cache.js';

describe('the response cache key', () => {
  it("is the plugin's own key, computed synchronously, so replicas of either build share one Redis", async () => {
    const cases = [
      { documentString: '{ stp(code: "QJM") { name } }', variableValues: {}, sessionId: 'anonymous', context: {} },
      {
        documentString: 'query StpOverview($code: String!) { stp(code: $code) { name } }',
        operationName: 'StpOverview',
        // Key order must not matter, nor must non-ASCII text.
        variableValues: { code: 'QJM', asOf: '2019-04-01', note: 'Sheffield – £641m' },
        sessionId: 'region:director',
        context: {},
      },
      {
        documentString: 'query StpOverview($code: String!) { stp(code: $code) { name } }',
        operationName: 'StpOverview',
        variableValues: { note: 'Sheffield – £641m', asOf: '2019-04-01', code: 'QJM' },
        sessionId: 'region:director',
        context: {},
      },
      {
        documentString: '{ regions { code } }',
        operationName: null,
        variableValues: null,
        sessionId: null,
        context: {},
      },
    ];
    const keys = cases.map(responseCacheKey);
    for (const [i, params] of cases.entries()) expect(keys[i]).toBe(await defaultBuildResponseCacheKey(params));
    expect(keys[1]).toBe(keys[2]);
    expect(new Set(keys).size).toBe(3);
    expect(keys[0]).toMatch(/^[0-9a-f]{64}$/);
  });
});
