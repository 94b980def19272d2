import { rootLogger } from '@nhs-hub/kit/platform';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../../testing.js';
import { ensureUsageTables, hasUsageTables, type RecordedOperation, type UsageTarget, usesOf } from '../../usage.js';
import { PENDING_MAX, UsageBatches } from './batches.js';

/** Usage written to a schema of the test database of its own. */
let hub: TestHub;
let target: UsageTarget;
beforeAll(async () => {
  hub = await createTestHub();
  target = { db: hub.database.root, schema: hub.schema('usage') };
});
afterAll(() => hub.close());

const overview: RecordedOperation = {
  hash: 'a'.repeat(64),
  name: 'StpOverview',
  coordinates: ['Query.stp(code:)', 'Stp.name'],
};
const dashboard = { name: 'dashboard', version: '2.1.0' };
const HOUR = 3_600_000;

describe('usage batches', () => {
  it('count each hour, client and operation once, and write them in one batch', async () => {
    const batches = new UsageBatches(target, rootLogger, 10);
    const now = Date.now();
    batches.count(dashboard, overview, now);
    batches.count(dashboard, overview, now);
    batches.count({ name: 'dashboard', version: '2.2.0' }, overview, now);
    batches.count(dashboard, overview, now - HOUR);
    expect(batches.waiting()).toBe(4);
    await batches.flush();
    expect(batches.waiting()).toBe(0);
    const uses = await usesOf(target, ['Stp.name'], now - 2 * HOUR);
    expect(uses.map((u) => [u.clientName, u.clientVersion, u.operationName, u.count])).toEqual([
      ['dashboard', '2.1.0', 'StpOverview', 3],
      ['dashboard', '2.2.0', 'StpOverview', 1],
    ]);
  });

  it('keep a batch that could not be written, add what is counted since, and write it all once they can', async () => {
    // A usage table of another shape (a replica of an older layout, say): the insert is refused.
    const broken: UsageTarget = { db: hub.database.root, schema: (await hub.newSchema('usage_broken')).schema };
    await sql`create table ${sql.id(broken.schema, 'usage')} (bucket timestamptz)`.execute(broken.db);
    const batches = new UsageBatches(broken, rootLogger, 10);
    const now = Date.now();
    batches.count(dashboard, overview, now);
    batches.count(dashboard, overview, now);
    await batches.flush();
    expect(batches.waiting()).toBe(2);
    batches.count(dashboard, overview, now);
    expect(batches.waiting()).toBe(3);
    await sql`drop table ${sql.id(broken.schema, 'usage')}`.execute(broken.db);
    await batches.flush();
    expect(batches.waiting()).toBe(0);
    const uses = await usesOf(broken, ['Stp.name'], now - HOUR);
    expect(uses.map((u) => [u.clientName, u.count])).toEqual([['dashboard', 3]]);
  });

  it('with HUB_MIGRATE=verify create no table: counts wait until the migrate Job has made them, then are written', async () => {
    const unmigrated: UsageTarget = { db: hub.database.root, schema: hub.schema('usage_verify') };
    const batches = new UsageBatches(unmigrated, rootLogger, 10, true);
    const now = Date.now();
    batches.count(dashboard, overview, now);
    await batches.flush();
    expect(await hasUsageTables(unmigrated)).toBe(false);
    expect(batches.waiting()).toBe(1);
    // What `node dist/gateway.mjs migrate` runs.
    await ensureUsageTables(unmigrated);
    await batches.flush();
    expect(batches.waiting()).toBe(0);
    const uses = await usesOf(unmigrated, ['Stp.name'], now - HOUR);
    expect(uses.map((u) => [u.clientName, u.count])).toEqual([['dashboard', 1]]);
  });

  it('hold at most PENDING_MAX distinct counts between batches, still counting those they hold', () => {
    const batches = new UsageBatches(target, rootLogger, 10);
    const now = Date.now();
    for (let i = 0; i <= PENDING_MAX; i++) batches.count({ name: `client-${i}`, version: '' }, overview, now);
    expect(batches.waiting()).toBe(PENDING_MAX);
    batches.count({ name: 'client-0', version: '' }, overview, now);
    expect(batches.waiting()).toBe(PENDING_MAX + 1);
  });
});
