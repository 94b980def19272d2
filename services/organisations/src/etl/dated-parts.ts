import { fileURLToPath } from 'node:url';
import { checkCitation, type DataProblem, displayPath } from '@nhs-hub/kit/subgraph';
import type { DatedPart } from './sources.js';

/**
 * Where DATED_PARTS is written, named by its source path even when compiled: the file a data
 * engineer edits when a date citation stops holding.
 */
export const DATED_PARTS_FILE = fileURLToPath(new URL('../../src/etl/sources.ts', import.meta.url));

/**
 * The dates roles are stated on are constants (DATED_PARTS in sources.ts), not a data file, so
 * nothing else checks their citations: each line said to state a part's date must still say so.
 */
export function checkDatedParts(parts: readonly DatedPart[], problems: DataProblem[]): void {
  for (const part of parts) {
    const reason = part.dateSource ? checkCitation(part.dateSource) : null;
    if (reason)
      problems.push({
        file: displayPath(DATED_PARTS_FILE),
        line: 1,
        column: 'DATED_PARTS',
        reason: `date citation does not hold: ${reason}`,
      });
  }
}
