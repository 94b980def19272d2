// Run by `npm install` (the root `prepare` script): runs initdb once, ahead of time, so
// neither the first `npm start` nor any test file waits for it. Never fails an install; it only saves time.
import { DEFAULT_PGLITE_DATA_DIR, openDatabase } from './db.js';

try {
  // The in-memory template every test file starts from, then the on-disk cluster `npm start` uses.
  await (await openDatabase({})).close();
  await (await openDatabase({ pgliteDataDir: DEFAULT_PGLITE_DATA_DIR })).close();
} catch (error) {
  console.warn(`Skipped warming the embedded database: ${(error as Error).message}`);
}
