import { HubErrorCode, sendErrors, sendJson } from '@nhs-hub/kit/platform';
import type { HubPlugin, HubRequest } from '../plugin.js';
import { announcementIn, purgeRefusal } from './cache-purge/call.js';
import type { DataVersion } from './data-version.js';
import type { ResponseCache } from './response-cache.js';

export const PURGE_PATH = '/admin/cache/purge';

/**
 * `POST /admin/cache/purge`, the call a writer makes once a release has landed (`npm run load`, a
 * reseed): the release it names in its body moves the data version at once, then every cached
 * answer is dropped, in every replica sharing the store. With the cache off the route still hears
 * releases, for the data version. Only the local purge key or a token with the purge scope may call it.
 */
export function cachePurgePlugin(
  cache: ResponseCache | null,
  purgeKey: string | undefined,
  version: Pick<DataVersion, 'current' | 'announce'>,
): HubPlugin {
  async function purgeRoute(request: HubRequest): Promise<void> {
    const { req, res, requestId } = request;
    const refuse = (status: number, message: string, code: string) =>
      sendErrors(req, res, status, [{ message, extensions: { code, requestId } }]);
    const refusal = await purgeRefusal(req, purgeKey);
    if (refusal) return refuse(refusal.status, refusal.message, refusal.code);
    // The data version moves before the purge, so no request after this call is keyed by the
    // version before the release.
    const release = announcementIn(request.body);
    if (release) version.announce(release);
    const dataVersion = version.current();
    if (!cache) return sendJson(res, 200, { purged: false, store: null, dataVersion });
    try {
      await cache.purge();
      sendJson(res, 200, { purged: true, store: cache.kind, dataVersion });
    } catch (error) {
      refuse(503, `Could not purge the response cache: ${(error as Error).message}`, HubErrorCode.CACHE_UNAVAILABLE);
    }
  }
  return { name: 'cache-purge', adminRoutes: { [PURGE_PATH]: purgeRoute } };
}
