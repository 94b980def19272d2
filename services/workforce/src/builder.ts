import { createSubgraphBuilder } from '@nhs-hub/kit/subgraph';
import type { WorkforceDatabase } from './db/types.js';

export const builder = createSubgraphBuilder<WorkforceDatabase>();
