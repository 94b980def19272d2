import type { MigrationSet } from '@nhs-hub/kit';
import * as m001 from './2026_11_24_001_organisations_and_people.js';

export const migrations: MigrationSet = {
  '2026_11_24_001_organisations_and_people': m001,
};
