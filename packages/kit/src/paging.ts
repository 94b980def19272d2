import type { ArgBuilder, OutputRef } from '@pothos/core';
import { type SelectQueryBuilder, sql } from 'kysely';
import type { HubBuilder, HubTypes } from './builder.js';
import { badInput } from './platform/errors.js';

/** Offset paging for every list query of the graph: the same defaults, limit and refusals everywhere. */
export const PAGE_SIZE = { default: 50, max: 200 } as const;

/** One page as resolvers return it; `offset` is kept to tell whether another page follows. */
export interface Page<T> {
  readonly nodes: readonly T[];
  readonly totalCount: number;
  readonly offset: number;
}

/** The rows a page covers, as repositories take them (SQL LIMIT and OFFSET). */
export interface PageWindow {
  readonly limit: number;
  readonly offset: number;
}

/** One page of rows as a repository reads it, with the number of rows matching in all. */
export interface CountedRows<T> {
  rows: T[];
  totalCount: number;
}

/**
 * The total of matching rows on every row of a page (count(*) over ()): selected beside a page's
 * columns, it brings the total in the page's own statement instead of a second one.
 */
export const TOTAL_COUNT = sql<number>`count(*) over ()`.as('total_count');

/**
 * A page read with TOTAL_COUNT, without that column, and its total. The window count rides on the
 * page's rows, so a page with none (asked past the end, or with first: 0) cannot carry it: only then
 * is `countAll` asked, one statement more. An empty first page with room for rows needs no count:
 * nothing matched.
 */
export async function withTotalCount<R extends { total_count: number }>(
  rows: readonly R[],
  window: PageWindow,
  countAll: () => Promise<number>,
): Promise<CountedRows<Omit<R, 'total_count'>>> {
  let totalCount = rows[0]?.total_count;
  if (totalCount === undefined && (window.offset > 0 || window.limit === 0)) totalCount = await countAll();
  return { rows: rows.map(({ total_count: _, ...row }) => row), totalCount: Number(totalCount ?? 0) };
}

/** How many rows `query` matches, whatever it selects: withTotalCount's `countAll` for a page read from it. */
export async function countRows<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>): Promise<number> {
  const counted = await query
    .clearSelect()
    .select((eb) => eb.fn.countAll<number>().as('n'))
    // Kysely cannot resolve a selection's result type over a generic DB; this one is known.
    .$castTo<{ n: number }>()
    .executeTakeFirst();
  return Number(counted?.n ?? 0);
}

/**
 * Validates a query's `first` and `offset` (null or absent: the defaults). Both are checked here
 * rather than in the schema so a bad value answers BAD_USER_INPUT naming the argument, as every
 * other input refusal of the hub does.
 */
export function pageWindow(first: number | null | undefined, offset: number | null | undefined): PageWindow {
  const limit = first ?? PAGE_SIZE.default;
  const skip = offset ?? 0;
  if (limit < 0 || limit > PAGE_SIZE.max)
    throw badInput(`first must be between 0 and ${PAGE_SIZE.max}; got ${limit}`, 'first');
  if (skip < 0) throw badInput(`offset must not be negative; got ${skip}`, 'offset');
  return { limit, offset: skip };
}

/** The `first` and `offset` arguments of a paged query; spread last into its `args`. */
export function pageArgs<DB>(arg: ArgBuilder<HubTypes<DB>>) {
  return {
    first: arg.int({ required: false, defaultValue: PAGE_SIZE.default }),
    offset: arg.int({ required: false, defaultValue: 0 }),
  };
}

/**
 * The `@listSize` of a paged field: its page holds at most `first` nodes, so the gateway's demand
 * control multiplies what each node asks for by `first` (the default 50 when absent).
 */
export const pagedListSize = { slicingArguments: ['first'], sizedFields: ['nodes'], requireOneSlicingArgument: false };

/**
 * Declares `<name> { nodes: [Item!]!, totalCount: Int!, hasNextPage: Boolean! }`, the page type of
 * every paged query.
 */
export function pageOf<DB, T>(builder: HubBuilder<DB>, name: string, item: OutputRef<T>) {
  return builder.objectRef<Page<T>>(name).implement({
    fields: (t) => ({
      // Sized by the paged field's `first` (pagedListSize on it), not here.
      nodes: t.field({ type: [item], resolve: (page) => page.nodes }),
      totalCount: t.exposeInt('totalCount'),
      hasNextPage: t.boolean({ resolve: (page) => page.offset + page.nodes.length < page.totalCount }),
    }),
  });
}
