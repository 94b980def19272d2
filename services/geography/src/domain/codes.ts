import { STP_ODS_PATTERN, STP_ONS_PATTERN } from '@nhs-hub/kit/subgraph';

/** Either code of an STP, in any case, as a caller may type it. */
const STP_CODE = new RegExp(`^(${STP_ODS_PATTERN}|${STP_ONS_PATTERN})$`, 'i');
/** Either code of a region: ODS (Y60) or ONS (E40000008). */
const REGION_CODE = /^(Y\d{2}|E40\d{6})$/i;

/** An STP code as a caller typed it (QJM, e54000013), trimmed and upper-cased; null when it is no STP code. */
export function stpCodeOf(typed: string): string | null {
  const code = typed.trim().toUpperCase();
  return STP_CODE.test(code) ? code : null;
}

/** A region code as a caller typed it (y60, E40000008), trimmed and upper-cased; null when it is no region code. */
export function regionCodeOf(typed: string): string | null {
  const code = typed.trim();
  return REGION_CODE.test(code) ? code.toUpperCase() : null;
}
