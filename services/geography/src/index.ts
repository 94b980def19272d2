import type { SubgraphDefinition } from '@nhs-hub/kit/subgraph';
import { migrations } from './db/migrations/index.js';
import type { GeographyDatabase } from './db/types.js';
import { seedGeography } from './etl/index.js';
import { schema } from './schema/index.js';

export const subgraph: SubgraphDefinition<GeographyDatabase> = {
  name: 'geography',
  schema,
  migrations,
  packageRoot: new URL('../', import.meta.url),
  seed: (db) => seedGeography(db),
};
