import { toSubgraphSchema } from '@nhs-hub/kit/subgraph';
import { builder } from '../builder.js';
import './role.js';
import './organisation.js';
import './person.js';
import './stp.js';
import './region.js';

export const schema = toSubgraphSchema(builder);
