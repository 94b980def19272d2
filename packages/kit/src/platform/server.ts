import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ApolloServer, type BaseContext, HeaderMap } from '@apollo/server';
import { HubErrorCode } from './errors.js';
import { sendErrors } from './graphql-http.js';
import { rootLogger } from './observability.js';

/**
 * What answers GraphQL requests once the shared front door (health, request id, body limit) has
 * let them in. `body` is the request body already read within the size limit (POST), or undefined.
 */
export type GraphQLHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  request: { requestId: string; body: string | undefined },
) => Promise<void>;

export interface ServeOptions {
  readonly name: string;
  readonly handler: GraphQLHandler;
  /** Called after the HTTP server stopped and in-flight requests finished. */
  readonly onClose?: () => Promise<void>;
  readonly port?: number | undefined;
  readonly host?: string | undefined;
  /** Readiness beyond "the process is up": e.g. the database answers, subgraphs answer. */
  readonly ready?: () => Promise<ReadinessReport> | ReadinessReport;
  readonly maxBodyBytes?: number | undefined;
  /** Paths besides /graphql the handler serves (the gateway's cache purge; its exports, by pattern). */
  readonly extraPaths?: readonly (string | RegExp)[] | undefined;
  /** /health/live and /health/ready; on unless false (the gateway may serve them on an admin port instead). */
  readonly health?: boolean | undefined;
  /** Headers every answer carries, set before anything answers (the gateway's CORS for browsers). */
  readonly headers?: ((req: IncomingMessage) => Record<string, string>) | undefined;
  /** How long a caller may take to send headers, the whole request, and idle between requests; SOCKET_TIMEOUTS unless given. */
  readonly timeouts?: Partial<SocketTimeouts> | undefined;
}

export interface SocketTimeouts {
  /** Milliseconds to send the request's headers (slow-header sockets were still open after 92 s). */
  readonly headersMs: number;
  /** Milliseconds to send the whole request, body included (slow-body sockets likewise). */
  readonly requestMs: number;
  /** Milliseconds an idle keep-alive socket is kept. */
  readonly keepAliveMs: number;
}

/**
 * A request's headers and body arrive within seconds from any real client; a socket that takes
 * longer holds memory and a file descriptor for nothing. Keep-alive outlasts the load balancers'
 * and the gateway's idle timeouts (60 s), so they close first and never reuse a closing socket.
 */
export const SOCKET_TIMEOUTS: SocketTimeouts = { headersMs: 10_000, requestMs: 30_000, keepAliveMs: 65_000 };

export interface ReadinessReport {
  readonly ready: boolean;
  /** Ready, but something it uses is not: it answers with less (status `degraded`, still 200). */
  readonly degraded?: boolean;
  readonly checks?: Record<string, boolean | string>;
}

export interface RunningServer {
  readonly name: string;
  readonly url: string;
  readonly port: number;
  readonly http: Server;
  close(): Promise<void>;
}

const DEFAULT_MAX_BODY_BYTES = 1_000_000;
const REQUEST_ID = /^[\w.:-]{1,128}$/;
/** How long a stopping server lets in-flight requests finish before closing their sockets (the pods' grace period covers it). */
export const DRAIN_TIMEOUT_MS = 10_000;

/**
 * Serves an Apollo Server over node:http with liveness (`/health/live`) and readiness
 * (`/health/ready`) endpoints, a request id on every response, and a body-size limit.
 * One integration for subgraphs and gateway alike, so behaviour under bad input is the same everywhere.
 */
export async function serve(options: ServeOptions): Promise<RunningServer> {
  const { name } = options;
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  const timeouts = { ...SOCKET_TIMEOUTS, ...options.timeouts };
  const http = createServer(
    {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      keepAliveTimeout: timeouts.keepAliveMs,
      // Node checks the header and request timeouts on this interval (30 s by default): a slow
      // socket would outlive its limit by up to that much.
      connectionsCheckingInterval: Math.min(1_000, timeouts.headersMs),
    },
    (req, res) => {
      handle(req, res).catch((error: unknown) => {
        if (!res.headersSent)
          sendErrors(req, res, 500, [
            { message: 'Internal server error', extensions: { code: HubErrorCode.INTERNAL_SERVER_ERROR } },
          ]);
        else res.end();
        // One log line, the stack inside it: a multi-line trace on stderr was what hostile input printed.
        rootLogger.error(
          { service: name, error: (error as Error)?.message, stack: (error as Error)?.stack },
          'request failed',
        );
      });
    },
  );
  http.keepAliveTimeout = timeouts.keepAliveMs;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // A caller's id is kept only when it is a plain token of sane length: it is echoed, logged and
    // forwarded to every subgraph.
    const given = headerValue(req.headers['x-request-id']);
    const requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('x-request-id', requestId);
    if (options.headers) for (const [key, value] of Object.entries(options.headers(req))) res.setHeader(key, value);
    const url = new URL(req.url ?? '/', 'http://localhost');

    const health = options.health !== false;
    if (health && url.pathname === '/health/live') return sendJson(res, 200, { status: 'live', service: name });
    if (health && url.pathname === '/health/ready') {
      const report = options.ready ? await options.ready() : { ready: true };
      return sendJson(res, report.ready ? 200 : 503, {
        status: !report.ready ? 'not ready' : report.degraded ? 'degraded' : 'ready',
        service: name,
        ...report,
      });
    }
    if (
      url.pathname !== '/graphql' &&
      url.pathname !== '/' &&
      !options.extraPaths?.some((path) => (typeof path === 'string' ? path === url.pathname : path.test(url.pathname)))
    ) {
      return sendErrors(req, res, 404, [
        {
          message: `No route ${url.pathname}; GraphQL is served at /graphql`,
          extensions: { code: HubErrorCode.NOT_FOUND },
        },
      ]);
    }

    let body: string | undefined;
    if (req.method === 'POST') {
      // A declared length over the limit is refused before reading a byte of it.
      const declared = Number(headerValue(req.headers['content-length']) ?? 0);
      const raw = declared > maxBody ? null : await readBody(req, maxBody);
      if (raw === null) {
        res.setHeader('connection', 'close');
        return sendErrors(req, res, 413, [
          { message: `Request body exceeds ${maxBody} bytes`, extensions: { code: HubErrorCode.PAYLOAD_TOO_LARGE } },
        ]);
      }
      body = raw;
    }
    await options.handler(req, res, { requestId, body });
  }

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      http.off('error', reject);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;
  const url = `http://${options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1'}:${port}/graphql`;

  return {
    name,
    url,
    port,
    http,
    async close() {
      // Stop accepting, let in-flight requests finish, then drop idle keep-alive sockets.
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      // A keep-alive socket turns idle the moment its last response is sent: keep sweeping.
      http.closeIdleConnections();
      const sweep = setInterval(() => http.closeIdleConnections(), 25);
      const forced = setTimeout(() => http.closeAllConnections(), DRAIN_TIMEOUT_MS);
      await closed;
      clearInterval(sweep);
      clearTimeout(forced);
      await options.onClose?.();
    },
  };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Serves an Apollo Server (the subgraphs) behind the shared front door. */
export async function apolloHandler<TContext extends BaseContext>(
  apollo: ApolloServer<TContext>,
  context: (request: { requestId: string; headers: IncomingMessage['headers'] }) => Promise<TContext> | TContext,
): Promise<GraphQLHandler> {
  await apollo.start();
  return async (req, res, { requestId, body: raw }) => {
    let body: unknown = raw;
    const type = headerValue(req.headers['content-type']) ?? '';
    if (raw !== undefined && type.includes('application/json')) {
      try {
        body = raw.length > 0 ? JSON.parse(raw) : undefined;
      } catch {
        return sendErrors(req, res, 400, [
          { message: 'Request body is not valid JSON', extensions: { code: HubErrorCode.BAD_REQUEST } },
        ]);
      }
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: (req.method ?? 'GET').toUpperCase(), headers, search: url.search, body },
      context: async () => context({ requestId, headers: req.headers }),
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}
