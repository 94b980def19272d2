import { formatDataVersion, type GatewayCall, type ReleaseAnnouncement, type rootLogger } from '@nhs-hub/kit/platform';
import { z } from 'zod';

/**
 * The kit's `RELEASE_PATHS.version` (release-routes.ts), spelt here: importing it would bring the
 * subgraph runtime into the gateway's bundle. data-version.test.ts checks the two agree.
 */
export const SUBGRAPH_VERSION_PATH = '/releases/version';
/** A subgraph's version call is abandoned after this; it keeps the release it had. */
const ASK_TIMEOUT_MS = 2_000;

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

/** Calls each listener; one that throws is logged, and the others still hear it. */
function tell<T>(listeners: Iterable<(value: T) => void>, value: T, log: typeof rootLogger, what: string): void {
  for (const listener of listeners) {
    try {
      listener(value);
    } catch (error) {
      log.warn({ error: (error as Error).message }, `a ${what} listener failed`);
    }
  }
}

/**
 * The vector of every subgraph's latest release, as asked of each subgraph's `GET
 * /releases/version` (signed) and told by announcements; it never goes back. A subgraph that does
 * not answer keeps its last release; one without the route (404) is left out, and not asked again
 * until it announces a release. `readiness` names the subgraphs whose release is still unknown, and why.
 */
export function trackDataVersion(
  subgraphs: Readonly<Record<string, string>>,
  sign: ((call: GatewayCall) => Record<string, string>) | undefined,
  log: typeof rootLogger,
): { readonly version: DataVersion; readiness(): true | string } {
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
    // A listener's failure is its own: the version has moved for every request regardless.
    tell(listeners, current, log, 'data version');
    return true;
  };

  const ask = async (subgraph: string, url: string): Promise<void> => {
    try {
      const target = new URL(SUBGRAPH_VERSION_PATH, url);
      const res = await fetch(target, {
        headers: sign?.({ method: 'GET', path: `${target.pathname}${target.search}` }) ?? {},
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
      Object.entries(subgraphs)
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
      if (!Object.hasOwn(subgraphs, a.subgraph)) return false;
      withoutReleases.delete(a.subgraph);
      const next = { release: a.id, at: a.at };
      const moved = learn(a.subgraph, next);
      if (isLater(announced[a.subgraph], next)) {
        announced[a.subgraph] = next;
        tell(releaseListeners, a, log, 'release');
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

  const readiness = (): true | string => {
    const unknown = [...failing.entries()].filter(([name]) => !Object.hasOwn(known, name));
    return unknown.length ? `no release known of ${unknown.map(([name, why]) => `${name} (${why})`).join(', ')}` : true;
  };
  return { version, readiness };
}
