import { toSubgraphSchema } from '@nhs-hub/kit/subgraph';
import { builder } from '../builder.js';
import './fact.js';
import './stp.js';

export const schema = toSubgraphSchema(builder);
