import { type CreateTableBuilder, sql } from 'kysely';

export interface CitationColumnsOptions {
  /**
   * `source` (the default) gives `source_document`, `source_line`, `source_text`; `ods_source` gives
   * `ods_source_document`...; `''` gives plain `document`, `line`, `text`: what citationOf(row, prefix) reads.
   */
  readonly prefix?: string;
  /**
   * Nullable, for a figure that may have no citation (an organisation without an ODS code); a check
   * then refuses a row holding part of one. Otherwise every column is NOT NULL.
   */
  readonly optional?: boolean;
  /** false where every row cites one document the code names: read with citationOf(row, prefix, DOCUMENT). */
  readonly document?: boolean;
  /** false where another column of the row is the verbatim text (the scaffold's `statement`). */
  readonly text?: boolean;
}

type Column<P extends string, Name extends string> = P extends '' ? Name : `${P}_${Name}`;

/**
 * The columns a cited figure carries (document, 1-based line, verbatim text), for NEW migrations:
 *
 *   await db.schema
 *     .createTable('estates_fact')
 *     .addColumn('id', 'text', (c) => c.primaryKey())
 *     .addColumn('value', 'numeric')
 *     .$call(citationColumns())                                        // source_document, source_line, source_text
 *     .$call(citationColumns({ prefix: 'ods_source', optional: true })) // a second, optional citation
 *     .execute();
 *
 * Besides saving the three lines each table wrote by hand, it adds what those did not check: a line
 * number is 1 or more, and an optional citation is whole or absent.
 *
 * The migrations written before it (2026-11-22 to 2026-11-24) keep their hand-written columns: a
 * migration is frozen in time, and rewriting one would change what a schema that already ran it
 * is said to hold. The same holds for this function: a migration that calls it runs it again on
 * every new database, so what a call produces must never change. A new need is a new option whose
 * default keeps today's output, or a new function.
 */
export function citationColumns<const P extends string = 'source'>(
  options: CitationColumnsOptions & { readonly prefix?: P } = {},
): <TB extends string, C extends string>(
  table: CreateTableBuilder<TB, C>,
) => CreateTableBuilder<TB, C | Column<P, 'document'> | Column<P, 'line'> | Column<P, 'text'>> {
  const prefix = options.prefix ?? 'source';
  const name = (part: string) => (prefix === '' ? part : `${prefix}_${part}`);
  const parts = [
    ...(options.document === false ? [] : [{ column: name('document'), type: 'text' as const }]),
    { column: name('line'), type: 'integer' as const },
    ...(options.text === false ? [] : [{ column: name('text'), type: 'text' as const }]),
  ];
  return <TB extends string, C extends string>(table: CreateTableBuilder<TB, C>) => {
    let built = table as CreateTableBuilder<TB, string>;
    for (const { column, type } of parts) {
      built = built.addColumn(column, type, (c) => {
        const checked = column === name('line') ? c.check(sql`${sql.ref(column)} >= 1`) : c;
        return options.optional ? checked : checked.notNull();
      });
    }
    if (options.optional) {
      const refs = parts.map(({ column }) => sql.ref(column));
      built = built.addCheckConstraint(
        `${name('citation')}_whole`,
        sql`num_nulls(${sql.join(refs)}) in (0, ${sql.lit(parts.length)})`,
      );
    }
    return built as CreateTableBuilder<TB, C | Column<P, 'document'> | Column<P, 'line'> | Column<P, 'text'>>;
  };
}
