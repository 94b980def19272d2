import type DataLoader from 'dataloader';
import type { Kysely } from 'kysely';
import { defineLoader } from './loaders.js';
import { figureHistories, type HistoryEntry, stableJson } from './releases.js';

/**
 * A `history` field's loader for one column of one table: every row a request asks about is read
 * in one statement (figureHistories), keyed by the row's key as its releases record it. One loader
 * per figure, so a query asking three figures' histories costs three statements, whatever the rows.
 */
export function historyLoader<DB>(
  table: string,
  column: string,
): (ctx: { readonly db: Kysely<DB> }) => DataLoader<Readonly<Record<string, unknown>>, HistoryEntry[], string> {
  return defineLoader<{ readonly db: Kysely<DB> }, Readonly<Record<string, unknown>>, HistoryEntry[], string>(
    (keys, ctx) => figureHistories(ctx.db, table, column, keys),
    { cacheKeyFn: stableJson },
  );
}

/** A history entry's value as the graph gives it: text, as Decimal and Date are (null once deleted or emptied). */
export function historyValue(entry: HistoryEntry): string | null {
  const { value } = entry;
  if (value === null || value === undefined) return null;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
