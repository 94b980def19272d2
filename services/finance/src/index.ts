import type { SubgraphDefinition } from '@nhs-hub/kit/subgraph';
import { migrations } from './db/migrations/index.js';
import type { FinanceDatabase } from './db/types.js';
import { financialFactLoadable } from './etl/fact-loadable.js';
import { seedFinance } from './etl/index.js';
import { regionFactLoadable } from './etl/region-facts.js';
import { schema } from './schema/index.js';

export const subgraph: SubgraphDefinition<FinanceDatabase> = {
  name: 'finance',
  schema,
  migrations,
  packageRoot: new URL('../', import.meta.url),
  seed: (db) => seedFinance(db),
  loadables: {
    [regionFactLoadable.table]: regionFactLoadable,
    // The STPs' gaps (stp_finance) are derived from the facts: a load of facts re-derives them in its release.
    [financialFactLoadable.table]: financialFactLoadable,
  },
};
