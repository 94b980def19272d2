import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayRuntime } from '@graphql-hive/gateway-runtime';
import { HubErrorCode, type RunningServer, sendErrors, serve } from '@nhs-hub/kit/platform';
import { EXPORT_PATHS, executeThrough, handleExport } from './exports.js';
import { frontDoorChain, type HubPlugin, HubRequest, type HubServerContext, readinessOf } from './plugin.js';

export interface FrontDoorOptions {
  readonly plugins: readonly HubPlugin[];
  readonly runtime: GatewayRuntime<HubServerContext>;
  readonly port?: number | undefined;
  readonly host?: string | undefined;
  /** Operators' port: /health/*, /metrics and /admin/* there only. Unset: all on `port`. */
  readonly adminPort?: number | undefined;
  readonly onClose: () => Promise<void>;
}

export interface FrontDoor extends RunningServer {
  /** The operators' server, when it has a port of its own. */
  readonly admin: RunningServer | null;
}

/** A body already read, as the async iterable whatwg-node accepts in place of the consumed stream. */
function bodyOf(text: string): { readonly text: string; [Symbol.asyncIterator](): AsyncGenerator<Uint8Array> } {
  return {
    text,
    async *[Symbol.asyncIterator]() {
      yield Buffer.from(text);
    },
  };
}

/**
 * The gateway's HTTP routes: /graphql (and /) and /exports/* through each plugin's front-door step
 * and then the GraphQL runtime, and the plugins' operator routes, on their own port when one is set.
 * The shell (kit's serve) gives every request an id, the body limit and health.
 */
export async function startFrontDoor(options: FrontDoorOptions): Promise<FrontDoor> {
  const { plugins, runtime } = options;
  const adminRoutes = Object.assign({}, ...plugins.map((p) => p.adminRoutes ?? {})) as NonNullable<
    HubPlugin['adminRoutes']
  >;
  const headerSources = plugins.flatMap((p) => (p.headers ? [p.headers] : []));
  const headers = (req: IncomingMessage) => Object.assign({}, ...headerSources.map((h) => h(req)));
  const ready = () => readinessOf(plugins);

  const routes = plugins.flatMap((p) => (p.runtimeFor ? [p.runtimeFor] : []));
  const runtimeFor = async (request: HubRequest) => {
    for (const route of routes) {
      const chosen = route(request);
      if (chosen) return chosen;
    }
    return runtime;
  };

  const graphql = frontDoorChain(plugins, async (request) => {
    const context: HubServerContext = { hub: request };
    if (request.path.startsWith('/exports/')) {
      const fetchAs = async (r: Request) => runtime.fetch(r, context);
      return handleExport(
        request.req,
        request.res,
        executeThrough(fetchAs, request.req, request.requestId),
        request.requestId,
        request.exportHeaders,
      );
    }
    request.req.headers['x-request-id'] = request.requestId;
    // The body was read within the size limit already; whatwg-node takes it from here. A string
    // would do, but whatwg-node calls Object.keys() on it: one key per character.
    if (request.body !== undefined) Object.assign(request.req, { body: bodyOf(request.body) });
    await (await runtimeFor(request)).handle(request.req, request.res, context);
  });

  const routeAdmin = async (req: IncomingMessage, res: ServerResponse, requestId: string, body?: string) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const route = adminRoutes[path];
    if (route) return route(new HubRequest(req, res, requestId, body, path));
    sendErrors(req, res, 404, [
      { message: `No route ${path}`, extensions: { code: HubErrorCode.NOT_FOUND, requestId } },
    ]);
  };

  const admin =
    options.adminPort === undefined
      ? null
      : await serve({
          name: 'gateway-admin',
          port: options.adminPort,
          host: options.host,
          ready,
          extraPaths: Object.keys(adminRoutes),
          handler: (req, res, { requestId, body }) => routeAdmin(req, res, requestId, body),
        });

  const running = await serve({
    name: 'gateway',
    port: options.port,
    host: options.host,
    headers,
    health: admin === null,
    ...(admin === null ? { ready } : {}),
    extraPaths: [
      ...EXPORT_PATHS,
      ...plugins.flatMap((p) => p.paths ?? []),
      ...(admin === null ? Object.keys(adminRoutes) : []),
    ],
    handler: async (req, res, { requestId, body }) => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (admin === null && adminRoutes[path]) return routeAdmin(req, res, requestId, body);
      await graphql(new HubRequest(req, res, requestId, body, path));
    },
    onClose: async () => {
      await admin?.close();
      await options.onClose();
    },
  });
  return { ...running, admin };
}
