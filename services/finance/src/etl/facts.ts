import {
  type Citation,
  citationOf,
  type DataProblem,
  displayPath,
  type FlagShape,
  readCsv,
  sourceLines,
  verifyCitations,
  lineNumber,
  stpOdsCode,
} from '@nhs-hub/kit/subgraph';
import { z } from 'zod';
import { FACT_KINDS, type FactKind, LINCOLNSHIRE, TRACKER } from '../domain/kinds.js';
import { type ParsedAmount, parseAmount, parseSplitAmount } from '../domain/money.js';
import type { StatedFigure } from '../domain/stated.js';
import { DATA_FILES, dataPath } from './files.js';
import type { Section } from './sections.js';

/** An amount as the tracker writes it, in the text of a line (used to check coverage). */
const AMOUNT_IN_TEXT = /\\?[£$]\s*\d[\d,]*(?:\.\d+)?(?:\s*(?:B|billion|Billion|M|million|Million|m)\b)?/g;

const flagCode = z.union([
  z.string().regex(/^[A-Z][A-Z_]+$/, 'expected a flag code such as PROVISIONAL'),
  z.literal(''),
]);

const FactRow = z.object({
  stp_code: stpOdsCode,
  kind: z.enum(FACT_KINDS),
  document: z.enum([TRACKER, LINCOLNSHIRE]),
  line: lineNumber,
  text: z.string().min(1),
  amount_as_stated: z.string(),
  part: z.union([z.literal(''), z.coerce.number().int().min(1).max(9)]),
  flag: flagCode,
  flag_explanation: z.string(),
});

/** One financial line (or one amount of it) as read, before it becomes a row. */
export interface Fact {
  readonly stp: string;
  readonly kind: FactKind;
  readonly document: string;
  readonly line: number;
  readonly text: string;
  /** The amount exactly as written, e.g. "£1.74 B"; null for a NOTE. */
  readonly stated: string | null;
  /** £ millions, exact; null for a NOTE or an amount that did not parse. */
  readonly amount: string | null;
  /** Half the last unit `stated` is written to, in £ millions (see stated.ts). */
  readonly halfUnit: string | null;
  /** Mutable: later steps add flags they derive (DUPLICATED_FIGURE). */
  readonly flags: FlagShape[];
}

/** The figure a fact states, for comparisons that respect the precision it is stated to. */
export const figureOf = (f: Fact): StatedFigure | null =>
  f.amount !== null && f.halfUnit !== null ? { value: f.amount, halfUnit: f.halfUnit } : null;

/**
 * financial-facts.csv: every amount (or note) of each section's financial block, and Lincolnshire's
 * June 2018 update. Each row's text must stand verbatim on its line, its amount must be written in
 * that text and parse, and every amount written in a financial block must have exactly one row.
 */
export function readFacts(dataDir: string, sections: ReadonlyMap<string, Section>, problems: DataProblem[]): Fact[] {
  const path = dataPath(dataDir, DATA_FILES.facts);
  const file = displayPath(path);
  const rows = readCsv(path, FactRow, problems);
  verifyCitations(
    path,
    rows.map((r): { line: number; column: string; citation: Citation } => ({
      line: r.line,
      column: 'text',
      citation: citationOf(r.value, ''),
    })),
    problems,
  );

  const facts: Fact[] = [];
  for (const { value: r, line: row } of rows) {
    const section = sections.get(r.stp_code);
    if (!section) {
      problems.push({
        file,
        line: row,
        column: 'stp_code',
        reason: `${r.stp_code} is not a tracker section in ${DATA_FILES.sections}`,
      });
      continue;
    }
    if (r.document === TRACKER && section.gapLine && (r.line < section.gapLine || r.line > section.end)) {
      problems.push({
        file,
        line: row,
        column: 'line',
        reason: `line ${r.line} is outside the financial block of ${section.name} (lines ${section.gapLine}-${section.end})`,
      });
    }
    let parsed: ParsedAmount | string | null = null;
    const context = `${r.document === TRACKER ? 'tracker' : r.document} line ${r.line}`;
    if (r.kind === 'NOTE') {
      if (r.amount_as_stated)
        problems.push({ file, line: row, column: 'amount_as_stated', reason: 'a NOTE carries no amount' });
    } else if (!r.amount_as_stated) {
      problems.push({ file, line: row, column: 'amount_as_stated', reason: `a ${r.kind} needs the amount as stated` });
    } else if (!r.text.includes(r.amount_as_stated)) {
      problems.push({
        file,
        line: row,
        column: 'amount_as_stated',
        reason: `${JSON.stringify(r.amount_as_stated)} is not in the cited text`,
      });
    } else {
      parsed =
        r.part === ''
          ? parseAmount(r.amount_as_stated, context)
          : parseSplitAmount(r.amount_as_stated, r.part, context);
      if (typeof parsed === 'string') {
        problems.push({ file, line: row, column: 'amount_as_stated', reason: parsed });
        parsed = null;
      }
    }
    if (r.flag && !r.flag_explanation)
      problems.push({ file, line: row, column: 'flag_explanation', reason: `flag ${r.flag} needs an explanation` });
    const flags: FlagShape[] = [...(parsed?.flags ?? [])];
    if (r.flag) flags.push({ code: r.flag, explanation: r.flag_explanation });
    facts.push({
      stp: r.stp_code,
      kind: r.kind,
      document: r.document,
      line: r.line,
      text: r.text,
      stated: r.amount_as_stated || null,
      amount: parsed?.amountGbpM ?? null,
      halfUnit: parsed?.halfUnitGbpM ?? null,
      flags,
    });
  }

  // Coverage: every amount written in a financial block is in the data file, once.
  const tracker = sourceLines(TRACKER);
  for (const [code, s] of sections) {
    if (!s.gapLine) continue;
    for (let n = s.gapLine; n <= s.end; n += 1) {
      // "£85/£97M" is two amounts written, and two rows
      const written = (tracker[n - 1]?.match(AMOUNT_IN_TEXT) ?? []).length;
      const covered = facts.filter((f) => f.document === TRACKER && f.line === n && f.amount !== null).length;
      if (covered !== written) {
        problems.push({
          file,
          line: 1,
          reason: `${TRACKER}:${n} (${code}) states ${written} amount(s) but the data file has ${covered}`,
        });
      }
    }
  }
  return facts;
}
