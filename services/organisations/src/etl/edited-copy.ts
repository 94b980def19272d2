import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DATA_FILES, DataFolder, ORGANISATIONS_DATA_DIR } from './files.js';

/** For tests: a copy of the data folder with one file edited, so a step can be shown refusing it. */
export function editedCopy(
  file: (typeof DATA_FILES)[keyof typeof DATA_FILES],
  edit: (text: string) => string,
): DataFolder {
  const dir = mkdtempSync(join(tmpdir(), 'organisations-data-'));
  cpSync(ORGANISATIONS_DATA_DIR, dir, { recursive: true });
  writeFileSync(join(dir, file), edit(readFileSync(join(dir, file), 'utf8')));
  return new DataFolder(dir);
}
