import {
  checkCitation,
  type DataProblem,
  displayPath,
  type FlagShape,
  type LoadableTable,
  lineNumber,
  readRecords,
  sourceLines,
  stpOdsCode,
  validateRecords,
} from '@nhs-hub/kit/subgraph';
import { z } from 'zod';
import { FACT_KINDS, type FactKind, HEADLINE_KINDS, LINCOLNSHIRE, TRACKER } from '../domain/kinds.js';
import { type ParsedAmount, parseAmount, parseSplitAmount } from '../domain/money.js';
import type { StatedFigure } from '../domain/stated.js';
import { DATA_FILES, dataPath } from './files.js';
import type { Section } from './sections.js';

/** An amount as the tracker writes it, in the text of a line (used to check coverage). */
const AMOUNT_IN_TEXT = /\\?[£$]\s*\d[\d,]*(?:\.\d+)?(?:\s*(?:B|billion|Billion|M|million|Million|m)\b)?/g;

const flagCode = z.string().regex(/^[A-Z][A-Z_]+$/, 'expected a flag code such as PROVISIONAL');
/** An empty cell: '' as the seed's CSV reader gives it, null as a load's reader does, absent in JSON. */
const blank = (v: unknown) => (v === '' || v === undefined ? null : v);
const optionalText = z.preprocess(blank, z.string().nullable()).transform((v) => v ?? '');

/** One row of financial-facts.csv, or of a file given to `npm run load -- finance financial_fact`. */
export const FactFileRow = z.object({
  stp_code: stpOdsCode,
  kind: z.enum(FACT_KINDS),
  document: z.enum([TRACKER, LINCOLNSHIRE]),
  line: lineNumber,
  text: z.string().min(1),
  amount_as_stated: optionalText,
  part: z.preprocess(blank, z.coerce.number().int().min(1).max(9).nullable()),
  flag: z.preprocess(blank, flagCode.nullable()),
  flag_explanation: optionalText,
  figure_number: z.preprocess(blank, z.coerce.number().int().min(1).max(99).nullable()).transform((v) => v ?? 1),
});
type FactFileRecord = z.output<typeof FactFileRow>;

/** A financial_fact row as a load writes it (derived_flags are the derivation's, written after). */
export interface LoadedFact extends Record<string, unknown> {
  stp_code: string;
  kind: FactKind;
  figure_number: number;
  part: number | null;
  amount_gbp_m: string | null;
  amount_as_stated: string | null;
  source_document: string;
  source_line: number;
  source_text: string;
  /** JSON text: the flags reading the amount raised, and the row's own. */
  flags: string;
}

/** One financial line (or one amount of it) as read, before it becomes a row. */
export interface Fact {
  readonly stp: string;
  readonly kind: FactKind;
  readonly figureNumber: number;
  readonly part: number | null;
  readonly document: string;
  readonly line: number;
  readonly text: string;
  /** The amount exactly as written, e.g. "£1.74 B"; null for a NOTE. */
  readonly stated: string | null;
  /** £ millions, exact; null for a NOTE or an amount that did not parse. */
  readonly amount: string | null;
  /** Half the last unit `stated` is written to, in £ millions (see stated.ts). */
  readonly halfUnit: string | null;
  /** What reading the amount raised, and the row's own flag. */
  readonly flags: readonly FlagShape[];
  /** Mutable: the gap derivation adds the flags it finds across facts (DUPLICATED_FIGURE). */
  readonly derivedFlags: FlagShape[];
}

/** The figure a fact states, for comparisons that respect the precision it is stated to. */
export const figureOf = (f: Fact): StatedFigure | null =>
  f.amount !== null && f.halfUnit !== null ? { value: f.amount, halfUnit: f.halfUnit } : null;

/** Reads a stated amount as the seed does: the whole text, or one part of a split. */
function readAmount(stated: string, part: number | null, document: string, line: number): ParsedAmount | string {
  const context = `${document === TRACKER ? 'tracker' : document} line ${line}`;
  return part === null ? parseAmount(stated, context) : parseSplitAmount(stated, part, context);
}

/**
 * What is wrong with one row beyond its columns' types, and its amount as read. The same checks for
 * the seed's data file and for a load: the STP has a tracker section, a tracker line lies in its
 * financial block, a NOTE has no amount and any other kind one written in the cited text, a flag
 * is explained, and a headline figure (a gap part, savings, capital) is the STP's only one.
 */
function checkFact(
  r: FactFileRecord,
  sections: ReadonlyMap<string, Section>,
  knownElsewhere: (stp: string) => boolean,
): { problems: { column: string; reason: string }[]; parsed: ParsedAmount | null } {
  const problems: { column: string; reason: string }[] = [];
  const section = sections.get(r.stp_code);
  if (!section) {
    // An STP geography does not publish is the reference check's to refuse, in its own words.
    if (knownElsewhere(r.stp_code))
      problems.push({
        column: 'stp_code',
        reason: `${r.stp_code} is not a tracker section in ${DATA_FILES.sections}`,
      });
  } else if (r.document === TRACKER && section.gapLine && (r.line < section.gapLine || r.line > section.end)) {
    problems.push({
      column: 'line',
      reason: `line ${r.line} is outside the financial block of ${section.name} (lines ${section.gapLine}-${section.end})`,
    });
  }
  if (r.figure_number !== 1 && (HEADLINE_KINDS as readonly string[]).includes(r.kind))
    problems.push({
      column: 'figure_number',
      reason: `an STP has one ${r.kind}: figure_number must be 1 (or empty)`,
    });
  let parsed: ParsedAmount | null = null;
  // Checked here as well as by the loader (which checks only rows that pass): a text off its line
  // is the problem to report, not the amount missing from it.
  const cited = checkCitation({ document: r.document, line: r.line, text: r.text });
  if (cited) {
    problems.push({ column: 'text', reason: `citation does not hold: ${cited}` });
  } else if (r.kind === 'NOTE') {
    if (r.amount_as_stated) problems.push({ column: 'amount_as_stated', reason: 'a NOTE carries no amount' });
  } else if (!r.amount_as_stated) {
    problems.push({ column: 'amount_as_stated', reason: `a ${r.kind} needs the amount as stated` });
  } else if (!r.text.includes(r.amount_as_stated)) {
    problems.push({
      column: 'amount_as_stated',
      reason: `${JSON.stringify(r.amount_as_stated)} is not in the cited text`,
    });
  } else {
    const read = readAmount(r.amount_as_stated, r.part, r.document, r.line);
    if (typeof read === 'string') problems.push({ column: 'amount_as_stated', reason: read });
    else parsed = read;
  }
  if (r.flag && !r.flag_explanation)
    problems.push({ column: 'flag_explanation', reason: `flag ${r.flag} needs an explanation` });
  return { problems, parsed };
}

/**
 * The financial_fact table as a file loads into it, each row checked as `checkFact` says and
 * known by (stp_code, kind, figure_number). `sections` is read when the first row is (the tracker's
 * sections, from data/ or a test's copy); `knownElsewhere` says which STP codes geography publishes
 * (the seed, which checks no references, passes nothing).
 */
export function factTable(
  sections: () => ReadonlyMap<string, Section>,
  knownElsewhere: (stp: string) => boolean = () => true,
): LoadableTable<LoadedFact> {
  return {
    table: 'financial_fact',
    row: FactFileRow.transform((r, ctx): LoadedFact => {
      const { problems, parsed } = checkFact(r, sections(), knownElsewhere);
      for (const { column, reason } of problems)
        ctx.issues.push({ code: 'custom', path: [column], message: reason, input: r });
      const flags: FlagShape[] = [...(parsed?.flags ?? [])];
      if (r.flag) flags.push({ code: r.flag, explanation: r.flag_explanation });
      return {
        stp_code: r.stp_code,
        kind: r.kind,
        figure_number: r.figure_number,
        part: r.part,
        amount_gbp_m: parsed?.amountGbpM ?? null,
        amount_as_stated: r.amount_as_stated || null,
        source_document: r.document,
        source_line: r.line,
        source_text: r.text,
        flags: JSON.stringify(flags),
      };
    }),
    columns: Object.keys(FactFileRow.shape),
    key: ['stp_code', 'kind', 'figure_number'],
    references: [{ column: 'stp_code', list: 'stp' }],
    citations: (row) => [
      { column: 'text', citation: { document: row.source_document, line: row.source_line, text: row.source_text } },
    ],
  };
}

/** A financial_fact row (as loaded, or as the table holds it) as the gap derivation reads it. */
export interface FactRowShape {
  readonly stp_code: string;
  readonly kind: string;
  readonly figure_number: number;
  readonly part: number | null;
  readonly amount_as_stated: string | null;
  readonly source_document: string;
  readonly source_line: number;
  readonly source_text: string;
  /** JSON text, or the objects jsonb reads back as. */
  readonly flags: string | readonly FlagShape[];
}

/** A row as a Fact: its amount and the precision it is stated to read again from its text, as the seed reads them. */
export function factFromRow(row: FactRowShape): Fact {
  const read =
    row.amount_as_stated === null
      ? null
      : readAmount(row.amount_as_stated, row.part, row.source_document, row.source_line);
  const parsed = typeof read === 'string' ? null : read;
  return {
    stp: row.stp_code,
    kind: row.kind as FactKind,
    figureNumber: row.figure_number,
    part: row.part,
    document: row.source_document,
    line: row.source_line,
    text: row.source_text,
    stated: row.amount_as_stated,
    amount: parsed?.amountGbpM ?? null,
    halfUnit: parsed?.halfUnitGbpM ?? null,
    flags: typeof row.flags === 'string' ? (JSON.parse(row.flags) as FlagShape[]) : [...row.flags],
    derivedFlags: [],
  };
}

/**
 * financial-facts.csv: every amount (or note) of each section's financial block, and Lincolnshire's
 * June 2018 update. Each row is checked as a load of the table checks it (factTable: the text
 * verbatim on its line, its amount written in that text and parsing), and every amount written in
 * a financial block must have exactly one row.
 */
export function readFacts(dataDir: string, sections: ReadonlyMap<string, Section>, problems: DataProblem[]): Fact[] {
  const path = dataPath(dataDir, DATA_FILES.facts);
  const file = displayPath(path);
  const rows = validateRecords(
    path,
    factTable(() => sections),
    readRecords(path, problems),
    problems,
  );
  const facts = rows.map(({ value }) => factFromRow(value));

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
