import { createSubgraphBuilder } from '@nhs-hub/kit';
import type { OrganisationsDatabase } from './db/types.js';

export const builder = createSubgraphBuilder<OrganisationsDatabase>();
