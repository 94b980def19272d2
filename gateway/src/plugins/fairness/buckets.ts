/** Clients remembered at once; the least recently seen is forgotten first (a full bucket again). */
export const MAX_CLIENTS = 10_000;

/**
 * A token bucket per client: `burst` tokens to start, refilled at `perSecond`. Each request takes
 * one; a client may also be charged more (its query's cost), and its balance may go below zero, so
 * its next requests wait until it has paid.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {}

  /** Takes one token of `key`'s bucket at `now` (ms): 0 when taken, else the seconds until one is there. */
  admit(key: string, now: number): number {
    let bucket = this.buckets.get(key);
    if (bucket) this.buckets.delete(key);
    else bucket = { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    bucket.at = now;
    // Re-inserted: the Map's order is the order clients were last seen.
    this.buckets.set(key, bucket);
    if (this.buckets.size > MAX_CLIENTS) this.buckets.delete(this.buckets.keys().next().value as string);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return (1 - bucket.tokens) / this.perSecond;
  }

  /** Takes `tokens` more from a client seen before; one forgotten (or never seen) is not charged. */
  charge(key: string, tokens: number): void {
    const bucket = this.buckets.get(key);
    if (bucket) bucket.tokens -= tokens;
  }
}
