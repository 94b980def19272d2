import { startGateway } from '../gateway.js';
import { FEDERATION_CASES } from './cases.js';
import { describeFederationCorpus, type GatewayStarter } from './runner.js';

/** Today's gateway: Hive Gateway with the Rust planner, its response cache in memory when on. */
const startHubGateway: GatewayStarter = async (supergraphSdl, subgraphUrls, cacheOn) => {
  const gateway = await startGateway({
    supergraphSdl,
    subgraphUrls,
    port: 0,
    metrics: false,
    cache: cacheOn ? { ttlMs: 60_000 } : undefined,
  });
  return {
    url: gateway.url,
    close: () => gateway.close(),
    ...(gateway.cache ? { cacheHits: () => gateway.cache?.stats.hits ?? 0 } : {}),
  };
};

describeFederationCorpus('federation corpus through the hub gateway', startHubGateway, FEDERATION_CASES);
