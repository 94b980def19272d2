import { z } from 'zod';
import { SOURCE } from './sources.js';

/**
 * Rules every subgraph applies to its data files' cells and to its arguments, written once so a
 * code or a citation means the same thing in every subgraph.
 */

/**
 * An STP's ODS code as a pattern to build on (QJM is Lincolnshire): Q and two capitals or digits.
 * A string, so a rule that also takes another code (or finds codes within text) is built from it.
 */
export const STP_ODS_PATTERN = 'Q[A-Z0-9]{2}';
/** An STP's ONS code as a pattern to build on: E54 and six digits (E54000013 is Lincolnshire). */
export const STP_ONS_PATTERN = 'E54\\d{6}';

/** A whole STP ODS code, as an argument or a data-file cell must be. */
export const STP_ODS_CODE = new RegExp(`^${STP_ODS_PATTERN}$`);
/** A whole STP ONS code. */
export const STP_ONS_CODE = new RegExp(`^${STP_ONS_PATTERN}$`);

export const stpOdsCode = z.string().regex(STP_ODS_CODE, 'expected an STP ODS code such as QJM');
export const stpOnsCode = z.string().regex(STP_ONS_CODE, 'expected an STP ONS code such as E54000013');

/** A cited line of a document (or a line of a data file): 1-based, as an editor numbers it. */
export const lineNumber = z.coerce.number().int().positive();

/**
 * The seeds (`infra/sources/seeds/`), every document a hand-made data file may cite; the official
 * code lists under `reference/` are read by the steps themselves, not cited from a data file.
 */
export const SEED_DOCUMENTS = [
  SOURCE.LINCOLNSHIRE_PAPER,
  SOURCE.BOARD_PAPER,
  SOURCE.TRACKER,
  SOURCE.PLANNING_LETTER,
] as const;

export const seedDocument = z.enum(SEED_DOCUMENTS);
