import type { IncomingMessage } from 'node:http';
import type { HubPlugin } from '../plugin.js';

const LOCALHOST = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/;

/** The headers the gateway's CSRF rule accepts on a GET or a form post (csrfPrevention below). */
export const CSRF_HEADERS = [
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'graphql-preflight',
  'x-graphql-client-name',
] as const;

/**
 * CORS for browser apps on other origins. Tokens travel in `Authorization`, not cookies, so
 * credentials are never allowed: a page on an allowed origin can call the hub with its own token,
 * and no page can ride on a user's cookies. Origins are matched exactly; an origin not allowed
 * gets no CORS headers at all, so the browser blocks it.
 */
export function corsPolicy(allowed: readonly string[] | undefined, production: boolean) {
  const permits = (origin: string) => (allowed ? allowed.includes(origin) : !production && LOCALHOST.test(origin));
  return (origin: string | null | undefined) => {
    if (!origin || !permits(origin)) return false as const;
    return {
      origin: [origin],
      credentials: false,
      methods: ['GET', 'POST', 'OPTIONS'],
      allowedHeaders: [
        'content-type',
        'authorization',
        'x-request-id',
        'apollo-require-preflight',
        'x-apollo-operation-name',
        'graphql-preflight',
        'if-none-match',
      ],
      // The data version, so a page can tell a release landed (plugins/data-version.ts).
      exposedHeaders: ['x-request-id', 'etag', 'content-disposition', 'x-hub-data-version'],
      maxAge: 600,
    };
  };
}

/**
 * The same policy as headers, for what the front door answers itself rather than the GraphQL
 * runtime: a 401 for a bad token, a 413, an export, a cached answer. Without them a browser hides
 * the answer and its page sees only "Failed to fetch". `preflight` adds what an OPTIONS answer needs.
 */
export function corsHeaders(
  policy: ReturnType<typeof corsPolicy>,
  origin: string | undefined,
  preflight: boolean,
): Record<string, string> {
  const allowed = policy(origin);
  if (!allowed) return {};
  return {
    'access-control-allow-origin': origin ?? '',
    'access-control-expose-headers': allowed.exposedHeaders.join(', '),
    vary: 'Origin',
    ...(preflight
      ? {
          'access-control-allow-methods': allowed.methods.join(', '),
          'access-control-allow-headers': allowed.allowedHeaders.join(', '),
          'access-control-max-age': String(allowed.maxAge),
        }
      : {}),
  };
}

/**
 * Browsers: CORS on every answer, preflights of exports answered here (GraphQL's are the
 * runtime's), and the CSRF rule Apollo Server applied: a GET or a form post must carry a header a
 * browser cannot send cross-site without a preflight.
 */
export function corsPlugin(origins: readonly string[] | undefined, production: boolean): HubPlugin {
  const policy = corsPolicy(origins, production);
  return {
    name: 'cors',
    headers: (req: IncomingMessage) => corsHeaders(policy, req.headers.origin, false),
    async frontDoor(request, next) {
      if (request.req.method !== 'OPTIONS' || !request.path.startsWith('/exports/')) return next();
      for (const [name, value] of Object.entries(corsHeaders(policy, request.req.headers.origin, true)))
        request.res.setHeader(name, value);
      request.res.statusCode = 204;
      request.res.end();
    },
    runtimeOptions: {
      cors: (req) => policy(req.headers.get('origin')),
      csrfPrevention: { requestHeaders: [...CSRF_HEADERS] },
    },
  };
}
