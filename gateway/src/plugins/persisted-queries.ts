import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { type APQStore, useAPQ } from '@graphql-yoga/plugin-apq';
import { HubErrorCode } from '@nhs-hub/kit/platform';
import { GraphQLError } from 'graphql';
import type { HubPlugin } from '../plugin.js';

/**
 * Automatic persisted queries (Apollo's protocol, version 1): a client sends the document's
 * sha256 first and the document only when the gateway has not seen it, so a GET by hash can be
 * cached by browsers and CDNs. Any other version is the client's mistake, and is said as such.
 */
export function persistedQueriesPlugin(store?: APQStore): HubPlugin {
  const version: GatewayPlugin = {
    onParams: ({ params }) => {
      const persisted = (params.extensions as { persistedQuery?: { version?: unknown } } | undefined)?.persistedQuery;
      if (!persisted || persisted.version === 1) return;
      throw new GraphQLError(
        `Unsupported persisted query version ${JSON.stringify(persisted.version)}: this hub speaks version 1 (sha256Hash).`,
        { extensions: { code: HubErrorCode.PERSISTED_QUERY_VERSION_NOT_SUPPORTED, http: { status: 400 } } },
      );
    },
  };
  // Yoga's plugins are typed for Yoga's bare context; the gateway runtime's context extends it.
  return { name: 'persisted-queries', runtime: [version, useAPQ(store ? { store } : {}) as GatewayPlugin] };
}
