import type { SubgraphDefinition } from '@nhs-hub/kit';
import { factLoadable } from './db/loadable.js';
import { migrations } from './db/migrations/index.js';
import { seedWorkforce } from './db/seed.js';
import type { WorkforceDatabase } from './db/types.js';
import { schema } from './schema/index.js';

export const subgraph: SubgraphDefinition<WorkforceDatabase> = {
  name: 'workforce',
  schema,
  migrations,
  packageRoot: new URL('../', import.meta.url),
  seed: (db) => seedWorkforce(db),
  loadables: { [factLoadable.table]: factLoadable },
};
