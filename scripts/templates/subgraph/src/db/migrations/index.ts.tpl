import { migrationsIn } from '@nhs-hub/kit/subgraph';

/** Every dated migration file in this folder, in name order: adding a migration is adding its file. */
export const migrations = migrationsIn(new URL('./', import.meta.url));
