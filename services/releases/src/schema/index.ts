import { toSubgraphSchema } from '@nhs-hub/kit/subgraph';
import { builder } from '../builder.js';
import './change.js';
import './release.js';

export const schema = toSubgraphSchema(builder);
