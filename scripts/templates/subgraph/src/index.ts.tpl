import type { SubgraphDefinition } from '@nhs-hub/kit/subgraph';
import { migrations } from './db/migrations/index.js';
import type { __Name__Database } from './db/types.js';
import { factLoadable } from './etl/facts.js';
import { seed__Name__ } from './etl/index.js';
import { schema } from './schema/index.js';

export const subgraph: SubgraphDefinition<__Name__Database> = {
  name: '__name__',
  schema,
  migrations,
  packageRoot: new URL('../', import.meta.url),
  seed: (db) => seed__Name__(db),
  loadables: { [factLoadable.table]: factLoadable },
};
