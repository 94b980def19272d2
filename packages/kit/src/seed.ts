import type { Insertable, Kysely } from 'kysely';
import type { SeedReport } from './subgraph-runtime.js';

/** One table of a subgraph and every row it should hold after the seed. */
export type TableRows<DB> = {
  [T in keyof DB & string]: readonly [table: T, rows: readonly Insertable<DB[T]>[]];
}[keyof DB & string];

/**
 * Postgres refuses a statement with more than 65,535 bind parameters; a seed's widest table has
 * about 20 columns, so this keeps every insert well below the limit while staying few statements.
 */
const MAX_PARAMETERS = 30_000;

/**
 * Replaces the rows of a subgraph's tables in one transaction: every table is emptied (last listed
 * first, so rows referring to others go before the rows they refer to), then filled in the order
 * listed, in chunks. If any statement fails the transaction rolls back and the previous rows stay:
 * a reader never sees a half-loaded subgraph. Rows arrive validated (the ETL throws a
 * DataFileError naming file:line first); a table referring to itself needs its rows ordered so that
 * a referenced row comes in an earlier or the same chunk.
 */
export async function replaceTables<DB>(db: Kysely<DB>, tables: readonly TableRows<DB>[]): Promise<SeedReport> {
  // The table names come from the typed tuples above; only the statements below are untyped.
  const untyped = db as unknown as Kysely<Record<string, Record<string, unknown>>>;
  const names = tables.map(([table]) => table);
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  if (repeated) throw new Error(`replaceTables: table ${repeated} is listed twice`);
  await untyped.transaction().execute(async (trx) => {
    for (const table of [...names].reverse()) await trx.deleteFrom(table).execute();
    for (const [table, rows] of tables) {
      const all = rows as readonly Record<string, unknown>[];
      const columns = Math.max(1, ...all.slice(0, 1).map((row) => Object.keys(row).length));
      const size = Math.max(1, Math.floor(MAX_PARAMETERS / columns));
      for (let start = 0; start < all.length; start += size) {
        await trx
          .insertInto(table)
          .values(all.slice(start, start + size))
          .execute();
      }
    }
  });
  return Object.fromEntries(tables.map(([table, rows]) => [table, rows.length]));
}
