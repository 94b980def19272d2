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
