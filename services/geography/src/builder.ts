import { createSubgraphBuilder } from '@nhs-hub/kit';
import type { GeographyDatabase } from './db/types.js';

export const builder = createSubgraphBuilder<GeographyDatabase>();
