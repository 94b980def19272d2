import { sql, type Kysely } from 'kysely';

/**
 * SYNTHETIC data for scale tests only: copies every STP of a geography schema (and its region
 * memberships and ICS rows) `factor - 1` times under codes like `QJM~007`, names prefixed
 * "SYNTHETIC". It runs only on a throw-away benchmark schema, never on the real data.
 */
export async function multiplyGeography(db: Kysely<unknown>, schema: string, factor: number): Promise<number> {
  const s = sql.id(schema);
  await sql`
    insert into ${s}.stp (code, ons_code, name, official_name, official_source_document, official_source_line, official_source_text,
      tracker_heading_line, tracker_heading_text, tracker_match_note, population, population_line, population_text,
      valid_from, valid_from_stated, valid_to, valid_to_stated, successor_code)
    select code || '~' || lpad(n::text, 3, '0'), ons_code || '~' || lpad(n::text, 3, '0'), 'SYNTHETIC ' || n || ': ' || name, official_name,
      official_source_document, official_source_line, official_source_text, tracker_heading_line, tracker_heading_text,
      'SYNTHETIC copy for benchmarks', population, population_line, population_text, valid_from, valid_from_stated, valid_to, valid_to_stated, null
    from ${s}.stp, generate_series(1, ${factor - 1}) n`.execute(db);
  await sql`
    insert into ${s}.stp_region_membership (stp_code, region_code, valid_from, valid_to, basis, explanation, source_document, source_line, source_text)
    select stp_code || '~' || lpad(n::text, 3, '0'), region_code, valid_from, valid_to, basis, explanation, source_document, source_line, source_text
    from ${s}.stp_region_membership, generate_series(1, ${factor - 1}) n where stp_code not like '%~%'`.execute(db);
  await sql`
    insert into ${s}.ics_designation (stp_code, ics_name, wave, covers_whole_stp, list_line, list_text, wave_line, wave_text)
    select stp_code || '~' || lpad(n::text, 3, '0'), ics_name, wave, covers_whole_stp, list_line, list_text, wave_line, wave_text
    from ${s}.ics_designation, generate_series(1, ${factor - 1}) n where stp_code not like '%~%'`.execute(db);
  await sql`analyze ${s}.stp`.execute(db);
  await sql`analyze ${s}.stp_region_membership`.execute(db);
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${s}.stp`.execute(db);
  return rows[0]?.n ?? 0;
}

const copyCode = (column: string, n = 'n') => sql.raw(`${column} || '~' || lpad(${n}::text, 3, '0')`);

/** SYNTHETIC: the priorities (and their programme matches) of every STP, copied onto the STP copies. */
export async function multiplyProgrammes(db: Kysely<unknown>, schema: string, factor: number): Promise<void> {
  const s = sql.id(schema);
  const columns = sql.raw(
    'kind, position, sort_key, section_number, title, summary, summary_line, source_document, source_line, source_text, flag_code, flag_explanation',
  );
  // Parents before work streams: work streams reference their parent's copy.
  for (const parents of [true, false]) {
    await sql`
      insert into ${s}.priority (id, stp_code, parent_id, ${columns})
      select ${copyCode('id')}, ${copyCode('stp_code')}, case when parent_id is null then null else ${copyCode('parent_id')} end, ${columns}
      from ${s}.priority, generate_series(1, ${factor - 1}) n
      where id not like '%~%' and (parent_id is null) = ${parents}`.execute(db);
  }
  await sql`
    insert into ${s}.priority_programme (priority_id, programme_code, rule, matched_text, matched_in)
    select ${copyCode('priority_id')}, programme_code, rule, matched_text, matched_in
    from ${s}.priority_programme, generate_series(1, ${factor - 1}) n where priority_id not like '%~%'`.execute(db);
  await sql`analyze ${s}.priority`.execute(db);
  await sql`analyze ${s}.priority_programme`.execute(db);
}

/** SYNTHETIC: every STP's figure set and financial facts, copied onto the STP copies. */
export async function multiplyFinance(db: Kysely<unknown>, schema: string, factor: number): Promise<void> {
  const s = sql.id(schema);
  const gap = sql.raw(
    'tracker_name, heading_line, heading_text, horizon, healthcare_gbp_m, social_care_gbp_m, combined_gbp_m, proposed_savings_gbp_m, capital_required_gbp_m, flags, checks',
  );
  await sql`
    insert into ${s}.stp_finance (stp_code, ${gap})
    select ${copyCode('stp_code')}, ${gap} from ${s}.stp_finance, generate_series(1, ${factor - 1}) n where stp_code not like '%~%'`.execute(
    db,
  );
  const fact = sql.raw(
    'kind, figure_number, part, amount_gbp_m, amount_as_stated, source_document, source_line, source_text, flags, derived_flags',
  );
  await sql`
    insert into ${s}.financial_fact (stp_code, ${fact})
    select ${copyCode('stp_code')}, ${fact} from ${s}.financial_fact, generate_series(1, ${factor - 1}) n where stp_code not like '%~%'`.execute(
    db,
  );
  await sql`analyze ${s}.stp_finance`.execute(db);
  await sql`analyze ${s}.financial_fact`.execute(db);
}
