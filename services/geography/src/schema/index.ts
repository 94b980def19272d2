import { toSubgraphSchema } from '@nhs-hub/kit';
import { builder } from '../builder.js';
import './region.js';
import './stp.js';

export const schema = toSubgraphSchema(builder);
