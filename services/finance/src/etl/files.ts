import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** The subgraph's own data folder; tests point the steps at an edited copy instead. */
export const FINANCE_DATA_DIR = fileURLToPath(new URL('../../data/', import.meta.url));

export const DATA_FILES = {
  sections: 'tracker-sections.csv',
  facts: 'financial-facts.csv',
  regionFacts: 'annex-a-region-facts.csv',
} as const;

export const dataPath = (dataDir: string, file: string): string => `${dataDir}/${file}`.replace(/\/+/g, '/');

export const odsStp = z.string().regex(/^Q[A-Z0-9]{2}$/, 'expected an STP ODS code such as QJM');
export const line = z.coerce.number().int().positive();
