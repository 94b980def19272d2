import type { SubgraphDefinition } from '@nhs-hub/kit/subgraph';
import { migrations } from './db/migrations/index.js';
import type { GeographyDatabase } from './db/types.js';
import { buildGeographyRows, seedGeography } from './etl/index.js';
import {
  icsDesignationLoadable,
  membershipLoadable,
  onsCodeLoadable,
  populationLoadable,
  regionLoadable,
} from './etl/loadables.js';
import { schema } from './schema/index.js';

export const subgraph: SubgraphDefinition<GeographyDatabase> = {
  name: 'geography',
  schema,
  migrations,
  packageRoot: new URL('../', import.meta.url),
  seed: (db) => seedGeography(db),
  // Populations set columns of the stp table: loading one is `npm run load -- geography stp <file>`.
  loadables: {
    stp_region_membership: membershipLoadable,
    region: regionLoadable,
    stp_ons_code: onsCodeLoadable,
    ics_designation: icsDesignationLoadable,
    stp: populationLoadable,
  },
  // What other subgraphs' loads check their stp_code and region_code columns against.
  publishes: () => {
    const rows = buildGeographyRows();
    return { stp: rows.stps.map((s) => s.code), region: rows.regions.map((r) => r.code) };
  },
};
