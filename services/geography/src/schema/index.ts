import { toSubgraphSchema } from '@nhs-hub/kit/subgraph';
import { builder } from '../builder.js';
// Order matters: the printed SDL lists Query fields in the order the modules register them.
import './stp.js';
import './region.js';

export const schema = toSubgraphSchema(builder);
