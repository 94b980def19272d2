import {
  DEFAULT_REDIS_KEY_PREFIX,
  readReleaseAnnouncement,
  releasesChannel,
  type rootLogger,
} from '@nhs-hub/kit/platform';
import { Redis } from 'ioredis';
import type { DataVersion } from './version.js';

/**
 * Hears the releases writers announce in Redis (`<prefix>releases`), one connection per replica so
 * every replica moves on each. Subscribed first, then asked: a release between the two is heard
 * rather than missed; after a reconnect, what was announced while away is asked for. A message that
 * is not an announcement is logged and dropped. Returns the connection, to close.
 */
export function hearAnnouncements(
  redisUrl: string,
  redisKeyPrefix: string | undefined,
  version: Pick<DataVersion, 'announce' | 'refresh'>,
  log: typeof rootLogger,
): Redis {
  const channel = releasesChannel(redisKeyPrefix ?? DEFAULT_REDIS_KEY_PREFIX);
  const subscriber = new Redis(redisUrl, {
    connectTimeout: 1_000,
    maxRetriesPerRequest: null,
    retryStrategy: (attempt: number) => Math.min(attempt * 200, 2_000),
  });
  let lastError: string | null = null;
  subscriber.on('error', (error: Error) => {
    if (error.message !== lastError) log.warn({ error: error.message }, 'release announcements unavailable in redis');
    lastError = error.message;
  });
  subscriber.on('ready', () => {
    lastError = null;
    subscriber.subscribe(channel).then(version.refresh, () => undefined);
  });
  subscriber.on('message', (from: string, message: string) => {
    if (from !== channel) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      parsed = null;
    }
    const announcement = readReleaseAnnouncement(parsed);
    if (announcement) version.announce(announcement);
    else log.warn({ message: message.slice(0, 200) }, 'ignored a release announcement that is not one');
  });
  return subscriber;
}
