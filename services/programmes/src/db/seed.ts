import {
  type Citation,
  type DataProblem,
  type DataRow,
  readCsv,
  type SeedReport,
  sourceLine,
  throwIfProblems,
  verifyCitations,
} from '@nhs-hub/kit';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { type MatchableText, matchProgrammes, PROGRAMME_RULES } from '../rules.js';
import { LINCOLNSHIRE_PAPER, TRACKER } from './documents.js';
import { PROGRAMMES_DATA_DIR } from './paths.js';
import { replaceAll } from './repository.js';
import type {
  NewConsideration,
  NewPriority,
  NewPriorityProgramme,
  NewProgramme,
  NewProgrammeSource,
  NewStatedOutcome,
  NewSubPoint,
  ProgrammesDatabase,
} from './types.js';

export { PROGRAMMES_DATA_DIR };

/** The ODS code of the STP the Lincolnshire paper (seed 000) is about. */
export const LINCOLNSHIRE = 'QJM';

const line = z.coerce.number().int().positive();
const position = z.coerce.number().int().positive();
const odsStp = z.string().regex(/^Q[A-Z0-9]{2}$/, 'expected an STP ODS code such as QJM');
const programmeCode = z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'expected a programme code such as MENTAL_HEALTH');
const optional = z.string().transform((s) => (s === '' ? null : s));
const document = z.enum(['seeds/000_647e8cd618725ea4.txt', 'seeds/001_cbad4f5854a175db.txt', 'seeds/002_5ca6f18803646174.txt', 'seeds/004_76447a4d1bef46a3.txt']);

const StpRow = z.object({ ods_code: odsStp, tracker_name: z.string().min(1), heading_line: line, heading_text: z.string().min(1) });
const TrackerItemRow = z.object({
  stp_code: odsStp,
  list: z.enum(['FOCUS', 'CONSIDERATION']),
  position,
  sub_position: z.coerce.number().int().nonnegative(),
  line,
  text: z.string().min(1),
});
const PaperPriorityRow = z.object({
  id: z.string().regex(/^QJM\.paper\.[a-z0-9.-]+$/, 'expected an id such as QJM.paper.5.1'),
  kind: z.enum(['LINCOLNSHIRE_PRIORITY', 'WORK_STREAM']),
  parent_id: optional,
  position,
  section_number: optional,
  line,
  title: z.string().min(1),
  summary_line: z.union([z.literal('').transform(() => null), line]),
  summary_text: optional,
  flag_code: optional,
  flag_explanation: optional,
});
const PaperPointRow = z.object({ priority_id: z.string().min(1), position, line, text: z.string().min(1) });
const OutcomeRow = z.object({
  priority_id: z.string().min(1),
  position,
  kind: z.enum(['RESULT', 'TARGET']),
  line,
  text: z.string().min(1),
  value: z.string().regex(/^\d+(\.\d+)?$/, 'expected an exact decimal such as 48.2'),
  unit: z.enum(['PERCENT', 'COUNT', 'GBP_M', 'WEEKS', 'HOURS']),
  flag_code: optional,
  flag_explanation: optional,
});
const ProgrammeRow = z.object({ code: programmeCode, position, name: z.string().min(1), description: z.string().min(1) });
const ProgrammeSourceRow = z.object({ programme_code: programmeCode, position, document, line, text: z.string().min(1) });

export interface ProgrammesRows {
  programmes: NewProgramme[];
  programmeSources: NewProgrammeSource[];
  priorities: NewPriority[];
  subPoints: NewSubPoint[];
  outcomes: NewStatedOutcome[];
  matches: NewPriorityProgramme[];
  considerations: NewConsideration[];
}

export interface ProgrammesDataPaths {
  /** Folder holding the data files (with a trailing slash). */
  dataDir?: string;
}

export const DATA_FILES = {
  stps: 'tracker-stps.csv',
  trackerItems: 'tracker-items.csv',
  paperPriorities: 'lincolnshire-priorities.csv',
  paperPoints: 'lincolnshire-points.csv',
  outcomes: 'lincolnshire-outcomes.csv',
  programmes: 'programmes.csv',
  programmeSources: 'programme-sources.csv',
} as const;

type Cited = { line: number; column: string; citation: Citation };

/** Flags of tracker focus bullets that are remarks rather than priorities (kept verbatim). */
const TRACKER_FLAGS: Record<string, { code: string; explanation: string }> = {
  'QJ2:789': { code: 'NOT_A_PRIORITY', explanation: "The bullet under 'Focuses' says 'No further specifics mentioned': kept verbatim, it names no priority." },
  'QVP:440': {
    code: 'NOT_A_PRIORITY',
    explanation: "The bullet under 'Focuses' notes unquantified financial risks rather than a priority; kept verbatim.",
  },
};

/**
 * Reads and validates every data file, checks every citation against its source line, and derives
 * the programme matches. Throws a DataFileError listing every problem (file:line [column]) before
 * anything touches the database.
 */
export function buildProgrammesRows(paths: ProgrammesDataPaths = {}): ProgrammesRows {
  const dir = paths.dataDir ?? PROGRAMMES_DATA_DIR;
  const problems: DataProblem[] = [];
  const file = (name: string) => `${dir}${name}`;

  const stpRows = readCsv(file(DATA_FILES.stps), StpRow, problems);
  const itemRows = readCsv(file(DATA_FILES.trackerItems), TrackerItemRow, problems);
  const paperRows = readCsv(file(DATA_FILES.paperPriorities), PaperPriorityRow, problems);
  const pointRows = readCsv(file(DATA_FILES.paperPoints), PaperPointRow, problems);
  const outcomeRows = readCsv(file(DATA_FILES.outcomes), OutcomeRow, problems);
  const programmeRows = readCsv(file(DATA_FILES.programmes), ProgrammeRow, problems);
  const programmeSourceRows = readCsv(file(DATA_FILES.programmeSources), ProgrammeSourceRow, problems);

  // --- programmes -----------------------------------------------------------------------------
  const programmes: NewProgramme[] = programmeRows.map(({ value: p }) => ({ ...p }));
  const programmeCodes = new Set(programmes.map((p) => p.code));
  for (const rule of PROGRAMME_RULES) {
    if (!programmeCodes.has(rule.programme)) {
      problems.push({ file: file(DATA_FILES.programmes), line: 1, reason: `a rule names programme ${rule.programme}, which the file does not list` });
    }
  }
  duplicates(programmeRows, (p) => p.code, file(DATA_FILES.programmes), 'code', problems);
  const programmeSources: NewProgrammeSource[] = programmeSourceRows.map(({ value: s }) => ({
    programme_code: s.programme_code,
    position: s.position,
    source_document: s.document,
    source_line: s.line,
    source_text: s.text,
  }));
  for (const { value: s, line: at } of programmeSourceRows) {
    if (!programmeCodes.has(s.programme_code)) {
      problems.push({ file: file(DATA_FILES.programmeSources), line: at, column: 'programme_code', reason: `unknown programme ${s.programme_code}` });
    }
  }
  duplicates(programmeSourceRows, (s) => `${s.programme_code}#${s.position}`, file(DATA_FILES.programmeSources), 'position', problems);
  verifyCitations(
    file(DATA_FILES.programmeSources),
    programmeSourceRows.map(({ value: s, line: at }) => ({ line: at, column: 'text', citation: { document: s.document, line: s.line, text: s.text } })),
    problems,
  );
  for (const p of programmes) {
    if (!programmeSources.some((s) => s.programme_code === p.code)) {
      problems.push({ file: file(DATA_FILES.programmes), line: programmeRows.find((r) => r.value.code === p.code)?.line ?? 1, reason: `programme ${p.code} has no source` });
    }
  }

  // --- tracker sections ------------------------------------------------------------------------
  verifyCitations(
    file(DATA_FILES.stps),
    stpRows.map(({ value: s, line: at }) => ({ line: at, column: 'heading_text', citation: { document: TRACKER, line: s.heading_line, text: s.heading_text } })),
    problems,
  );
  duplicates(stpRows, (s) => s.ods_code, file(DATA_FILES.stps), 'ods_code', problems);
  const headings = [...stpRows.map((r) => r.value)].sort((a, b) => a.heading_line - b.heading_line);
  const sectionOf = new Map(headings.map((h, i) => [h.ods_code, { from: h.heading_line, to: (headings[i + 1]?.heading_line ?? Number.MAX_SAFE_INTEGER) - 1 }]));

  // --- tracker focuses and considerations --------------------------------------------------------
  const itemsFile = file(DATA_FILES.trackerItems);
  const trackerCited: Cited[] = [];
  const priorities: NewPriority[] = [];
  const considerations: NewConsideration[] = [];
  const subPoints: NewSubPoint[] = [];
  const subPointsOf = new Map<string, string[]>();
  const idOf = (i: z.output<typeof TrackerItemRow>) => `${i.stp_code}.${i.list === 'FOCUS' ? 'focus' : 'consideration'}.${i.position}`;
  duplicates(itemRows, (i) => `${idOf(i)}#${i.sub_position}`, itemsFile, 'sub_position', problems);
  for (const { value: i, line: at } of itemRows) {
    trackerCited.push({ line: at, column: 'text', citation: { document: TRACKER, line: i.line, text: i.text } });
    const section = sectionOf.get(i.stp_code);
    if (!section) {
      problems.push({ file: itemsFile, line: at, column: 'stp_code', reason: `${i.stp_code} is not in ${DATA_FILES.stps}` });
      continue;
    }
    if (i.line <= section.from || i.line > section.to) {
      problems.push({ file: itemsFile, line: at, column: 'line', reason: `line ${i.line} is outside the ${i.stp_code} section of the tracker (lines ${section.from}-${section.to})` });
    }
    const id = idOf(i);
    if (i.sub_position > 0) {
      const owner = itemRows.find((o) => o.value.sub_position === 0 && idOf(o.value) === id);
      if (!owner) {
        problems.push({ file: itemsFile, line: at, column: 'position', reason: `sub-point of ${id}, which has no bullet row` });
        continue;
      }
      subPoints.push({ owner_id: id, position: i.sub_position, source_document: TRACKER, source_line: i.line, text: i.text });
      subPointsOf.set(id, [...(subPointsOf.get(id) ?? []), i.text]);
      continue;
    }
    if (i.list === 'FOCUS') {
      const flag = TRACKER_FLAGS[`${i.stp_code}:${i.line}`];
      priorities.push({
        id,
        stp_code: i.stp_code,
        kind: 'FOCUS',
        parent_id: null,
        position: i.position,
        sort_key: i.position,
        section_number: null,
        title: i.text,
        summary: null,
        summary_line: null,
        source_document: TRACKER,
        source_line: i.line,
        source_text: i.text,
        flag_code: flag?.code ?? null,
        flag_explanation: flag?.explanation ?? null,
      });
    } else {
      considerations.push({ id, stp_code: i.stp_code, position: i.position, text: i.text, source_document: TRACKER, source_line: i.line });
    }
  }
  verifyCitations(itemsFile, trackerCited, problems);
  for (const h of headings) {
    if (!priorities.some((p) => p.stp_code === h.ods_code)) problems.push({ file: itemsFile, line: 1, reason: `${h.ods_code} has no focus` });
  }
  contiguous(priorities.filter((p) => p.kind === 'FOCUS'), (p) => p.stp_code, itemsFile, problems);
  contiguous(considerations, (c) => c.stp_code, itemsFile, problems);

  // --- the Lincolnshire paper ------------------------------------------------------------------
  const paperFile = file(DATA_FILES.paperPriorities);
  const paperCited: Cited[] = [];
  duplicates(paperRows, (p) => p.id, paperFile, 'id', problems);
  const paperIds = new Set(paperRows.map((r) => r.value.id));
  for (const { value: p, line: at } of paperRows) {
    paperCited.push({ line: at, column: 'title', citation: { document: LINCOLNSHIRE_PAPER, line: p.line, text: p.title } });
    if (p.section_number) paperCited.push({ line: at, column: 'section_number', citation: { document: LINCOLNSHIRE_PAPER, line: p.line, text: p.section_number } });
    if ((p.summary_line === null) !== (p.summary_text === null)) {
      problems.push({ file: paperFile, line: at, column: 'summary_text', reason: 'summary_line and summary_text go together' });
    } else if (p.summary_line !== null && p.summary_text !== null) {
      paperCited.push({ line: at, column: 'summary_text', citation: { document: LINCOLNSHIRE_PAPER, line: p.summary_line, text: p.summary_text } });
    }
    if ((p.kind === 'WORK_STREAM') !== (p.parent_id !== null)) {
      problems.push({ file: paperFile, line: at, column: 'parent_id', reason: 'a work stream, and only a work stream, has a parent' });
    } else if (p.parent_id && !paperRows.some((o) => o.value.id === p.parent_id && o.value.kind === 'LINCOLNSHIRE_PRIORITY')) {
      problems.push({ file: paperFile, line: at, column: 'parent_id', reason: `${p.parent_id} is not a priority of the paper` });
    }
    if ((p.flag_code === null) !== (p.flag_explanation === null)) {
      problems.push({ file: paperFile, line: at, column: 'flag_explanation', reason: 'flag_code and flag_explanation go together' });
    }
  }
  verifyCitations(paperFile, paperCited, problems);
  // Depth-first order after the tracker focuses: 5.1, 5.2, 5.2.1, 5.2.2, 5.3, ...
  const tops = paperRows.map((r) => r.value).filter((p) => p.kind === 'LINCOLNSHIRE_PRIORITY').sort((a, b) => a.position - b.position);
  let sortKey = 100;
  for (const top of tops) {
    for (const p of [top, ...paperRows.map((r) => r.value).filter((c) => c.parent_id === top.id).sort((a, b) => a.position - b.position)]) {
      sortKey += 1;
      priorities.push({
        id: p.id,
        stp_code: LINCOLNSHIRE,
        kind: p.kind,
        parent_id: p.parent_id,
        position: p.position,
        sort_key: sortKey,
        section_number: p.section_number,
        title: p.title,
        summary: p.summary_text,
        summary_line: p.summary_line,
        source_document: LINCOLNSHIRE_PAPER,
        source_line: p.line,
        source_text: sourceTextOf(p.line) ?? p.title,
        flag_code: p.flag_code,
        flag_explanation: p.flag_explanation,
      });
    }
  }
  contiguous(priorities.filter((p) => p.kind === 'LINCOLNSHIRE_PRIORITY'), () => LINCOLNSHIRE, paperFile, problems);

  const pointsFile = file(DATA_FILES.paperPoints);
  duplicates(pointRows, (p) => `${p.priority_id}#${p.position}`, pointsFile, 'position', problems);
  for (const { value: p, line: at } of pointRows) {
    if (!paperIds.has(p.priority_id)) problems.push({ file: pointsFile, line: at, column: 'priority_id', reason: `unknown priority ${p.priority_id}` });
    subPoints.push({ owner_id: p.priority_id, position: p.position, source_document: LINCOLNSHIRE_PAPER, source_line: p.line, text: p.text });
  }
  verifyCitations(
    pointsFile,
    pointRows.map(({ value: p, line: at }) => ({ line: at, column: 'text', citation: { document: LINCOLNSHIRE_PAPER, line: p.line, text: p.text } })),
    problems,
  );

  const outcomesFile = file(DATA_FILES.outcomes);
  duplicates(outcomeRows, (o) => `${o.priority_id}#${o.position}`, outcomesFile, 'position', problems);
  for (const { value: o, line: at } of outcomeRows) {
    if (!paperIds.has(o.priority_id)) problems.push({ file: outcomesFile, line: at, column: 'priority_id', reason: `unknown priority ${o.priority_id}` });
    // Where the stated text has digits, the value must be one of the numbers it states.
    const numbers = o.text.match(/\d+(?:\.\d+)?/g);
    if (numbers && !numbers.some((n) => Number(n) === Number(o.value))) {
      problems.push({ file: outcomesFile, line: at, column: 'value', reason: `${o.value} is not a number stated in '${o.text}'` });
    }
    if ((o.flag_code === null) !== (o.flag_explanation === null)) {
      problems.push({ file: outcomesFile, line: at, column: 'flag_explanation', reason: 'flag_code and flag_explanation go together' });
    }
  }
  verifyCitations(
    outcomesFile,
    outcomeRows.map(({ value: o, line: at }) => ({ line: at, column: 'text', citation: { document: LINCOLNSHIRE_PAPER, line: o.line, text: o.text } })),
    problems,
  );
  const outcomes: NewStatedOutcome[] = outcomeRows.map(({ value: o }) => ({
    priority_id: o.priority_id,
    position: o.position,
    kind: o.kind,
    text: o.text,
    value: o.value,
    unit: o.unit,
    source_document: LINCOLNSHIRE_PAPER,
    source_line: o.line,
    flag_code: o.flag_code,
    flag_explanation: o.flag_explanation,
  }));

  // --- programme matches (see rules.ts for which words each kind offers) -------------------------
  const matches: NewPriorityProgramme[] = priorities.flatMap((p) =>
    matchProgrammes(matchableTexts(p, subPointsOf.get(p.id) ?? [])).map((m) => ({
      priority_id: p.id,
      programme_code: m.programme,
      rule: m.rule,
      matched_text: m.matchedText,
      matched_in: m.matchedIn,
    })),
  );

  throwIfProblems(problems);
  return { programmes, programmeSources, priorities, subPoints, outcomes, matches, considerations };
}

/** The words a priority offers to the programme rules. */
export function matchableTexts(p: Pick<NewPriority, 'kind' | 'title' | 'summary'>, subPoints: readonly string[]): MatchableText[] {
  if (p.kind === 'FOCUS') return [{ text: p.title, in: 'TITLE' }, ...subPoints.map((text) => ({ text, in: 'SUB_POINT' as const }))];
  return [{ text: p.title, in: 'TITLE' }, ...(p.summary ? [{ text: p.summary, in: 'SUMMARY' as const }] : [])];
}

function sourceTextOf(at: number): string | undefined {
  return sourceLine(LINCOLNSHIRE_PAPER, at);
}

function duplicates<T>(rows: readonly DataRow<T>[], keyOf: (row: T) => string, path: string, column: string, problems: DataProblem[]): void {
  const seen = new Map<string, number>();
  for (const { value, line: at } of rows) {
    const key = keyOf(value);
    const first = seen.get(key);
    if (first !== undefined) problems.push({ file: path, line: at, column, reason: `duplicates line ${first} (${key})` });
    else seen.set(key, at);
  }
}

/** Positions within each group must run 1, 2, 3... so that order is never a guess. */
function contiguous<T extends { position: number }>(items: readonly T[], groupOf: (item: T) => string, path: string, problems: DataProblem[]): void {
  const groups = new Map<string, number[]>();
  for (const item of items) groups.set(groupOf(item), [...(groups.get(groupOf(item)) ?? []), item.position]);
  for (const [group, positions] of groups) {
    const sorted = [...positions].sort((a, b) => a - b);
    if (sorted.some((p, i) => p !== i + 1)) problems.push({ file: path, line: 1, reason: `${group}: positions ${sorted.join(',')} do not run 1..${sorted.length}` });
  }
}

/** Validates every data file first, then replaces the subgraph's rows in one transaction. */
export async function seedProgrammes(db: Kysely<ProgrammesDatabase>, paths: ProgrammesDataPaths = {}): Promise<SeedReport> {
  const rows = buildProgrammesRows(paths);
  await replaceAll(db, rows);
  return {
    programme: rows.programmes.length,
    programme_source: rows.programmeSources.length,
    priority: rows.priorities.length,
    sub_point: rows.subPoints.length,
    stated_outcome: rows.outcomes.length,
    priority_programme: rows.matches.length,
    consideration: rows.considerations.length,
  };
}
