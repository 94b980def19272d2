import type { FlagShape } from '@nhs-hub/kit/subgraph';
import { halfUnit, normalize, shift } from './decimal.js';

/** An amount read from the text that states it, in £ millions, with what the reading assumed. */
export interface ParsedAmount {
  /** Exact decimal string in £ millions, e.g. "1824". */
  readonly amountGbpM: string;
  /** The unit as written (B, billion, M, million, m) or null when the text gives none. */
  readonly unit: string | null;
  readonly currency: '£' | '$';
  /**
   * Half the last unit the figure is written to, in £ millions: "£641 M" is 0.5, "£57.7 M" 0.05,
   * "£1.74 B" 5. The stated figure stands for anything within this of it (see stated.ts).
   */
  readonly halfUnitGbpM: string;
  readonly flags: readonly FlagShape[];
}

const AMOUNT = /^\\?([£$])\s*(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?\s*(B|billion|Billion|M|million|Million|m)?$/;
const UNIT_POWER: Record<string, number> = { B: 3, billion: 3, Billion: 3, M: 0, million: 0, Million: 0, m: 0 };

/**
 * Parses an amount exactly as the source states it: `£1.824 B` -> 1824, `£2 B` -> 2000,
 * `£ 205 million` -> 205, `£131 M` -> 131, `£1,113 M` -> 1113. A bare `£749.8` is taken as written
 * (the tracker's unit is £ millions) and flagged UNIT_MISSING; a `$` in this £ context is kept as
 * written and flagged CURRENCY_MISMATCH. Returns an error string for text that is not one amount.
 */
export function parseAmount(stated: string, context = ''): ParsedAmount | string {
  const m = AMOUNT.exec(stated.trim());
  if (!m) return `${JSON.stringify(stated)} is not an amount such as "£131 M", "£1.824 B" or "£ 205 million"`;
  const [, currency, whole = '', fraction, unit] = m;
  const number = normalize(`${whole.replace(/,/g, '')}${fraction ? `.${fraction}` : ''}`);
  const flags: FlagShape[] = [];
  const where = context ? ` (${context})` : '';
  if (!unit) {
    flags.push({
      code: 'UNIT_MISSING',
      explanation: `"${stated}"${where} gives no unit; read as £${number} million, the unit of every other figure in the section. Not corrected.`,
    });
  }
  if (currency === '$') {
    flags.push({
      code: 'CURRENCY_MISMATCH',
      explanation: `"${stated}"${where} carries a dollar sign in a passage stated in pounds; kept as written and read as ${number} million in the passage's currency.`,
    });
  }
  const power = unit ? (UNIT_POWER[unit] ?? 0) : 0;
  return {
    amountGbpM: shift(number, power),
    unit: unit ?? null,
    currency: currency === '$' ? '$' : '£',
    halfUnitGbpM: halfUnit((fraction ?? '').length, power),
    flags,
  };
}

/**
 * Parses one part of a slash-separated pair sharing a trailing unit, e.g. part 1 of `£85/£97M` is
 * 85 (the M after £97 is read as applying to both, flagged UNIT_SHARED), part 2 is 97.
 */
export function parseSplitAmount(stated: string, part: number, context = ''): ParsedAmount | string {
  const parts = stated.split('/').map((p) => p.trim());
  const mine = parts[part - 1];
  const last = parts[parts.length - 1];
  if (parts.length < 2 || !mine || !last)
    return `${JSON.stringify(stated)} has no part ${part} (expected a pair such as "£85/£97M")`;
  const lastParsed = parseAmount(last, context);
  if (typeof lastParsed === 'string') return lastParsed;
  if (part === parts.length) return lastParsed;
  const own = parseAmount(mine, context);
  if (typeof own === 'string') return own;
  if (own.unit || !lastParsed.unit) return own;
  const explanation = `"${mine}" in "${stated}"${context ? ` (${context})` : ''} has no unit of its own; the "${lastParsed.unit}" after the last figure is read as applying to both.`;
  const again = parseAmount(
    `${mine}${lastParsed.unit === 'B' || lastParsed.unit === 'M' ? ' ' : ''}${lastParsed.unit}`,
    context,
  );
  if (typeof again === 'string') return again;
  return { ...again, unit: null, flags: [{ code: 'UNIT_SHARED', explanation }] };
}
