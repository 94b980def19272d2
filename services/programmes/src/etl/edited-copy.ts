import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DATA_FILES, PROGRAMMES_DATA_DIR } from './files.js';

/** For tests: a copy of the data folder (with a trailing slash) with one file edited. */
export function editedCopy(file: (typeof DATA_FILES)[keyof typeof DATA_FILES], edit: (text: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), 'programmes-data-'));
  cpSync(PROGRAMMES_DATA_DIR, dir, { recursive: true });
  writeFileSync(join(dir, file), edit(readFileSync(join(dir, file), 'utf8')));
  return `${dir}/`;
}
