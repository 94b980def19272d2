import type { FlagShape } from '@nhs-hub/kit/subgraph';

/** A row's one flag (code and explanation, stored side by side) as a list; none unless both are there. */
export function storedFlags(row: {
  readonly flag_code: string | null;
  readonly flag_explanation: string | null;
}): FlagShape[] {
  return row.flag_code && row.flag_explanation ? [{ code: row.flag_code, explanation: row.flag_explanation }] : [];
}
