import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { type GatewayCall, rootLogger } from '@nhs-hub/kit/platform';
import type { Redis } from 'ioredis';
import { eachPart, type HubPlugin, hubRequestOf } from '../plugin.js';
import { hearAnnouncements } from './data-version/announcements.js';
import { type DataVersion, trackDataVersion } from './data-version/version.js';

export { formatDataVersion, NO_DATA_VERSION, parseDataVersion } from '@nhs-hub/kit/platform';
export type { DataVersion, KnownRelease } from './data-version/version.js';

/** The header every answer carries the gateway's data version in (and `extensions.dataVersion`). */
export const DATA_VERSION_HEADER = 'x-hub-data-version';
/** How often every subgraph is asked again, in case an announcement was missed. */
export const DEFAULT_REFRESH_MS = 5_000;

export interface DataVersionSettings {
  /** Subgraph name → its GraphQL URL, as the supergraph gives them. */
  readonly subgraphs: Readonly<Record<string, string>>;
  /** Headers a call to a subgraph carries: the gateway's signature of it (subgraphs answer nothing else in production). */
  readonly sign?: ((call: GatewayCall) => Record<string, string>) | undefined;
  /** Redis where writers announce releases (`<prefix>releases`), so every replica moves on one; none: the purge call and asking. */
  readonly redisUrl?: string | undefined;
  readonly redisKeyPrefix?: string | undefined;
  readonly refreshMs?: number | undefined;
}

/**
 * The gateway's data version: the vector of every subgraph's latest release. It changes exactly
 * when a release lands anywhere, and never goes back. Learnt at start by asking each subgraph's
 * `GET /releases/version` (signed), moved by each announcement (the writer's purge call, and Redis
 * `<prefix>releases` so every replica moves), and asked again every few seconds in case one was
 * missed (data-version/version.ts keeps it, data-version/announcements.ts hears Redis). Reading it
 * never waits on anything.
 *
 * Each request is pinned to the version at its arrival (`HubRequest.dataVersion`): the answer is
 * at least that new, so a cache keyed by it never serves an answer across a release. Every answer
 * carries it: the header `X-Hub-Data-Version`, and `extensions.dataVersion` on a GraphQL result.
 */
export async function dataVersionPlugin(
  settings: DataVersionSettings,
): Promise<HubPlugin & { readonly version: DataVersion }> {
  const log = rootLogger.child({ service: 'gateway', component: 'data-version' });
  const { version, readiness } = trackDataVersion(settings.subgraphs, settings.sign, log);
  const subscriber: Redis | null = settings.redisUrl
    ? hearAnnouncements(settings.redisUrl, settings.redisKeyPrefix, version, log)
    : null;
  await version.refresh();
  const timer = setInterval(() => void version.refresh(), settings.refreshMs ?? DEFAULT_REFRESH_MS);
  timer.unref();

  const stamping: GatewayPlugin = {
    onResultProcess: ({ result, setResult, serverContext }) => {
      if (Array.isArray(result) || !result) return;
      const dataVersion = hubRequestOf(serverContext)?.dataVersion ?? version.current();
      // An incremental answer (@defer, @stream) says it once, in its first part, as a whole one does;
      // a subscription's events are news of their own (releasePublished carries the version it moved to).
      if (Symbol.asyncIterator in result)
        return setResult(
          eachPart(result, (part, first) =>
            first && part.hasNext !== undefined ? { ...part, extensions: { ...part.extensions, dataVersion } } : part,
          ),
        );
      setResult({ ...result, extensions: { ...result.extensions, dataVersion } });
    },
  };

  return {
    name: 'data-version',
    version,
    headers: () => ({ [DATA_VERSION_HEADER]: version.current() }),
    async frontDoor(request, next) {
      // The version this answer is at least as new as: the cache key, the ETag, the header and the
      // extension all name this one, whatever lands while the request runs.
      request.dataVersion = version.current();
      request.res.setHeader(DATA_VERSION_HEADER, request.dataVersion);
      return next();
    },
    runtime: [stamping],
    checks: async (): Promise<Record<string, true | string>> => ({ dataVersion: readiness() }),
    status: () => ({ dataVersion: version.current() }),
    close: async () => {
      clearInterval(timer);
      subscriber?.disconnect();
    },
  };
}
