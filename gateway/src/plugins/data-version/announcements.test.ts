import { randomBytes } from 'node:crypto';
import { releasesChannel, type ReleaseAnnouncement, rootLogger } from '@nhs-hub/kit/platform';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { needService, SYSTEM_TOOLS } from '../../testing.js';
import { hearAnnouncements } from './announcements.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const redis = await needService(SYSTEM_TOOLS.redisService, { host: '127.0.0.1', port: 6379 });
const publisher = new Redis(REDIS_URL, { lazyConnect: true });
afterAll(() => publisher.disconnect());

/** What the data version was told, as the gateway's would be. */
function listening() {
  const heard: ReleaseAnnouncement[] = [];
  let refreshed = 0;
  return {
    heard,
    refreshed: () => refreshed,
    announce: (a: ReleaseAnnouncement) => heard.push(a) > 0,
    refresh: async () => {
      refreshed++;
    },
  };
}
const until = async (done: () => boolean) => {
  for (let waited = 0; !done() && waited < 5_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
};

describe.skipIf(redis.path === null)('release announcements in Redis', () => {
  it('are heard on <prefix>releases once subscribed (asked for first), and nothing else is taken for one', async () => {
    const prefix = `hub:test:announce:${randomBytes(4).toString('hex')}:`;
    const version = listening();
    const subscriber = hearAnnouncements(REDIS_URL, prefix, version, rootLogger);
    try {
      // Subscribed, then asked: whatever was announced before this is learnt by asking.
      await until(() => version.refreshed() > 0);
      expect(version.refreshed()).toBe(1);
      const release = {
        subgraph: 'workforce',
        id: 12,
        at: '2026-12-07T10:00:00.000Z',
        kind: 'load',
        tables: ['fact'],
        counts: { inserted: 3, updated: 0, deleted: 0 },
      };
      await publisher.publish(releasesChannel(prefix), 'not json');
      await publisher.publish(releasesChannel(prefix), JSON.stringify({ ...release, id: -1 }));
      await publisher.publish(releasesChannel(`${prefix}other:`), JSON.stringify(release));
      await publisher.publish(releasesChannel(prefix), JSON.stringify(release));
      await until(() => version.heard.length > 0);
      expect(version.heard).toEqual([{ ...release, actor: '', files: [], reverts: null, revertedBy: null }]);
    } finally {
      subscriber.disconnect();
    }
  });
});
