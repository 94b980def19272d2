import { toSubgraphSchema } from '@nhs-hub/kit/subgraph';
import { builder } from '../builder.js';
import './programme.js';
import './priority.js';
import './stp.js';
import './region.js';

export const schema = toSubgraphSchema(builder);
