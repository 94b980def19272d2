import type { SubgraphDefinition } from '@nhs-hub/kit/subgraph';
import { migrations } from './db/migrations/index.js';
import type { WorkforceDatabase } from './db/types.js';
import { factLoadable } from './etl/facts.js';
import { seedWorkforce } from './etl/index.js';
import { schema } from './schema/index.js';

export const subgraph: SubgraphDefinition<WorkforceDatabase> = {
  name: 'workforce',
  schema,
  migrations,
  packageRoot: new URL('../', import.meta.url),
  seed: (db) => seedWorkforce(db),
  loadables: { [factLoadable.table]: factLoadable },
};
