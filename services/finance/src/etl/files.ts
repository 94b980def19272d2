import { fileURLToPath } from 'node:url';

/** The subgraph's own data folder; tests point the steps at an edited copy instead. */
export const FINANCE_DATA_DIR = fileURLToPath(new URL('../../data/', import.meta.url));

export const DATA_FILES = {
  sections: 'tracker-sections.csv',
  facts: 'financial-facts.csv',
  regionFacts: 'annex-a-region-facts.csv',
} as const;

export const dataPath = (dataDir: string, file: string): string => `${dataDir}/${file}`.replace(/\/+/g, '/');
