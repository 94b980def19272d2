import type { rootLogger } from '@nhs-hub/kit/platform';
import { LRUCache } from 'lru-cache';
import {
  ensureUsageTables,
  pruneUsage,
  type RecordedOperation,
  type UsageCount,
  type UsageTarget,
  writeUsage,
} from '../../usage.js';

/**
 * Distinct (hour, client, operation) counts held between batches. Past it, new keys wait for the
 * next batch rather than grow the heap: a caller inventing client names cannot exhaust memory.
 */
export const PENDING_MAX = 20_000;
const HOUR_MS = 3_600_000;

/**
 * Usage counted between batches, then written: one batch at a time, in order (two would race on
 * the same rows), a failed one kept and added to what has been counted since, and the retention
 * applied at most once an hour.
 */
export class UsageBatches {
  private pending = new Map<string, UsageCount>();
  /** Hashes whose operation row is written (or in a batch on its way): four per document the plugin keeps. */
  private readonly written: LRUCache<string, true>;
  private ready: Promise<void> | undefined;
  private lastPrune = 0;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly target: UsageTarget,
    private readonly log: typeof rootLogger,
    documentsKept: number,
    /**
     * HUB_MIGRATE=verify: never run DDL. Deployed gateways write as a role that cannot create: the
     * tables are the migrate Job's (`node dist/gateway.mjs migrate`), and until it has run, counts
     * wait for the next batch.
     */
    private readonly verifyOnly = false,
  ) {
    this.written = new LRUCache<string, true>({ max: documentsKept * 4 });
  }

  /** One use of `operation` by `client`, in the hour of `now`. */
  count(client: { name: string; version: string }, operation: RecordedOperation, now = Date.now()): void {
    const hour = now - (now % HOUR_MS);
    const key = `${hour}\n${client.name}\n${client.version}\n${operation.hash}`;
    const existing = this.pending.get(key);
    if (existing) {
      existing.count++;
      existing.lastSeen = now;
    } else if (this.pending.size < PENDING_MAX)
      this.pending.set(key, {
        hour,
        clientName: client.name,
        clientVersion: client.version,
        operation,
        count: 1,
        lastSeen: now,
      });
  }

  /** Uses counted and not yet written. */
  waiting(): number {
    return [...this.pending.values()].reduce((n, c) => n + c.count, 0);
  }

  /** Writes what is counted now, after any batch already on its way. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.writeBatch());
    return this.flushing;
  }

  private prepare(): Promise<void> {
    return this.verifyOnly ? Promise.resolve() : ensureUsageTables(this.target);
  }

  private async writeBatch(): Promise<void> {
    if (!this.pending.size) return this.maybePrune();
    const batch = this.pending;
    this.pending = new Map();
    const fresh = [...new Set([...batch.values()].map((c) => c.operation))].filter((o) => !this.written.has(o.hash));
    try {
      this.ready ??= this.prepare();
      await this.ready;
      await writeUsage(this.target, [...batch.values()], fresh);
      for (const o of fresh) this.written.set(o.hash, true);
    } catch (error) {
      this.ready = undefined;
      // Kept for the next batch, added to what has been counted since.
      for (const [key, c] of batch) {
        const now = this.pending.get(key);
        if (now) {
          now.count += c.count;
          now.lastSeen = Math.max(now.lastSeen, c.lastSeen);
        } else if (this.pending.size < PENDING_MAX) this.pending.set(key, c);
      }
      this.log.warn(
        { err: error },
        this.verifyOnly
          ? "field usage not written (HUB_MIGRATE=verify: the tables are the migrate Job's to create); kept for the next batch"
          : 'field usage not written; kept for the next batch',
      );
      return;
    }
    await this.maybePrune();
  }

  private async maybePrune(): Promise<void> {
    if (Date.now() - this.lastPrune < HOUR_MS) return;
    this.lastPrune = Date.now();
    try {
      this.ready ??= this.prepare();
      await this.ready;
      await pruneUsage(this.target);
    } catch (error) {
      this.log.warn({ err: error }, 'field usage retention not applied');
    }
  }
}
