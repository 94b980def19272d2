import { createSubgraphBuilder } from '@nhs-hub/kit/subgraph';
import type { __Name__Database } from './db/types.js';

export const builder = createSubgraphBuilder<__Name__Database>();
