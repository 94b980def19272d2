import {
  cite,
  DataFileError,
  type DataProblem,
  type DeriveContext,
  type LoadableTable,
  type RowChange,
  sameValue,
  throwIfProblems,
} from '@nhs-hub/kit/subgraph';
import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import type {
  NewConsideration,
  NewPriority,
  NewProgramme,
  NewProgrammeSource,
  NewStatedOutcome,
  NewSubPoint,
  PriorityProgrammeTable,
  PriorityTable,
} from '../db/types.js';
import { contiguous, DATA_FILES, LINCOLNSHIRE, PROGRAMMES_DATA_DIR } from './files.js';
import { matchPriorities } from './matches.js';
import { OutcomeRow, outcomeOf, outcomeProblems } from './outcomes.js';
import { PaperPointRow, paperPointOf } from './paper-points.js';
import { ProgrammeSourceRow } from './programme-sources.js';
import { ProgrammeRow } from './programmes.js';
import { PROGRAMME_RULES } from '../domain/rules.js';
import {
  PaperPriorityRow,
  paperPriorityCitations,
  paperPriorityOf,
  paperPriorityProblems,
  paperSortOrder,
  parentProblem,
} from './paper-priorities.js';
import { readSections, type Sections } from './sections.js';
import { LINCOLNSHIRE_PAPER, TRACKER } from './sources.js';
import {
  considerationOf,
  focusOf,
  idOf,
  type TrackerItem,
  TrackerItemRow,
  trackerItemProblems,
} from './tracker-items.js';

/**
 * A load reads an empty cell as missing (null) where the seed's reader gives ''. The columns the
 * seed lets be empty take '' again; the others stay missing, so their message is 'column x is required'.
 */
const OPTIONAL_COLUMNS = [
  'parent_id',
  'section_number',
  'summary_line',
  'summary_text',
  'flag_code',
  'flag_explanation',
];
const LoadedPaperPriorityRow = z.preprocess(
  (value) =>
    value !== null && typeof value === 'object'
      ? Object.fromEntries(
          Object.entries(value).map(([k, v]) => [k, v === null && OPTIONAL_COLUMNS.includes(k) ? '' : v]),
        )
      : value,
  PaperPriorityRow,
);

/** A priority as a load writes it: its sort key is the whole tree's to decide (derived in the same release). */
export type LoadedPriority = Omit<NewPriority, 'sort_key'> & {
  id: string;
  source_document: string;
  source_line: number;
  summary_line: number | null;
  summary: string | null;
};

type StoredPriority = Pick<
  PriorityTable,
  'id' | 'stp_code' | 'kind' | 'parent_id' | 'position' | 'sort_key' | 'title' | 'summary'
>;

const matchKey = (m: Pick<PriorityProgrammeTable, 'priority_id' | 'programme_code'>) =>
  `${m.priority_id}\u0000${m.programme_code}`;

/**
 * After the priorities are written: checks the tree as the seed does (a work stream's parent is a
 * priority of the paper, priorities numbered 1, 2, 3...; a deleted priority leaves nothing behind),
 * numbers the tree's sort keys as the seed does, and re-matches the loaded priorities to the national
 * programmes by the seed's rules.
 */
async function derivePriorityRows(
  trx: Kysely<unknown>,
  changes: readonly RowChange[],
  { schema, file, records }: DeriveContext,
): Promise<readonly RowChange[]> {
  const t = (table: string) => sql.table(`${schema}.${table}`);
  const rows = records.map(({ value, line }) => ({ line, p: LoadedPaperPriorityRow.parse(value) }));
  const lineOf = new Map(rows.map(({ p, line }) => [p.id, line]));
  const deleted = changes.filter((c) => c.table === 'priority' && c.op === 'delete').map((c) => String(c.key.id));
  const { rows: tree } =
    await sql<StoredPriority>`select id, stp_code, kind, parent_id, position, sort_key, title, summary
    from ${t('priority')} where stp_code = ${LINCOLNSHIRE} and kind <> 'FOCUS' order by sort_key`.execute(trx);

  const problems: DataProblem[] = [];
  for (const { p, line } of rows) {
    const problem = parentProblem(p, tree);
    if (problem) problems.push({ file, line, ...problem });
  }
  if (deleted.length) {
    const { rows: left } = await sql<{ owner: string; what: string; n: number }>`
      select parent_id as owner, 'work streams'::text as what, count(*)::int as n from ${t('priority')}
        where parent_id in (${sql.join(deleted)}) group by parent_id
      union all select owner_id, ${DATA_FILES.paperPoints}::text, count(*)::int from ${t('sub_point')}
        where owner_id in (${sql.join(deleted)}) group by owner_id
      union all select priority_id, ${DATA_FILES.outcomes}::text, count(*)::int from ${t('stated_outcome')}
        where priority_id in (${sql.join(deleted)}) group by priority_id`.execute(trx);
    for (const l of left)
      problems.push({
        file,
        line: changes.find((c) => c.op === 'delete' && c.key.id === l.owner)?.source?.line ?? 0,
        column: 'id',
        reason: `${l.owner} still has ${l.n} ${l.what === 'work streams' ? 'work streams' : `rows in ${l.what}`}; delete those first`,
      });
  }
  contiguous(
    tree.filter((p) => p.kind === 'LINCOLNSHIRE_PRIORITY'),
    () => LINCOLNSHIRE,
    file,
    problems,
  );
  if (problems.length) throw new DataFileError(problems.sort((a, b) => a.line - b.line));

  const derived: RowChange[] = [];
  const source = (id: string) => ({ file, line: lineOf.get(id) ?? 0 });
  for (const { priority, sortKey } of paperSortOrder(tree)) {
    if (priority.sort_key === sortKey) continue;
    await sql`update ${t('priority')} set sort_key = ${sortKey} where id = ${priority.id}`.execute(trx);
    derived.push({
      table: 'priority',
      key: { id: priority.id },
      op: 'update',
      before: { sort_key: priority.sort_key },
      after: { sort_key: sortKey },
      source: source(priority.id),
    });
  }

  // Matches of the loaded priorities (and none for a deleted one), by the seed's rules.
  const loaded = new Set(rows.map(({ p }) => p.id));
  derived.push(
    ...(await rematch(
      trx,
      schema,
      tree.filter((p) => loaded.has(p.id)),
      deleted,
      source,
    )),
  );
  return derived;
}

/**
 * Re-matches priorities to the national programmes by the seed's rules (matches.ts), from their
 * rows as loaded and their sub-points; a deleted priority keeps no match.
 */
async function rematch(
  trx: Kysely<unknown>,
  schema: string,
  priorities: readonly Pick<PriorityTable, 'id' | 'kind' | 'title' | 'summary'>[],
  deleted: readonly string[],
  source: (id: string) => { file: string; line: number },
): Promise<RowChange[]> {
  const t = (table: string) => sql.table(`${schema}.${table}`);
  const derived: RowChange[] = [];
  const ids = [...new Set([...priorities.map((p) => p.id), ...deleted])];
  if (!ids.length) return derived;
  const { rows: current } =
    await sql<PriorityProgrammeTable>`select priority_id, programme_code, rule, matched_text, matched_in
    from ${t('priority_programme')} where priority_id in (${sql.join(ids)})`.execute(trx);
  const { rows: points } = await sql<{ owner_id: string; text: string }>`select owner_id, text from ${t('sub_point')}
    where owner_id in (${sql.join(ids)}) order by owner_id, position`.execute(trx);
  const subPointsOf = new Map<string, string[]>();
  for (const point of points) subPointsOf.set(point.owner_id, [...(subPointsOf.get(point.owner_id) ?? []), point.text]);
  const wanted = matchPriorities(priorities, subPointsOf);
  // The rules name programmes the seed writes; a schema never seeded has none to match.
  const { rows: programmes } = await sql<{ code: string }>`select code from ${t('programme')}`.execute(trx);
  const known = new Set(programmes.map((p) => p.code));
  const unknown = wanted.filter((m) => !known.has(m.programme_code));
  if (unknown.length)
    throw new DataFileError(
      unknown.map((m) => ({
        ...source(m.priority_id),
        column: 'title',
        reason: `${m.priority_id} matches programme ${m.programme_code}, which the programme table lacks (is the subgraph seeded?)`,
      })),
    );
  const before = new Map(current.map((m) => [matchKey(m), m]));
  const after = new Map(wanted.map((m) => [matchKey(m), m]));
  for (const [key, old] of before) {
    const now = after.get(key);
    const id = { priority_id: old.priority_id, programme_code: old.programme_code };
    if (!now) {
      await sql`delete from ${t('priority_programme')}
        where priority_id = ${old.priority_id} and programme_code = ${old.programme_code}`.execute(trx);
      derived.push({
        table: 'priority_programme',
        key: id,
        op: 'delete',
        before: { ...old },
        after: null,
        source: source(old.priority_id),
      });
      continue;
    }
    const changed = (['rule', 'matched_text', 'matched_in'] as const).filter((c) => !sameValue(old[c], now[c]));
    if (!changed.length) continue;
    await sql`update ${t('priority_programme')} set rule = ${now.rule}, matched_text = ${now.matched_text},
      matched_in = ${now.matched_in} where priority_id = ${old.priority_id} and programme_code = ${old.programme_code}`.execute(
      trx,
    );
    derived.push({
      table: 'priority_programme',
      key: id,
      op: 'update',
      before: Object.fromEntries(changed.map((c) => [c, old[c]])),
      after: Object.fromEntries(changed.map((c) => [c, now[c]])),
      source: source(old.priority_id),
    });
  }
  for (const [key, now] of after) {
    if (before.has(key)) continue;
    await sql`insert into ${t('priority_programme')} (priority_id, programme_code, rule, matched_text, matched_in)
      values (${now.priority_id}, ${now.programme_code}, ${now.rule}, ${now.matched_text}, ${now.matched_in})`.execute(
      trx,
    );
    derived.push({
      table: 'priority_programme',
      key: { priority_id: now.priority_id, programme_code: now.programme_code },
      op: 'insert',
      before: null,
      after: { ...now },
      source: source(now.priority_id),
    });
  }
  return derived;
}

/**
 * `npm run load -- programmes priority <file>`: a file in lincolnshire-priorities.csv's format (the
 * Lincolnshire paper's priorities and the work streams under them, QJM), each row checked as the
 * seed checks it: title, section number and summary cited verbatim, parts that go together, a work
 * stream under a priority of the paper. One release writes the priorities, the tree's sort keys and
 * the programme matches (priority_programme). Priorities are known by their id (QJM.paper.5.2.1).
 */
export const priorityLoadable: LoadableTable<LoadedPriority> = {
  table: 'priority',
  row: LoadedPaperPriorityRow.transform((p, ctx) => {
    for (const { column, reason } of paperPriorityProblems(p))
      ctx.issues.push({ code: 'custom', path: [column], message: reason, input: p });
    return paperPriorityOf(p) as LoadedPriority;
  }),
  columns: Object.keys(PaperPriorityRow.shape),
  key: ['id'],
  citations: (row) =>
    paperPriorityCitations({
      line: row.source_line,
      title: row.title,
      section_number: row.section_number ?? null,
      summary_line: row.summary_line,
      summary_text: row.summary,
    }),
  // The paper is Lincolnshire's (QJM): the STP must still be one geography publishes.
  references: [{ column: 'stp_code', list: 'stp' }],
  // A replace makes the paper's tree hold the file: the tracker's focuses in the same table are focus files'.
  scope: sql`kind <> 'FOCUS'`,
  derives: ['priority_programme'],
  derive: derivePriorityRows,
};

let sections: Sections | null = null;
/** The tracker's STP sections, read from the subgraph's own data file once (reference data, not loaded). */
function trackerSections(): Sections {
  if (sections) return sections;
  const problems: DataProblem[] = [];
  const read = readSections(PROGRAMMES_DATA_DIR, problems);
  throwIfProblems(problems);
  sections = read;
  return read;
}

/** A tracker focus as a load writes it. */
export type LoadedFocus = ReturnType<typeof focusOf>;

/**
 * After the focuses are written: each STP touched still has focuses numbered 1, 2, 3... (the
 * seed's rule), a deleted focus leaves no sub-points behind, and the loaded focuses are re-matched
 * to the national programmes by the seed's rules (title and sub-points).
 */
async function deriveFocusRows(
  trx: Kysely<unknown>,
  changes: readonly RowChange[],
  { schema, file, records }: DeriveContext,
): Promise<readonly RowChange[]> {
  const t = (table: string) => sql.table(`${schema}.${table}`);
  const rows = records.map(({ value, line }) => ({ line, i: TrackerItemRow.parse(value) }));
  const lineOf = new Map(rows.map(({ i, line }) => [idOf(i), line]));
  const deleted = changes.filter((c) => c.table === 'priority' && c.op === 'delete').map((c) => String(c.key.id));
  const stps = [
    ...new Set(changes.map((c) => String((c.before ?? c.after)?.stp_code ?? String(c.key.id).split('.')[0]))),
  ];
  const { rows: focuses } = stps.length
    ? await sql<StoredPriority>`select id, stp_code, kind, parent_id, position, sort_key, title, summary
        from ${t('priority')} where kind = 'FOCUS' and stp_code in (${sql.join(stps)}) order by stp_code, sort_key`.execute(
        trx,
      )
    : { rows: [] };
  const problems: DataProblem[] = [];
  for (const stp of stps)
    if (!focuses.some((f) => f.stp_code === stp)) problems.push({ file, line: 1, reason: `${stp} has no focus` });
  contiguous(focuses, (f) => f.stp_code, file, problems);
  if (deleted.length) {
    const { rows: left } = await sql<{ owner: string; n: number }>`select owner_id as owner, count(*)::int as n
      from ${t('sub_point')} where owner_id in (${sql.join(deleted)}) group by owner_id`.execute(trx);
    for (const l of left)
      problems.push({
        file,
        line: changes.find((c) => c.op === 'delete' && c.key.id === l.owner)?.source?.line ?? 0,
        column: 'id',
        reason: `${l.owner} still has ${l.n} sub-points (${DATA_FILES.trackerItems}); a focus is deleted with them, by a reseed`,
      });
  }
  if (problems.length) throw new DataFileError(problems.sort((a, b) => a.line - b.line));
  const loaded = new Set(rows.map(({ i }) => idOf(i)));
  return rematch(
    trx,
    schema,
    focuses.filter((f) => loaded.has(f.id)),
    deleted,
    (id) => ({ file, line: lineOf.get(id) ?? 0 }),
  );
}

/**
 * A row of tracker-items.csv that loads as one kind of bullet: refused, in the seed's own checks'
 * words, when it is another list's bullet or a sub-point (which the seed writes), else made into
 * the table's row.
 */
function trackerBulletRow<Out>(list: TrackerItem['list'], wrongList: string, of: (item: TrackerItem) => Out) {
  return TrackerItemRow.transform((i, ctx) => {
    const problems = [
      ...(i.list === list ? [] : [{ column: 'list', reason: wrongList }]),
      ...(i.sub_position === 0
        ? []
        : [
            {
              column: 'sub_position',
              reason: "only the bullets themselves (sub_position 0) load; sub-points are the seed's",
            },
          ]),
      ...trackerItemProblems(i, trackerSections()),
    ];
    for (const { column, reason } of problems)
      ctx.issues.push({ code: 'custom', path: [column], message: reason, input: i });
    return of(i);
  });
}

/**
 * `npm run load -- programmes focus <file>`: the focus bullets of the tracker's STP sections (their
 * priorities), in tracker-items.csv's format, each row checked as the seed checks it: the text on its
 * line, the line inside its STP's section, the STP one geography publishes. Considerations and
 * sub-points are refused: they are other tables, which the seed writes. One release writes the
 * focuses (table priority, known by their id, e.g. QJM.focus.2) and their programme matches.
 */
export const focusLoadable: LoadableTable<LoadedFocus> = {
  table: 'priority',
  row: trackerBulletRow('FOCUS', "only FOCUS bullets load as priorities; considerations are the seed's", focusOf),
  columns: Object.keys(TrackerItemRow.shape),
  key: ['id'],
  // A replace makes the focuses hold the file: the paper's priorities in the same table are priority files'.
  scope: sql`kind = 'FOCUS'`,
  citations: (row) => [{ column: 'text', citation: cite(TRACKER, row.source_line, row.source_text) }],
  derives: ['priority_programme'],
  derive: deriveFocusRows,
};

/**
 * After rows under the paper's priorities are written (its points, its stated outcomes): each
 * row's priority is one of the paper's (a Lincolnshire priority or work stream) in the table, as
 * the seed requires of lincolnshire-priorities.csv's ids. Writes nothing.
 */
function checkPaperOwners(table: 'sub_point' | 'stated_outcome', column: 'owner_id' | 'priority_id') {
  return async (
    trx: Kysely<unknown>,
    changes: readonly RowChange[],
    { schema, file }: DeriveContext,
  ): Promise<readonly RowChange[]> => {
    const written = changes.filter((c) => c.table === table && c.op !== 'delete');
    if (written.length === 0) return [];
    const owners = [...new Set(written.map((c) => String(c.key[column])))];
    const { rows } = await sql<{ id: string; kind: string }>`select id, kind from ${sql.table(`${schema}.priority`)}
      where id in (${sql.join(owners)})`.execute(trx);
    const paper = new Set(rows.filter((r) => r.kind !== 'FOCUS').map((r) => r.id));
    const problems: DataProblem[] = written
      .filter((c) => !paper.has(String(c.key[column])))
      .map((c) => ({
        file,
        line: c.source?.line ?? 0,
        // The file's column: lincolnshire-points.csv and lincolnshire-outcomes.csv both call it priority_id.
        column: 'priority_id',
        reason: `${String(c.key[column])} is not a priority or work stream of the paper (${DATA_FILES.paperPriorities} or its loads)`,
      }));
    if (problems.length) throw new DataFileError(problems.sort((a, b) => a.line - b.line));
    return [];
  };
}

/** A load reads an empty flag cell as missing (null) where the seed's reader gives ''. */
const LoadedOutcomeRow = z.preprocess(
  (value) =>
    value !== null && typeof value === 'object'
      ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, v === null && k.startsWith('flag_') ? '' : v]))
      : value,
  OutcomeRow,
);

/**
 * `npm run load -- programmes stated_outcome <file>`: the results and targets the Lincolnshire
 * paper states, in lincolnshire-outcomes.csv's format, each row checked as the seed checks it: the
 * words on the cited line of the paper, a value among the numbers they state, a flag with its
 * explanation; known by priority and position, the priority one of the paper's.
 */
export const statedOutcomeLoadable: LoadableTable<Required<NewStatedOutcome>> = {
  table: 'stated_outcome',
  row: LoadedOutcomeRow.transform((o, ctx) => {
    for (const { column, reason } of outcomeProblems(o))
      ctx.issues.push({ code: 'custom', path: [column], message: reason, input: o });
    return outcomeOf(o);
  }),
  columns: Object.keys(OutcomeRow.shape),
  key: ['priority_id', 'position'],
  references: [],
  citations: (row) => [
    {
      column: 'text',
      citation: cite(LINCOLNSHIRE_PAPER, row.source_line, row.text),
      states: ['value', 'unit', 'kind', 'source_line'],
    },
  ],
  derive: checkPaperOwners('stated_outcome', 'priority_id'),
};

/**
 * `npm run load -- programmes sub_point <file>`: the bullet points under the paper's priorities, in
 * lincolnshire-points.csv's format (priority_id, position, line, text: verbatim on that line of the
 * paper), known by priority and position, the priority one of the paper's. (A tracker focus's
 * sub-points are the seed's: they decide the focus's programme matches.)
 */
export const paperPointLoadable: LoadableTable<Required<NewSubPoint>> = {
  table: 'sub_point',
  row: PaperPointRow.transform(paperPointOf),
  columns: Object.keys(PaperPointRow.shape),
  key: ['owner_id', 'position'],
  // A replace makes the paper's points hold the file: the tracker's sub-points in the same table are the seed's.
  scope: sql`source_document = ${LINCOLNSHIRE_PAPER}`,
  references: [],
  citations: (row) => [{ column: 'text', citation: cite(row.source_document, row.source_line, row.text) }],
  derive: checkPaperOwners('sub_point', 'owner_id'),
};

/**
 * After the considerations are written: each STP touched still has them numbered 1, 2, 3... (the
 * seed's rule), and a deleted one leaves no sub-points behind. Writes nothing.
 */
async function checkConsiderations(
  trx: Kysely<unknown>,
  changes: readonly RowChange[],
  { schema, file }: DeriveContext,
): Promise<readonly RowChange[]> {
  const own = changes.filter((c) => c.table === 'consideration');
  if (own.length === 0) return [];
  const t = (table: string) => sql.table(`${schema}.${table}`);
  const stps = [...new Set(own.map((c) => String((c.before ?? c.after)?.stp_code ?? String(c.key.id).split('.')[0])))];
  const { rows: considerations } = await sql<{ stp_code: string; position: number }>`select stp_code, position
    from ${t('consideration')} where stp_code in (${sql.join(stps)}) order by stp_code, position`.execute(trx);
  const problems: DataProblem[] = [];
  contiguous(considerations, (c) => c.stp_code, file, problems);
  const deleted = own.filter((c) => c.op === 'delete').map((c) => String(c.key.id));
  if (deleted.length) {
    const { rows: left } = await sql<{ owner: string; n: number }>`select owner_id as owner, count(*)::int as n
      from ${t('sub_point')} where owner_id in (${sql.join(deleted)}) group by owner_id`.execute(trx);
    for (const l of left)
      problems.push({
        file,
        line: own.find((c) => c.op === 'delete' && c.key.id === l.owner)?.source?.line ?? 0,
        column: 'id',
        reason: `${l.owner} still has ${l.n} sub-points (${DATA_FILES.trackerItems}); a consideration is deleted with them, by a reseed`,
      });
  }
  if (problems.length) throw new DataFileError(problems.sort((a, b) => a.line - b.line));
  return [];
}

/**
 * `npm run load -- programmes consideration <file>`: the "Relevant considerations" bullets of the
 * tracker's STP sections, in tracker-items.csv's format, each row checked as the seed checks it:
 * the text on its line, the line inside its STP's section, the STP one geography publishes; after
 * the write each STP's considerations run 1, 2, 3.... Focuses and sub-points are refused: focus
 * files load the one, the seed writes the other. Known by their id (QU9.consideration.2).
 */
export const considerationLoadable: LoadableTable<Required<NewConsideration>> = {
  table: 'consideration',
  row: trackerBulletRow(
    'CONSIDERATION',
    'only CONSIDERATION bullets load as considerations; focuses load as focus',
    considerationOf,
  ),
  columns: Object.keys(TrackerItemRow.shape),
  key: ['id'],
  citations: (row) => [{ column: 'text', citation: cite(TRACKER, row.source_line, row.text) }],
  derive: checkConsiderations,
};

/**
 * After programmes or the lines naming them are written: every programme touched is one the table
 * holds with a line naming it (the seed's rule), positions are each one programme's, and a programme
 * deleted is named by no rule (rules.ts), no line and no priority's match. Writes nothing.
 */
async function checkProgrammes(
  trx: Kysely<unknown>,
  changes: readonly RowChange[],
  { schema, file }: DeriveContext,
): Promise<readonly RowChange[]> {
  const own = changes.filter((c) => c.table === 'programme' || c.table === 'programme_source');
  if (own.length === 0) return [];
  const t = (table: string) => sql.table(`${schema}.${table}`);
  const codeOf = (c: RowChange) => String(c.table === 'programme' ? c.key.code : c.key.programme_code);
  const codes = [...new Set(own.map(codeOf))];
  const { rows: programmes } = await sql<{ code: string; position: number }>`select code, position
    from ${t('programme')} order by position`.execute(trx);
  const { rows: named } = await sql<{ programme_code: string; n: number }>`select programme_code, count(*)::int as n
    from ${t('programme_source')} where programme_code in (${sql.join(codes)}) group by programme_code`.execute(trx);
  const { rows: matched } = await sql<{ programme_code: string; n: number }>`select programme_code, count(*)::int as n
    from ${t('priority_programme')} where programme_code in (${sql.join(codes)}) group by programme_code`.execute(trx);
  const lineOf = (code: string) => own.find((c) => codeOf(c) === code)?.source?.line ?? 0;
  const problems: DataProblem[] = [];
  for (const code of codes) {
    const line = lineOf(code);
    const change = own.find((c) => codeOf(c) === code);
    // The file's own name for the programme's code.
    const column = change?.table === 'programme' ? 'code' : 'programme_code';
    const lines = named.find((n) => n.programme_code === code)?.n ?? 0;
    if (programmes.some((p) => p.code === code)) {
      if (lines === 0)
        problems.push({
          file,
          line,
          column,
          reason: `programme ${code} would have no line of ${DATA_FILES.programmeSources} naming it${change?.table === 'programme' && change.op === 'insert' ? ' (a new programme comes with its lines in data/, by a reseed)' : ''}`,
        });
      continue;
    }
    const deletedHere = own.some((c) => c.table === 'programme' && c.op === 'delete' && codeOf(c) === code);
    if (!deletedHere) {
      problems.push({
        file,
        line,
        column,
        reason: `no programme ${code} (${DATA_FILES.programmes} or its loads)`,
      });
      continue;
    }
    if (PROGRAMME_RULES.some((r) => r.programme === code))
      problems.push({
        file,
        line,
        column: 'code',
        reason: `programme ${code} is named by a rule (src/domain/rules.ts)`,
      });
    if (lines)
      problems.push({
        file,
        line,
        column: 'code',
        reason: `programme ${code} is still named on ${lines} line(s) of ${DATA_FILES.programmeSources}`,
      });
    const matches = matched.find((m) => m.programme_code === code)?.n ?? 0;
    if (matches)
      problems.push({
        file,
        line,
        column: 'code',
        reason: `programme ${code} is still matched by ${matches} priorities`,
      });
  }
  const byPosition = new Map<number, string[]>();
  for (const p of programmes) byPosition.set(p.position, [...(byPosition.get(p.position) ?? []), p.code]);
  for (const [position, shared] of byPosition)
    if (shared.length > 1 && shared.some((code) => codes.includes(code)))
      problems.push({
        file,
        line: lineOf(shared.find((code) => codes.includes(code)) ?? ''),
        column: 'position',
        reason: `position ${position} would be programmes ${shared.join(' and ')}'s; each programme has a place of its own`,
      });
  if (problems.length) throw new DataFileError(problems.sort((a, b) => a.line - b.line));
  return [];
}

/**
 * `npm run load -- programmes programme <file>`: the national programmes in programmes.csv's format
 * (code, position, name, description), known by code. After the write every programme touched
 * has a line naming it, each position is one programme's, and a programme deleted is named by no
 * rule, line or match. (A new programme needs its lines in the same release: add both to data/.)
 */
export const programmeLoadable: LoadableTable<Required<NewProgramme>> = {
  table: 'programme',
  row: ProgrammeRow,
  columns: Object.keys(ProgrammeRow.shape),
  key: ['code'],
  references: [],
  derive: checkProgrammes,
};

/**
 * `npm run load -- programmes programme_source <file>`: the lines naming each programme, in
 * programme-sources.csv's format (programme_code, position, document, line, text: verbatim on that
 * line of a seed), known by programme and position. After the write the programme must be one the
 * table holds, and still named on a line.
 */
export const programmeSourceLoadable: LoadableTable<Required<NewProgrammeSource>> = {
  table: 'programme_source',
  row: ProgrammeSourceRow.transform((s) => ({
    programme_code: s.programme_code,
    position: s.position,
    source_document: s.document,
    source_line: s.line,
    source_text: s.text,
  })),
  columns: Object.keys(ProgrammeSourceRow.shape),
  key: ['programme_code', 'position'],
  references: [],
  citations: (row) => [{ column: 'text', citation: cite(row.source_document, row.source_line, row.source_text) }],
  derive: checkProgrammes,
};
