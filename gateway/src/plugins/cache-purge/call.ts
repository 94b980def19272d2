import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import {
  authenticate,
  CACHE_PURGE_SCOPE,
  HubErrorCode,
  type ReleaseAnnouncement,
  readReleaseAnnouncement,
} from '@nhs-hub/kit/platform';

/** A purge call refused: the status, what to tell the caller, and the code. */
export interface PurgeRefusal {
  readonly status: number;
  readonly message: string;
  readonly code: HubErrorCode;
}

/**
 * Why a purge call is refused, or null when it may purge: a POST carrying the local purge key
 * (`x-hub-purge-key`, for `npm start`) or a bearer token with the purge scope.
 */
export async function purgeRefusal(req: IncomingMessage, purgeKey: string | undefined): Promise<PurgeRefusal | null> {
  if (req.method !== 'POST')
    return { status: 405, message: 'POST to purge the response cache', code: HubErrorCode.METHOD_NOT_ALLOWED };
  const key = req.headers['x-hub-purge-key'];
  if (typeof key === 'string' && purgeKey !== undefined && sameSecret(key, purgeKey)) return null;
  const auth = await authenticate(req.headers.authorization).catch(() => undefined);
  if (auth?.scopes.has(CACHE_PURGE_SCOPE)) return null;
  const status = !auth || auth.subject === null ? 401 : 403;
  return {
    status,
    message: `Purging the response cache needs a bearer token with scope "${CACHE_PURGE_SCOPE}"`,
    code: status === 401 ? HubErrorCode.UNAUTHENTICATED : HubErrorCode.FORBIDDEN,
  };
}

/** The release a purge call's JSON body announces (`{"release": {...}}`), if any. */
export function announcementIn(body: string | undefined): ReleaseAnnouncement | null {
  if (!body) return null;
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null && 'release' in parsed
      ? readReleaseAnnouncement(parsed.release)
      : null;
  } catch {
    return null;
  }
}

/** Compares a presented secret with the expected one in constant time, so timing tells nothing of it. */
function sameSecret(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
