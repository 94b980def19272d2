import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, parseSince } from './since.js';

const SUBGRAPHS = ['finance', 'geography', 'workforce'];

describe('since', () => {
  it('reads a time, a release, a data version, or nothing', () => {
    expect(parseSince(undefined, SUBGRAPHS)).toEqual({ kind: 'beginning' });
    expect(parseSince('2026-12-07T09:00:00+01:00', SUBGRAPHS)).toEqual({
      kind: 'time',
      at: '2026-12-07T08:00:00.000Z',
    });
    expect(parseSince('2026-12-07', SUBGRAPHS)).toEqual({ kind: 'time', at: '2026-12-07T00:00:00.000Z' });
    expect(parseSince('finance.12', SUBGRAPHS)).toEqual({ kind: 'release', subgraph: 'finance', release: 12 });
    expect(parseSince('finance.0', SUBGRAPHS)).toEqual({ kind: 'beginning' });
    expect(parseSince('finance.12-geography.3-workforce.7', SUBGRAPHS)).toEqual({
      kind: 'version',
      releases: { finance: 12, geography: 3, workforce: 7 },
    });
  });

  it('refuses anything else with BAD_USER_INPUT, naming what it takes', () => {
    for (const bad of [
      'yesterday',
      '2026-02-30T25:00:00Z',
      'finance',
      'finance.x',
      'nosuchgraph.1',
      'finance.1-finance.2',
      'finance.1--geography.2',
    ]) {
      expect(() => parseSince(bad, SUBGRAPHS), bad).toThrow(
        expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }),
      );
    }
  });
});

describe('the cursor', () => {
  it('comes back as it was written', () => {
    const cursor = {
      positions: { finance: { id: 12, fields: 0 }, workforce: { id: 7, fields: 3 } },
      sinceTime: '2026-12-07T08:00:00.000Z',
    };
    expect(decodeCursor(encodeCursor(cursor), SUBGRAPHS)).toEqual(cursor);
  });

  it('refuses one it did not write', () => {
    for (const bad of [
      '!!',
      'e30',
      Buffer.from('{"v":2,"p":{}}').toString('base64url'),
      Buffer.from('{"v":1,"p":{"finance":[-1,0]}}').toString('base64url'),
      Buffer.from('{"v":1,"p":{"finance":[1e20,0]}}').toString('base64url'),
      Buffer.from('{"v":1,"p":{"nosuchgraph":[1,0]}}').toString('base64url'),
    ]) {
      expect(() => decodeCursor(bad, SUBGRAPHS), bad).toThrow(
        expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }),
      );
    }
  });
});
