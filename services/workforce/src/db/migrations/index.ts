import type { MigrationSet } from '@nhs-hub/kit';
import * as m001 from './2026_11_22_001_workforce.js';

export const migrations: MigrationSet = {
  '2026_11_22_001_workforce': m001,
};
