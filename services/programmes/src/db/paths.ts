import { fileURLToPath } from 'node:url';

/** Folder of the subgraph's data files (with a trailing slash). */
export const PROGRAMMES_DATA_DIR = fileURLToPath(new URL('../../data/', import.meta.url));
