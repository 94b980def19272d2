import type { SubgraphDefinition } from '@nhs-hub/kit/subgraph';
import { migrations } from './db/migrations/index.js';
import type { ProgrammesDatabase } from './db/types.js';
import { seedProgrammes } from './etl/index.js';
import { priorityLoadable } from './etl/loadables.js';
import { schema } from './schema/index.js';

export const subgraph: SubgraphDefinition<ProgrammesDatabase> = {
  name: 'programmes',
  schema,
  migrations,
  packageRoot: new URL('../', import.meta.url),
  seed: (db) => seedProgrammes(db),
  loadables: { [priorityLoadable.table]: priorityLoadable },
};
