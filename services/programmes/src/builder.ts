import { createSubgraphBuilder } from '@nhs-hub/kit/subgraph';
import type { ProgrammesDatabase } from './db/types.js';

export const builder = createSubgraphBuilder<ProgrammesDatabase>();
