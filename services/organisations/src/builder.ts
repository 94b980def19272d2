import { createSubgraphBuilder } from '@nhs-hub/kit/subgraph';
import type { OrganisationsDatabase } from './db/types.js';

export const builder = createSubgraphBuilder<OrganisationsDatabase>();
