import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import {
  DEFAULT_REDIS_KEY_PREFIX,
  formatDataVersion,
  type GatewayCall,
  type ReleaseAnnouncement,
  readReleaseAnnouncement,
  releasesChannel,
  rootLogger,
} from '@nhs-hub/kit/platform';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { eachPart, type HubPlugin, hubRequestOf } from '../plugin.js';

export { formatDataVersion, NO_DATA_VERSION, parseDataVersion } from '@nhs-hub/kit/platform';

/** The header every answer carries the gateway's data version in (and `extensions.dataVersion`). */
export const DATA_VERSION_HEADER = 'x-hub-data-version';
/**
 * The kit's `RELEASE_PATHS.version` (release-routes.ts), spelt here: importing it would bring the
 * subgraph runtime into the gateway's bundle. data-version.test.ts checks the two agree.
 */
export const SUBGRAPH_VERSION_PATH = '/releases/version';
/** How often every subgraph is asked again, in case an announcement was missed. */
export const DEFAULT_REFRESH_MS = 5_000;
/** A subgraph's version call is abandoned after this; it keeps the release it had. */
const ASK_TIMEOUT_MS = 2_000;

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

/** The latest release known of one subgraph: null before its first. */
export interface KnownRelease {
  readonly release: number | null;
  readonly at: string | null;
}

export interface DataVersion {
  /** The version now: `finance.12-geography.3-workforce.7` (the kit's formatDataVersion). */
  current(): string;
  /** The latest release known of each subgraph that serves one. */
  releases(): Readonly<Record<string, KnownRelease>>;
  /** Learns of a landed release (an announcement); true when the version moved. */
  announce(announcement: ReleaseAnnouncement): boolean;
  /**
   * Calls `listener` once with each release announced (over Redis or a purge call), after the
   * version has moved for it, even when asking had already moved it; a release heard twice (Redis
   * and the purge call) is handed on once. Returns how to stop.
   */
  onRelease(listener: (release: ReleaseAnnouncement) => void): () => void;
  /** Asks every subgraph for its latest release now; never throws. */
  refresh(): Promise<void>;
  /** Calls `listener` with each new version as it moves; returns how to stop. */
  onChange(listener: (version: string) => void): () => void;
}

/**
 * Is `next` a later release than `known`? A higher number is; a lower one only when it landed later
 * (the subgraph's database was reseeded from nothing), so an answer from before an announcement,
 * arriving after it, never takes the version back.
 */
export function isLater(known: KnownRelease | undefined, next: KnownRelease): boolean {
  if (next.release === null) return known === undefined;
  if (known === undefined || known.release === null) return true;
  if (next.release > known.release) return true;
  if (next.release === known.release) return false;
  const [then, now] = [Date.parse(known.at ?? ''), Date.parse(next.at ?? '')];
  return Number.isFinite(then) && Number.isFinite(now) && now > then;
}

/** What the kit's `SubgraphDataVersion` answer must hold. */
const VERSION_ANSWER = z.object({
  release: z.number().int().nonnegative().nullable(),
  at: z.string().nullable(),
});

/**
 * The gateway's data version: the vector of every subgraph's latest release. It changes exactly
 * when a release lands anywhere, and never goes back. Learnt at start by asking each subgraph's
 * `GET /releases/version` (signed), moved by each announcement (the writer's purge call, and Redis
 * `<prefix>releases` so every replica moves), and asked again every few seconds in case one was
 * missed. A subgraph that does not answer keeps its last release; one without the route (404) is
 * not part of the version, and is not asked again until it announces a release (a dataless
 * subgraph such as releases would otherwise be asked, and log a 404, every few seconds forever).
 * Reading it never waits on anything.
 *
 * Each request is pinned to the version at its arrival (`HubRequest.dataVersion`): the answer is
 * at least that new, so a cache keyed by it never serves an answer across a release. Every answer
 * carries it: the header `X-Hub-Data-Version`, and `extensions.dataVersion` on a GraphQL result.
 */
export async function dataVersionPlugin(
  settings: DataVersionSettings,
): Promise<HubPlugin & { readonly version: DataVersion }> {
  const log = rootLogger.child({ service: 'gateway', component: 'data-version' });
  const known: Record<string, KnownRelease> = {};
  /** Why each subgraph's last ask failed (a 404 is not a failure: that subgraph has no releases). */
  const failing = new Map<string, string>();
  /** Subgraphs that answered 404: they keep no releases, so the periodic round skips them. */
  const withoutReleases = new Set<string>();
  let current = formatDataVersion(known);
  const listeners = new Set<(version: string) => void>();
  /** The latest release announced of each subgraph: what releaseListeners have been handed. */
  const announced: Record<string, KnownRelease> = {};
  const releaseListeners = new Set<(release: ReleaseAnnouncement) => void>();

  const learn = (subgraph: string, next: KnownRelease): boolean => {
    if (!isLater(known[subgraph], next)) return false;
    known[subgraph] = next;
    const before = current;
    current = formatDataVersion(known);
    if (current === before) return false;
    log.info({ dataVersion: current, from: before }, 'data version moved');
    for (const listener of listeners) {
      // A listener's failure is its own: the version has moved for every request regardless.
      try {
        listener(current);
      } catch (error) {
        log.warn({ error: (error as Error).message }, 'a data version listener failed');
      }
    }
    return true;
  };

  const ask = async (subgraph: string, url: string): Promise<void> => {
    try {
      const target = new URL(SUBGRAPH_VERSION_PATH, url);
      const res = await fetch(target, {
        headers: settings.sign?.({ method: 'GET', path: `${target.pathname}${target.search}` }) ?? {},
        signal: AbortSignal.timeout(ASK_TIMEOUT_MS),
      });
      if (res.status === 404) {
        await res.body?.cancel();
        failing.delete(subgraph);
        withoutReleases.add(subgraph);
        return;
      }
      if (!res.ok) throw new Error(`status ${res.status}`);
      const answer = VERSION_ANSWER.parse(await res.json());
      failing.delete(subgraph);
      learn(subgraph, answer);
    } catch (error) {
      const message = (error as Error).message;
      if (failing.get(subgraph) !== message)
        log.warn({ subgraph, error: message }, 'could not read the release of a subgraph; keeping the last known');
      failing.set(subgraph, message);
    }
  };

  let refreshing: Promise<void> | null = null;
  const refresh = (): Promise<void> => {
    // One round at a time: a slow subgraph never piles up calls.
    refreshing ??= Promise.all(
      Object.entries(settings.subgraphs)
        .filter(([name]) => !withoutReleases.has(name))
        .map(([name, url]) => ask(name, url)),
    ).then(() => {
      refreshing = null;
    });
    return refreshing;
  };

  const version: DataVersion = {
    current: () => current,
    releases: () => ({ ...known }),
    announce: (a) => {
      // A release of a subgraph this graph does not compose never changes its answers.
      if (!Object.hasOwn(settings.subgraphs, a.subgraph)) return false;
      withoutReleases.delete(a.subgraph);
      const next = { release: a.id, at: a.at };
      const moved = learn(a.subgraph, next);
      if (isLater(announced[a.subgraph], next)) {
        announced[a.subgraph] = next;
        for (const listener of releaseListeners) {
          try {
            listener(a);
          } catch (error) {
            log.warn({ error: (error as Error).message }, 'a release listener failed');
          }
        }
      }
      return moved;
    },
    onRelease(listener) {
      releaseListeners.add(listener);
      return () => releaseListeners.delete(listener);
    },
    refresh,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };

  let subscriber: Redis | null = null;
  if (settings.redisUrl) {
    const channel = releasesChannel(settings.redisKeyPrefix ?? DEFAULT_REDIS_KEY_PREFIX);
    subscriber = new Redis(settings.redisUrl, {
      connectTimeout: 1_000,
      maxRetriesPerRequest: null,
      retryStrategy: (attempt: number) => Math.min(attempt * 200, 2_000),
    });
    let lastError: string | null = null;
    subscriber.on('error', (error: Error) => {
      if (error.message !== lastError) log.warn({ error: error.message }, 'release announcements unavailable in redis');
      lastError = error.message;
    });
    // Subscribed first, then asked: a release between the two is heard rather than missed; after a
    // reconnect, what was announced while away is asked for.
    subscriber.on('ready', () => {
      lastError = null;
      subscriber?.subscribe(channel).then(refresh, () => undefined);
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
  }

  await refresh();
  const timer = setInterval(() => void refresh(), settings.refreshMs ?? DEFAULT_REFRESH_MS);
  timer.unref();

  const stamping: GatewayPlugin = {
    onResultProcess: ({ result, setResult, serverContext }) => {
      if (Array.isArray(result) || !result) return;
      const dataVersion = hubRequestOf(serverContext)?.dataVersion ?? current;
      // An incremental answer (@defer, @stream) says it once, in its first part, as a whole one does.
      if (Symbol.asyncIterator in result)
        return setResult(
          eachPart(result, (part, first) =>
            first ? { ...part, extensions: { ...part.extensions, dataVersion } } : part,
          ),
        );
      setResult({ ...result, extensions: { ...result.extensions, dataVersion } });
    },
  };

  return {
    name: 'data-version',
    version,
    headers: () => ({ [DATA_VERSION_HEADER]: current }),
    async frontDoor(request, next) {
      // The version this answer is at least as new as: the cache key, the ETag, the header and the
      // extension all name this one, whatever lands while the request runs.
      request.dataVersion = current;
      request.res.setHeader(DATA_VERSION_HEADER, current);
      return next();
    },
    runtime: [stamping],
    checks: async (): Promise<Record<string, true | string>> => {
      const unknown = [...failing.entries()].filter(([name]) => !Object.hasOwn(known, name));
      return {
        dataVersion: unknown.length
          ? `no release known of ${unknown.map(([name, why]) => `${name} (${why})`).join(', ')}`
          : true,
      };
    },
    status: () => ({ dataVersion: current }),
    close: async () => {
      clearInterval(timer);
      subscriber?.disconnect();
    },
  };
}
