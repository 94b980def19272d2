import { createSubgraphBuilder } from '@nhs-hub/kit/subgraph';
import type { FinanceDatabase } from './db/types.js';

export const builder = createSubgraphBuilder<FinanceDatabase>();
