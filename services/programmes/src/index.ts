import type { SubgraphDefinition } from '@nhs-hub/kit/subgraph';
import { migrations } from './db/migrations/index.js';
import type { ProgrammesDatabase } from './db/types.js';
import { seedProgrammes } from './etl/index.js';
import {
  considerationLoadable,
  focusLoadable,
  paperPointLoadable,
  priorityLoadable,
  programmeLoadable,
  programmeSourceLoadable,
  statedOutcomeLoadable,
} from './etl/loadables.js';
import { schema } from './schema/index.js';

export const subgraph: SubgraphDefinition<ProgrammesDatabase> = {
  name: 'programmes',
  schema,
  migrations,
  packageRoot: new URL('../', import.meta.url),
  seed: (db) => seedProgrammes(db),
  // Both write table priority: the paper's tree (priority) and the tracker's focuses (focus), each in its seed file's format.
  loadables: {
    priority: priorityLoadable,
    focus: focusLoadable,
    sub_point: paperPointLoadable,
    stated_outcome: statedOutcomeLoadable,
    consideration: considerationLoadable,
    programme: programmeLoadable,
    programme_source: programmeSourceLoadable,
  },
};
