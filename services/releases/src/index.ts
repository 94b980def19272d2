import type { SubgraphDefinition } from '@nhs-hub/kit/subgraph';
import { schema } from './schema/index.js';

/**
 * What changed, across every data subgraph: `changes(since:)` and `releasePublished`. It owns no
 * tables (`"data": false` in schema/subgraphs.json): each page is one call to every data subgraph's
 * GET /releases/changes, so a new data subgraph is read as soon as it is listed there.
 */
export const subgraph: SubgraphDefinition<unknown> = {
  name: 'releases',
  schema,
  migrations: {},
  seed: async () => ({}),
  dataless: true,
};
