import { lineNumber, stpOdsCode, stpOnsCode } from '@nhs-hub/kit/subgraph';
import { z } from 'zod';
import { partialDate } from './files.js';

/**
 * One ONS code an STP footprint has carried, as the table holds it and a load file gives it: the
 * code, the STP (ODS code) it names, the period as the source states it (partial dates: "2016",
 * "2017-02"; empty when the source gives none), a note, and the line that states it, verbatim.
 */
export const OnsCodeRow = z.object({
  ons_code: stpOnsCode,
  stp_code: stpOdsCode,
  valid_from_stated: partialDate.nullish().transform((v) => v ?? null),
  valid_to_stated: partialDate.nullish().transform((v) => v ?? null),
  note: z.string().min(1),
  source_document: z.string().min(1),
  source_line: lineNumber,
  source_text: z.string().min(1),
});
export type OnsCodeFileRow = z.output<typeof OnsCodeRow>;

/** An STP as the ONS-code rule reads it: its code, name and ONS code of April 2019 (or its last). */
export interface StpOnsCodeOwner {
  readonly code: string;
  readonly name: string;
  readonly ons_code: string;
}

/**
 * The rule between the tables: an STP's own ONS code (stp.ons_code, of April 2019 or its last) is
 * one of its rows in stp_ons_code, so `stp(code: <that ONS code>)` finds it. For each STP given, a
 * sentence when its code is missing or names another STP; none when it holds.
 */
export function ownCodeProblem(
  stp: StpOnsCodeOwner,
  rows: readonly { readonly ons_code: string; readonly stp_code: string }[],
): string | null {
  const own = rows.find((r) => r.ons_code === stp.ons_code);
  if (!own)
    return `${stp.ons_code} is STP ${stp.code} (${stp.name})'s own ONS code (the code it is known by since April 2019, or its last): it must stay one of its codes`;
  if (own.stp_code !== stp.code)
    return `${stp.ons_code} is STP ${stp.code} (${stp.name})'s own ONS code: it cannot name STP ${own.stp_code}`;
  return null;
}
