import { createSubgraphBuilder } from '@nhs-hub/kit';
import type { ProgrammesDatabase } from './db/types.js';

export const builder = createSubgraphBuilder<ProgrammesDatabase>();
