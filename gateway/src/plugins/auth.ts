import { authenticate, HubErrorCode, sendErrors } from '@nhs-hub/kit/platform';
import type { GraphQLError } from 'graphql';
import type { HubPlugin } from '../plugin.js';

/**
 * Bearer tokens: a bad token is refused with a 401 at the front door, before any parsing or
 * planning; a good one gives the request its scopes (which the response cache keys on) and travels
 * on to each subgraph, which checks the caller itself rather than trusting the gateway.
 */
export function authPlugin(): HubPlugin {
  return {
    name: 'auth',
    async frontDoor(request, next) {
      try {
        request.auth = await authenticate(request.req.headers.authorization);
      } catch (error) {
        const gql = error as GraphQLError;
        const status = (gql.extensions?.http as { status?: number } | undefined)?.status ?? 401;
        const code = String(gql.extensions?.code ?? HubErrorCode.UNAUTHENTICATED);
        request.errors.push(code);
        // In the media type the caller accepts (GraphQL over HTTP): Apollo Client reads a 401 in
        // application/graphql-response+json as a GraphQL error with its code, not a network failure.
        return sendErrors(request.req, request.res, status, [
          { message: gql.message, extensions: { code, requestId: request.requestId } },
        ]);
      }
      await next();
    },
    forward: (request): Record<string, string> => {
      const authorization = request.req.headers.authorization;
      return authorization ? { authorization } : {};
    },
  };
}
