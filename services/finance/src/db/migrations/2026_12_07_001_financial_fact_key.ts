import { type Kysely, sql } from 'kysely';

/**
 * Financial facts become loadable (`npm run load -- finance financial_fact <file>`), which needs:
 * - a natural key, so a corrected figure updates its row and the row's history runs unbroken across
 *   seeds and loads: (stp_code, kind, figure_number), figure_number being 1 unless an STP states
 *   more than one figure of a kind (QT1's transition funding for 2017/18 and for 2018/19);
 * - the part of a split amount ("£85/£97M"), so the precision a figure is stated to can be read
 *   again from the row when the STP's gap is re-derived after a load;
 * - the flags derived across facts (DUPLICATED_FIGURE) apart from the row's own, so loading a
 *   row that is already held changes nothing.
 */
// Written against Kysely<any> so it stays frozen in time whatever the table types become.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('financial_fact')
    .addColumn('figure_number', 'smallint', (c) => c.notNull().defaultTo(1))
    .addColumn('part', 'smallint')
    .addColumn('derived_flags', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .execute();
  // Rows seeded before: numbered in the order the seed wrote them (the data file's order). The
  // builder, not raw SQL, so the subgraph's schema qualifies the tables.
  await db
    .updateTable('financial_fact as f')
    .set((eb) => ({
      figure_number: eb
        .selectFrom('financial_fact as g')
        .select((g) => g.fn.countAll().as('n'))
        .whereRef('g.stp_code', '=', 'f.stp_code')
        .whereRef('g.kind', '=', 'f.kind')
        .whereRef('g.id', '<=', 'f.id'),
    }))
    .execute();
  await db.schema
    .createIndex('financial_fact_figure')
    .on('financial_fact')
    .columns(['stp_code', 'kind', 'figure_number'])
    .unique()
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('financial_fact_figure').execute();
  await db.schema
    .alterTable('financial_fact')
    .dropColumn('figure_number')
    .dropColumn('part')
    .dropColumn('derived_flags')
    .execute();
}
