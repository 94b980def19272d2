import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql, type Kysely } from 'kysely';

/**
 * The ceiling the gateway is measured against: one process answering the same questions with
 * hand-written SQL on the same database, serialising JSON of the same shape. No GraphQL at all.
 */
export async function startMonolith(db: Kysely<unknown>, schemas: { geography: string }): Promise<{ url: string; close(): Promise<void> }> {
  const g = sql.id(schemas.geography);
  const today = new Date().toISOString().slice(0, 10);
  const allStps = async (limit: number, offset: number) => {
    const { rows } = await sql<{ code: string; name: string; population: number | null; region_code: string | null; region_name: string | null; total: number }>`
      select s.code, s.name, s.population, r.code as region_code, r.name as region_name, count(*) over () as total
      from ${g}.stp s
      left join ${g}.stp_region_membership m on m.stp_code = s.code
        and (m.valid_from is null or m.valid_from <= coalesce(s.valid_to, ${today}::date))
        and (m.valid_to is null or m.valid_to >= coalesce(s.valid_to, ${today}::date))
      left join ${g}.region r on r.code = m.region_code
      order by s.name, s.code limit ${limit} offset ${offset}`.execute(db);
    return {
      data: {
        stps: {
          totalCount: Number(rows[0]?.total ?? 0),
          nodes: rows.map((r) => ({ code: r.code, name: r.name, population: r.population, region: r.region_code ? { code: r.region_code, name: r.region_name } : null })),
        },
      },
    };
  };
  const oneStp = async (code: string, asOf: string) => {
    const { rows } = await sql<Record<string, unknown>>`
      select s.code, s.ons_code, s.name, s.official_name, s.population, s.population_line, s.population_text,
        (select case when bool_or(i.wave = 'FIRST_WAVE') then 'FIRST_WAVE' when bool_or(i.wave = 'SECOND_WAVE') then 'SECOND_WAVE' else 'NONE' end
           from ${g}.ics_designation i where i.stp_code = s.code) as ics_status,
        (select json_build_object('code', r.code, 'name', r.name) from ${g}.stp_region_membership m join ${g}.region r on r.code = m.region_code
           where m.stp_code = s.code and (m.valid_from is null or m.valid_from <= coalesce(s.valid_to, ${today}::date))
           and (m.valid_to is null or m.valid_to >= coalesce(s.valid_to, ${today}::date)) limit 1) as region,
        (select json_build_object('code', r.code, 'name', r.name) from ${g}.stp_region_membership m join ${g}.region r on r.code = m.region_code
           where m.stp_code = s.code and (m.valid_from is null or m.valid_from <= ${asOf}::date)
           and (m.valid_to is null or m.valid_to >= ${asOf}::date) limit 1) as region_on_date
      from ${g}.stp s where s.code = ${code}`.execute(db);
    const s = rows[0];
    if (!s) return { data: { stp: null }, errors: [{ message: 'not found' }] };
    return {
      data: {
        stp: {
          code: s.code,
          onsCode: s.ons_code,
          name: s.name,
          officialName: s.official_name,
          population: s.population,
          populationSource: { document: { file: 'seeds/002_5ca6f18803646174.txt', title: 'STPs tracker' }, line: s.population_line, text: s.population_text },
          icsStatus: s.ics_status,
          region: s.region,
          regionOnDate: s.region_on_date,
        },
      },
    };
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { operationName?: string; variables?: Record<string, unknown> };
        const v = body.variables ?? {};
        const result =
          body.operationName === 'StpOverview'
            ? await oneStp(String(v.code), String(v.asOf ?? '2018-06-01'))
            : await allStps(Number(v.first ?? 200), Number(v.offset ?? 0));
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(result));
      } catch (error) {
        res.statusCode = 500;
        res.end(JSON.stringify({ errors: [{ message: (error as Error).message }] }));
      }
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
