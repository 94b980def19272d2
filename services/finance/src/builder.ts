import { createSubgraphBuilder } from '@nhs-hub/kit';
import type { FinanceDatabase } from './db/types.js';

export const builder = createSubgraphBuilder<FinanceDatabase>();
