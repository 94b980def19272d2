import type { MigrationSet } from '@nhs-hub/kit';
import * as m001 from './2026_11_23_001_finance.js';

export const migrations: MigrationSet = {
  '2026_11_23_001_finance': m001,
};
