import { fileURLToPath } from 'node:url';

/** The subgraph's own data folder (with a trailing slash); tests point the steps at an edited copy. */
export const __NAME___DATA_DIR = fileURLToPath(new URL('../../data/', import.meta.url));

/** The data files the steps read, in the data folder. */
export const DATA_FILES = { facts: '__name__-facts.csv' } as const;
