import type { MigrationSet } from '@nhs-hub/kit';
import * as m001 from './2026_11_22_001_regions_and_stps.js';
import * as m002 from './2026_11_22_002_stp_name_index.js';

export const migrations: MigrationSet = {
  '2026_11_22_001_regions_and_stps': m001,
  '2026_11_22_002_stp_name_index': m002,
};
