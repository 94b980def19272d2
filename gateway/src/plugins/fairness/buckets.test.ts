import { describe, expect, it } from 'vitest';
import { MAX_CLIENTS, TokenBuckets } from './buckets.js';

describe('token buckets', () => {
  it('let a client send its burst at once, then one request per 1/rate seconds', () => {
    const buckets = new TokenBuckets(2, 3);
    expect([0, 0, 0].map(() => buckets.admit('ip:a', 0))).toEqual([0, 0, 0]);
    // Empty: the next token comes in half a second at 2 a second.
    expect(buckets.admit('ip:a', 0)).toBe(0.5);
    expect(buckets.admit('ip:a', 500)).toBe(0);
    // Refilled to the burst and no further.
    expect([0, 0, 0, 0].map(() => buckets.admit('ip:a', 60_000))).toEqual([0, 0, 0, 0.5]);
  });

  it('keep one bucket per client', () => {
    const buckets = new TokenBuckets(1, 1);
    expect(buckets.admit('ip:a', 0)).toBe(0);
    expect(buckets.admit('ip:a', 0)).toBe(1);
    expect(buckets.admit('sub:someone', 0)).toBe(0);
  });

  it('charge a client more than a token (its query cost), below zero, so it waits until it has paid', () => {
    const buckets = new TokenBuckets(1, 3);
    expect(buckets.admit('sub:dear', 0)).toBe(0);
    buckets.charge('sub:dear', 12);
    // 3 - 1 - 12 = -10 tokens: 11 seconds before the next request may come in.
    expect(buckets.admit('sub:dear', 0)).toBe(11);
    expect(buckets.admit('sub:dear', 11_000)).toBe(0);
    // A client never seen is not charged (nor remembered).
    buckets.charge('sub:unknown', 100);
    expect(buckets.admit('sub:unknown', 0)).toBe(0);
  });

  it('forget the client seen longest ago past MAX_CLIENTS: it starts again with a full bucket', () => {
    const buckets = new TokenBuckets(1, 1);
    expect(buckets.admit('first', 0)).toBe(0);
    expect(buckets.admit('first', 0)).toBe(1);
    for (let i = 0; i < MAX_CLIENTS; i++) buckets.admit(`client-${i}`, 0);
    expect(buckets.admit('first', 0)).toBe(0);
  });
});
