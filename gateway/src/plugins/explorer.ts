import type { HubPlugin, HubRequest } from '../plugin.js';
import { EXPLORER_ASSET, encodingFor, explorerAssets } from './explorer/assets.js';
import { devTokensFor, type ExplorerSettings } from './explorer/operations.js';
import { explorerPage, renderExplorer } from './explorer/page.js';

/** Serves one of the explorer's files: immutable (its name changes with its content), compressed when accepted. */
async function serveAsset(request: HubRequest): Promise<void> {
  const { req, res } = request;
  const name = request.path.slice('/explorer/'.length);
  const asset = (await explorerAssets()).files.get(name);
  if (!asset) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    return void res.end(`No explorer file ${name}`);
  }
  const encoding = encodingFor(req.headers['accept-encoding'] as string | undefined);
  const body = asset[encoding];
  res.writeHead(200, {
    'content-type': asset.type,
    'content-length': body.length,
    'cache-control': 'public, max-age=31536000, immutable',
    vary: 'Accept-Encoding',
    ...(encoding === 'identity' ? {} : { 'content-encoding': encoding }),
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/**
 * The offline GraphiQL explorer at /graphql for browsers: a small page and its files at
 * /explorer/<hash>.<ext> (hashed names, br/gzip, cached as immutable), nothing fetched from a CDN.
 * Off when `settings` is undefined.
 */
export function explorerPlugin(settings: ExplorerSettings | undefined): HubPlugin {
  return {
    name: 'explorer',
    ...(settings
      ? {
          paths: [EXPLORER_ASSET],
          async frontDoor(request, next) {
            const { req } = request;
            if ((req.method === 'GET' || req.method === 'HEAD') && EXPLORER_ASSET.test(request.path))
              return serveAsset(request);
            // The page itself is checked on every view (it names the current files, and in
            // development carries a token), never kept by a shared cache.
            if (req.method === 'GET' && req.headers.accept?.includes('text/html'))
              request.res.setHeader('cache-control', 'private, no-cache');
            return next();
          },
        }
      : {}),
    runtimeOptions: {
      graphiql: !settings
        ? false
        : settings.devToken
          ? // Signed per page view, so a page opened hours after start still carries a live token.
            async () => explorerPage(settings.operations, await devTokensFor(settings))
          : explorerPage(settings.operations),
      renderGraphiQL: (options) => renderExplorer(options as Record<string, unknown>),
    },
  };
}
