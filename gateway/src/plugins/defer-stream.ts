import type { GatewayPlugin, GatewayRuntime } from '@graphql-hive/gateway-runtime';
import { QUERY_LIMITS } from '@nhs-hub/kit/platform';
import { Lexer, Source, TokenKind } from 'graphql';
import type { HubPlugin, HubRequest, HubServerContext } from '../plugin.js';
import { incrementalExecutorPlugins } from './defer-stream/executor.js';
import { requestParams } from './response-cache/asked-for.js';

/** Cheap enough for every request: only a document that passes it is lexed. */
const MENTIONS = /@\s*(defer|stream)\b/;
const INCREMENTAL = new Set(['defer', 'stream']);

/** Does the document use `@defer` or `@stream`? Its tokens say: a mention in a comment or a string does not count. */
export function asksIncremental(document: string): boolean {
  if (document.length > QUERY_LIMITS.maxDocumentLength || !MENTIONS.test(document)) return false;
  try {
    const lexer = new Lexer(new Source(document));
    let at = false;
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      if (at && token.kind === TokenKind.NAME && INCREMENTAL.has(token.value)) return true;
      at = token.kind === TokenKind.AT;
    }
  } catch {
    // Not a document: the main runtime says why.
  }
  return false;
}

/** The document a request sends, or the one its persisted-query hash stands for (APQ). */
function documentOf(request: HubRequest, persisted: (hash: string) => string | undefined): string | undefined {
  const params = requestParams(request);
  if (typeof params?.query === 'string') return params.query;
  const hash = (params?.extensions as { persistedQuery?: { sha256Hash?: unknown } } | null | undefined)?.persistedQuery
    ?.sha256Hash;
  return typeof hash === 'string' ? persisted(hash) : undefined;
}

/**
 * `@defer` and `@stream` (incremental delivery over multipart/mixed). Hive Router's executor runs
 * no deferred plan, so a document that uses them goes to a second runtime, Hive's JS federation
 * executor with `deferStream` on, over the same supergraph and plugins, built on the first such
 * request: a gateway never asked for one carries none of its memory. `build` makes it with the
 * runtime plugins given added to the gateway's; `persisted` finds an APQ hash's document.
 */
export function deferStreamPlugin(
  supergraph: string,
  build: (extra: readonly GatewayPlugin[]) => GatewayRuntime<HubServerContext>,
  persisted: (hash: string) => string | undefined = () => undefined,
): HubPlugin & { readonly built: () => boolean } {
  let incremental: Promise<GatewayRuntime<HubServerContext>> | undefined;
  let built = false;
  const start = async () => {
    // Hive's JS executor, with what it needs for @defer and @stream on this graph (defer-stream/executor.ts).
    const runtime = build(incrementalExecutorPlugins(supergraph));
    try {
      await runtime.getSchema();
    } catch (error) {
      // Built again by the next such request, rather than every one refused until a restart.
      incremental = undefined;
      await runtime.dispose();
      throw error;
    }
    built = true;
    return runtime;
  };
  return {
    name: 'defer-stream',
    built: () => built,
    runtimeFor(request) {
      const document = documentOf(request, persisted);
      if (document === undefined || !asksIncremental(document)) return undefined;
      // A stream the response cache never stores is no answer for a shared cache to keep either.
      if (request.req.method === 'GET') request.res.setHeader('cache-control', 'no-store');
      incremental ??= start();
      return incremental;
    },
    close: async () => (await incremental?.catch(() => undefined))?.dispose(),
  };
}
