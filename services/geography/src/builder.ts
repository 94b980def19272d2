import { createSubgraphBuilder } from '@nhs-hub/kit/subgraph';
import type { GeographyDatabase } from './db/types.js';

export const builder = createSubgraphBuilder<GeographyDatabase>();
