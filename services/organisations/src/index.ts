import type { SubgraphDefinition } from '@nhs-hub/kit/subgraph';
import { migrations } from './db/migrations/index.js';
import type { OrganisationsDatabase } from './db/types.js';
import { buildOrganisationsRows, seedOrganisations } from './etl/index.js';
import {
  organisationLoadable,
  organisationSourceLoadable,
  personLoadable,
  regionLeadershipNoteLoadable,
  roleLoadable,
} from './etl/loadables.js';
import { schema } from './schema/index.js';

export const subgraph: SubgraphDefinition<OrganisationsDatabase> = {
  name: 'organisations',
  schema,
  migrations,
  packageRoot: new URL('../', import.meta.url),
  seed: (db) => seedOrganisations(db),
  loadables: {
    [roleLoadable.table]: roleLoadable,
    [organisationLoadable.table]: organisationLoadable,
    [personLoadable.table]: personLoadable,
    [organisationSourceLoadable.table]: organisationSourceLoadable,
    [regionLeadershipNoteLoadable.table]: regionLeadershipNoteLoadable,
  },
  // What other subgraphs' loads check their organisation_id columns against.
  publishes: () => ({ organisation: buildOrganisationsRows().organisations.map((o) => o.id) }),
};
