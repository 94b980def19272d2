import type { MigrationSet } from '@nhs-hub/kit';
import * as m001 from './__date___001___name__.js';

export const migrations: MigrationSet = {
  '__date___001___name__': m001,
};
