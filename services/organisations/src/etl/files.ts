import { fileURLToPath } from 'node:url';
import { displayPath, lineNumber } from '@nhs-hub/kit/subgraph';
import { z } from 'zod';

/** The subgraph's own data folder (with a trailing slash); tests point the steps at an edited copy. */
export const ORGANISATIONS_DATA_DIR = fileURLToPath(new URL('../../data/', import.meta.url));

export const DATA_FILES = {
  trackerSections: 'tracker-sections.csv',
  organisations: 'organisations.csv',
  organisationSources: 'organisation-sources.csv',
  people: 'people.csv',
  roles: 'roles.csv',
  roleFlags: 'role-flags.csv',
  regionLeadership: 'region-leadership.csv',
} as const;

/** Where each data file is, as read (path) and as reported in problems (file). */
export class DataFolder {
  readonly dir: string;
  constructor(dataDir: string = ORGANISATIONS_DATA_DIR) {
    this.dir = `${dataDir}/`.replace(/\/+$/, '/');
  }
  path(f: keyof typeof DATA_FILES): string {
    return `${this.dir}${DATA_FILES[f]}`;
  }
  file(f: keyof typeof DATA_FILES): string {
    return displayPath(this.path(f));
  }
}

export const slug = z
  .string()
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'expected a slug such as south-west-lincolnshire-ccg');
export const optionalLine = z.union([z.literal(''), lineNumber]);
export const flagCode = z.string().regex(/^[A-Z][A-Z_]+$/, 'expected a flag code such as INFERRED');

export { duplicates } from '@nhs-hub/kit/subgraph';
