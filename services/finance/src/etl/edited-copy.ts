import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATA_FILES, FINANCE_DATA_DIR } from './files.js';

/**
 * For tests: a copy of the data folder with some files edited, so a step can be shown refusing a
 * bad file while the real data stays untouched.
 */
export function editedCopy(
  edits: Partial<Record<(typeof DATA_FILES)[keyof typeof DATA_FILES], (text: string) => string>>,
): string {
  const dir = mkdtempSync(join(tmpdir(), 'finance-data-'));
  for (const file of Object.values(DATA_FILES)) {
    const edit = edits[file];
    if (edit) writeFileSync(join(dir, file), edit(readFileSync(join(FINANCE_DATA_DIR, file), 'utf8')));
    else copyFileSync(join(FINANCE_DATA_DIR, file), join(dir, file));
  }
  return dir;
}
