import { createSubgraphBuilder } from '@nhs-hub/kit/subgraph';

/** No tables of its own: its resolvers read the data subgraphs' /releases/* routes (context.peers). */
export const builder = createSubgraphBuilder<unknown>();
