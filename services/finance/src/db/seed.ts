import { fileURLToPath } from 'node:url';
import {
  type Citation,
  type DataProblem,
  displayPath,
  type FlagShape,
  readCsv,
  type SeedReport,
  sourceLines,
  throwIfProblems,
  verifyCitations,
} from '@nhs-hub/kit';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { add, compare, equals, isDecimal, normalize, subtract } from '../decimal.js';
import { type ParsedAmount, parseAmount, parseSplitAmount } from '../money.js';
import { replaceAll } from './repository.js';
import type { CheckShape, FinanceDatabase, NewFinancialFact, NewRegionFact, NewStpFinance } from './types.js';

export const FINANCE_DATA_DIR = fileURLToPath(new URL('../../data/', import.meta.url));
export const TRACKER = 'seeds/002_5ca6f18803646174.txt';
export const LINCOLNSHIRE = 'seeds/000_647e8cd618725ea4.txt';
export const HORIZON = '2020/21';
const SECTIONS_FILE = 'tracker-sections.csv';
const FACTS_FILE = 'financial-facts.csv';
const REGION_FACTS_FILE = 'annex-a-region-facts.csv';
/** The tracker's last STP section ends where its closing "OUTLOOK FOR 2018" page begins. */
const TRACKER_LAST_SECTION_END = 1761;

export const GAP_KINDS = ['HEALTHCARE_GAP', 'SOCIAL_CARE_GAP', 'COMBINED_GAP'] as const;
export const HEADLINE_KINDS = [...GAP_KINDS, 'PROPOSED_SAVINGS', 'CAPITAL_REQUIRED'] as const;
export const FACT_KINDS = [
  ...HEADLINE_KINDS,
  'NET_GAP_AFTER_SAVINGS',
  'RESIDUAL_GAP',
  'PROVIDER_GAP',
  'COMMISSIONER_GAP',
  'SYSTEM_DEFICIT',
  'SURPLUS_FORECAST',
  'SOLUTIONS_SURPLUS',
  'COMMISSIONING_SAVING',
  'RECURRENT_SAVINGS',
  'SAVINGS_INITIATIVE',
  'WORKSTREAM_SAVINGS',
  'TRANSITION_FUNDING',
  'TRANSITION_FUNDING_LOW',
  'TRANSITION_FUNDING_HIGH',
  'IMPLEMENTATION_COSTS',
  'TRANSFORMATION_COSTS',
  'REVENUE_REQUIRED',
  'INVESTMENT_NEED',
  'PRIMARY_CARE_INVESTMENT',
  'COMMUNITY_CARE_SHIFT',
  'STP_FUNDING_SHARE',
  'STP_FUNDING_NEED',
  'STP_FUNDING_EXPECTED',
  'STF_ALLOCATION',
  'NATIONAL_FUNDING',
  'NOTE',
] as const;
export type FactKind = (typeof FACT_KINDS)[number];

/** An amount as the tracker writes it, in the text of a line (used to check coverage). */
const AMOUNT_IN_TEXT = /\\?[£$]\s*\d[\d,]*(?:\.\d+)?(?:\s*(?:B|billion|Billion|M|million|Million|m)\b)?/g;

const odsStp = z.string().regex(/^Q[A-Z0-9]{2}$/, 'expected an STP ODS code such as QJM');
const line = z.coerce.number().int().positive();
const flagCode = z.union([z.string().regex(/^[A-Z][A-Z_]+$/, 'expected a flag code such as PROVISIONAL'), z.literal('')]);

const SectionRow = z.object({
  stp_code: odsStp,
  tracker_name: z.string().min(1),
  heading_line: line,
  heading_text: z.string().min(1),
});
const FactRow = z.object({
  stp_code: odsStp,
  kind: z.enum(FACT_KINDS),
  document: z.enum([TRACKER, LINCOLNSHIRE]),
  line,
  text: z.string().min(1),
  amount_as_stated: z.string(),
  part: z.union([z.literal(''), z.coerce.number().int().min(1).max(9)]),
  flag: flagCode,
  flag_explanation: z.string(),
});
const RegionFactRow = z.object({
  line,
  label: z.string().min(1),
  proposed_region: z.enum(['Central & East', 'Midlands']),
  region_code: z.enum(['Y60', 'Y61']),
  value_as_stated: z.string().refine(isDecimal, 'expected a number as stated, such as 7.3 or 8129'),
  unit: z.enum(['million people', 'count', 'GBP million']),
  text: z.string().min(1),
});

export interface FinanceRows {
  stps: NewStpFinance[];
  facts: NewFinancialFact[];
  regionFacts: NewRegionFact[];
}

export interface FinanceDataPaths {
  /** Folder holding tracker-sections.csv, financial-facts.csv and annex-a-region-facts.csv. */
  dataDir?: string;
}

interface Fact {
  stp: string;
  kind: FactKind;
  document: string;
  line: number;
  text: string;
  stated: string | null;
  amount: string | null;
  flags: FlagShape[];
}

const fmt = (amount: string) => `£${amount} M`;
const at = (f: Fact) => (f.document === TRACKER ? `line ${f.line}` : `${f.document} line ${f.line}`);

/**
 * Reads and validates the finance data files against the sources, derives the checks and flags,
 * and returns the rows to load. Throws a DataFileError listing every problem before touching the database.
 */
export function buildFinanceRows(paths: FinanceDataPaths = {}): FinanceRows {
  const dataDir = paths.dataDir ?? FINANCE_DATA_DIR;
  const problems: DataProblem[] = [];
  const sectionsPath = `${dataDir}/${SECTIONS_FILE}`.replace(/\/+/g, '/');
  const factsPath = `${dataDir}/${FACTS_FILE}`.replace(/\/+/g, '/');
  const regionPath = `${dataDir}/${REGION_FACTS_FILE}`.replace(/\/+/g, '/');

  const sectionRows = readCsv(sectionsPath, SectionRow, problems);
  const factRows = readCsv(factsPath, FactRow, problems);
  const regionRows = readCsv(regionPath, RegionFactRow, problems);

  verifyCitations(
    sectionsPath,
    sectionRows.map((r) => ({ line: r.line, column: 'heading_text', citation: { document: TRACKER, line: r.value.heading_line, text: r.value.heading_text } })),
    problems,
  );
  verifyCitations(
    factsPath,
    factRows.map((r): { line: number; column: string; citation: Citation } => ({
      line: r.line,
      column: 'text',
      citation: { document: r.value.document, line: r.value.line, text: r.value.text },
    })),
    problems,
  );
  verifyCitations(
    regionPath,
    regionRows.map((r) => ({ line: r.line, column: 'text', citation: { document: LINCOLNSHIRE, line: r.value.line, text: r.value.text } })),
    problems,
  );

  // Sections: each runs from its heading to the next one; its financial block from "Financial gap by 2020/21".
  const tracker = sourceLines(TRACKER);
  const ordered = [...sectionRows].sort((a, b) => a.value.heading_line - b.value.heading_line);
  const sections = new Map<string, { name: string; heading: number; headingText: string; gapLine: number; end: number }>();
  ordered.forEach((row, i) => {
    const s = row.value;
    const end = (ordered[i + 1]?.value.heading_line ?? TRACKER_LAST_SECTION_END) - 1;
    let gapLine = 0;
    for (let n = s.heading_line; n <= end; n += 1) {
      if (tracker[n - 1]?.startsWith('Financial gap by 2020/21')) {
        gapLine = n;
        break;
      }
    }
    if (!gapLine) problems.push({ file: displayPath(sectionsPath), line: row.line, reason: `no "Financial gap by 2020/21" line between lines ${s.heading_line} and ${end}` });
    if (sections.has(s.stp_code)) problems.push({ file: displayPath(sectionsPath), line: row.line, column: 'stp_code', reason: `${s.stp_code} appears twice` });
    sections.set(s.stp_code, { name: s.tracker_name, heading: s.heading_line, headingText: s.heading_text, gapLine, end });
  });

  const facts: Fact[] = [];
  const file = displayPath(factsPath);
  for (const { value: r, line: row } of factRows) {
    const section = sections.get(r.stp_code);
    if (!section) {
      problems.push({ file, line: row, column: 'stp_code', reason: `${r.stp_code} is not a tracker section in ${SECTIONS_FILE}` });
      continue;
    }
    if (r.document === TRACKER && section.gapLine && (r.line < section.gapLine || r.line > section.end)) {
      problems.push({ file, line: row, column: 'line', reason: `line ${r.line} is outside the financial block of ${section.name} (lines ${section.gapLine}-${section.end})` });
    }
    let parsed: ParsedAmount | string | null = null;
    const context = `${r.document === TRACKER ? 'tracker' : r.document} line ${r.line}`;
    if (r.kind === 'NOTE') {
      if (r.amount_as_stated) problems.push({ file, line: row, column: 'amount_as_stated', reason: 'a NOTE carries no amount' });
    } else if (!r.amount_as_stated) {
      problems.push({ file, line: row, column: 'amount_as_stated', reason: `a ${r.kind} needs the amount as stated` });
    } else if (!r.text.includes(r.amount_as_stated)) {
      problems.push({ file, line: row, column: 'amount_as_stated', reason: `${JSON.stringify(r.amount_as_stated)} is not in the cited text` });
    } else {
      parsed = r.part === '' ? parseAmount(r.amount_as_stated, context) : parseSplitAmount(r.amount_as_stated, r.part, context);
      if (typeof parsed === 'string') {
        problems.push({ file, line: row, column: 'amount_as_stated', reason: parsed });
        parsed = null;
      }
    }
    if (r.flag && !r.flag_explanation) problems.push({ file, line: row, column: 'flag_explanation', reason: `flag ${r.flag} needs an explanation` });
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
      flags,
    });
  }

  // Coverage: every amount written in a financial block is in the data file, once.
  for (const [code, s] of sections) {
    if (!s.gapLine) continue;
    for (let n = s.gapLine; n <= s.end; n += 1) {
      const written = (tracker[n - 1]?.match(AMOUNT_IN_TEXT) ?? []).length;
      const covered = facts.filter((f) => f.document === TRACKER && f.line === n && f.amount !== null).length;
      const expected = written; // "£85/£97M" is two amounts written, and two rows
      if (covered !== expected) {
        problems.push({ file, line: 1, reason: `${TRACKER}:${n} (${code}) states ${expected} amount(s) but the data file has ${covered}` });
      }
    }
  }

  const stps: NewStpFinance[] = [];
  for (const [code, s] of sections) {
    const mine = facts.filter((f) => f.stp === code);
    const one = (kind: FactKind): Fact | null => {
      const found = mine.filter((f) => f.kind === kind);
      if (found.length > 1) problems.push({ file, line: 1, reason: `${code} has ${found.length} ${kind} rows (lines ${found.map((f) => f.line).join(', ')}); at most one` });
      return found[0] ?? null;
    };
    const healthcare = one('HEALTHCARE_GAP');
    const social = one('SOCIAL_CARE_GAP');
    const combined = one('COMBINED_GAP');
    const savings = one('PROPOSED_SAVINGS');
    const capital = one('CAPITAL_REQUIRED');
    if (!combined) problems.push({ file, line: 1, reason: `${code} (${s.name}) has no COMBINED_GAP row` });
    const flags: FlagShape[] = [];
    const checks: CheckShape[] = [];

    if (healthcare?.amount && social?.amount && combined?.amount) {
      const sum = add(healthcare.amount, social.amount);
      const holds = equals(sum, combined.amount);
      const explanation = `Healthcare ${fmt(healthcare.amount)} (${at(healthcare)}) + social care ${fmt(social.amount)} (${at(social)}) = ${fmt(sum)}, ${holds ? 'which is' : 'which is not'} the stated combined gap ${fmt(combined.amount)} ("${combined.stated}", ${at(combined)}).${holds ? '' : ' The stated figures are kept as written.'}`;
      checks.push({ code: 'PARTS_SUM_TO_COMBINED', holds, explanation });
      if (!holds) flags.push({ code: 'SUM_MISMATCH', explanation });
    }
    if (savings?.amount && combined?.amount) {
      const holds = compare(savings.amount, combined.amount) <= 0;
      const explanation = `Proposed savings ${fmt(savings.amount)} ("${savings.stated}", ${at(savings)}) ${holds ? 'do not exceed' : 'exceed'} the combined gap ${fmt(combined.amount)} ("${combined.stated}", ${at(combined)}).`;
      checks.push({ code: 'SAVINGS_WITHIN_GAP', holds, explanation });
      if (!holds) flags.push({ code: 'SAVINGS_EXCEED_GAP', explanation });
    }
    const provider = mine.find((f) => f.kind === 'PROVIDER_GAP');
    const commissioner = mine.find((f) => f.kind === 'COMMISSIONER_GAP');
    if (provider?.amount && commissioner?.amount && combined?.amount) {
      const sum = add(provider.amount, commissioner.amount);
      const holds = equals(sum, combined.amount);
      const explanation = `Provider ${fmt(provider.amount)} + commissioner ${fmt(commissioner.amount)} ("${provider.stated}", ${at(provider)}) = ${fmt(sum)}, ${holds ? 'consistent with' : 'not'} the combined gap ${fmt(combined.amount)} (${at(combined)}).`;
      checks.push({ code: 'PROVIDER_COMMISSIONER_SPLIT_SUMS_TO_COMBINED', holds, explanation });
      if (!holds) flags.push({ code: 'SUM_MISMATCH', explanation });
    }
    for (const f of [healthcare, social, combined, savings, capital]) {
      for (const flag of f?.flags ?? []) flags.push({ code: flag.code, explanation: `${f?.kind}: ${flag.explanation}` });
    }
    stps.push({
      stp_code: code,
      tracker_name: s.name,
      heading_line: s.heading,
      heading_text: s.headingText,
      horizon: HORIZON,
      healthcare_gbp_m: healthcare?.amount ?? null,
      social_care_gbp_m: social?.amount ?? null,
      combined_gbp_m: combined?.amount ?? null,
      proposed_savings_gbp_m: savings?.amount ?? null,
      capital_required_gbp_m: capital?.amount ?? null,
      flags: JSON.stringify(flags),
      checks: JSON.stringify(checks),
    });
  }

  // DUPLICATED_FIGURE: a line other than the gap lines that repeats a gap part of its own section.
  const gapParts = facts.filter((f) => (GAP_KINDS as readonly string[]).includes(f.kind) && f.amount !== null);
  for (const f of facts) {
    if (!f.amount || (GAP_KINDS as readonly string[]).includes(f.kind) || f.document !== TRACKER) continue;
    const amount = f.amount;
    const same = gapParts.filter((g) => g.stp === f.stp && equals(g.amount ?? '', amount));
    if (same.length === 0) continue;
    const elsewhere = gapParts.filter((g) => g.stp !== f.stp && g.kind === same[0]?.kind && equals(g.amount ?? '', amount));
    const combined = gapParts.find((g) => g.stp === f.stp && g.kind === 'COMBINED_GAP');
    const social = gapParts.find((g) => g.stp === f.stp && g.kind === 'SOCIAL_CARE_GAP');
    let explanation = `"${f.stated}" (${f.kind}, ${at(f)}) equals the section's own ${same.map((g) => `${g.kind} ${fmt(g.amount ?? '')} (${at(g)})`).join(' and ')}`;
    if (elsewhere.length) explanation += `, and the ${elsewhere.map((g) => `${g.kind} of ${sections.get(g.stp)?.name ?? g.stp} (${at(g)})`).join(', ')}`;
    explanation += '; the same figure is possibly carried over rather than stated independently.';
    if (f.kind === 'NET_GAP_AFTER_SAVINGS' && combined?.amount) {
      const implied = subtract(combined.amount, amount);
      explanation += ` Combined ${fmt(combined.amount)} - ${fmt(amount)} implies savings of ${fmt(implied)}${social?.amount && equals(social.amount, implied) ? `, exactly the social care gap (${at(social)})` : ''}.`;
    }
    explanation += ' Kept as stated.';
    const flag = { code: 'DUPLICATED_FIGURE', explanation };
    f.flags.push(flag);
    const stp = stps.find((s) => s.stp_code === f.stp);
    if (stp) stp.flags = JSON.stringify([...(JSON.parse(stp.flags) as FlagShape[]), flag]);
  }

  const regionFacts: NewRegionFact[] = [];
  const regionFile = displayPath(regionPath);
  for (const { value: r, line: row } of regionRows) {
    if (!r.text.startsWith(r.label)) problems.push({ file: regionFile, line: row, column: 'label', reason: `the cited text does not start with the label ${JSON.stringify(r.label)}` });
    const cells = r.text.split('\t');
    const stated = r.proposed_region === 'Central & East' ? cells[1] : cells[2];
    if (stated !== r.value_as_stated) {
      problems.push({ file: regionFile, line: row, column: 'value_as_stated', reason: `the ${r.proposed_region} column of line ${r.line} reads ${JSON.stringify(stated)}, not ${JSON.stringify(r.value_as_stated)}` });
    }
    const explanation =
      r.proposed_region === 'Central & East'
        ? `Annex A of the 9 May 2018 letter states this for the PROPOSED "Central & East" region (Northamptonshire; Cambridgeshire and Peterborough; Norfolk and Waveney; Suffolk and North East Essex; Bedfordshire, Luton and Milton Keynes; Hertfordshire and West Essex; Mid and South Essex: ${LINCOLNSHIRE} line 340). It is attached to East of England (Y61), which from April 2019 did not include Northamptonshire (it went to Midlands), so the footprints differ. A stated figure, not derived by the hub.`
        : `Annex A of the 9 May 2018 letter states this for the PROPOSED "Midlands" region (${LINCOLNSHIRE} line 335), which did not include Northamptonshire; Midlands (Y60) from April 2019 did, so the footprints differ. A stated figure, not derived by the hub.`;
    regionFacts.push({
      region_code: r.region_code,
      proposed_region_name: r.proposed_region,
      label: r.label,
      value: normalize(r.value_as_stated),
      value_as_stated: r.value_as_stated,
      unit: r.unit,
      source_document: LINCOLNSHIRE,
      source_line: r.line,
      source_text: r.text,
      flags: JSON.stringify([{ code: 'PROPOSED_FOOTPRINT', explanation }]),
    });
  }

  throwIfProblems(problems);
  return {
    stps,
    facts: facts.map((f) => ({
      stp_code: f.stp,
      kind: f.kind,
      amount_gbp_m: f.amount,
      amount_as_stated: f.stated,
      source_document: f.document,
      source_line: f.line,
      source_text: f.text,
      flags: JSON.stringify(f.flags),
    })),
    regionFacts,
  };
}

/** Validates every data file first, then replaces the subgraph's rows in one transaction. */
export async function seedFinance(db: Kysely<FinanceDatabase>, paths: FinanceDataPaths = {}): Promise<SeedReport> {
  const rows = buildFinanceRows(paths);
  await replaceAll(db, rows);
  return { stp_finance: rows.stps.length, financial_fact: rows.facts.length, region_fact: rows.regionFacts.length };
}
