import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { printSchema, Supergraph } from '@apollo/federation-internals';
import { buildSchema, type DocumentNode, execute, type GraphQLFieldResolver, parse, validate } from 'graphql';
import { sql, type Kysely } from 'kysely';
import { SOURCE } from '@nhs-hub/kit/subgraph';
import { SUPERGRAPH_PATH } from '../gateway/src/config.js';

export interface MonolithSchemas {
  geography: string;
  organisations: string;
  programmes: string;
  finance: string;
}

const { TRACKER } = SOURCE;

/**
 * The ceiling the gateway is measured against: ONE GraphQL server, in one process, over the same
 * API schema and the same database, whose resolvers are hand-written SQL that fetches an STP's
 * whole answer (region, leads with organisations, priorities with programmes, gap with flags and
 * sources) in one statement.
 * It is what a team would build without federation; the gateway's cost is measured against it.
 */
export async function startMonolith(
  db: Kysely<unknown>,
  schemas: MonolithSchemas,
): Promise<{ url: string; close(): Promise<void> }> {
  const g = sql.id(schemas.geography);
  const p = sql.id(schemas.programmes);
  const o = sql.id(schemas.organisations);
  const f = sql.id(schemas.finance);
  const today = new Date().toISOString().slice(0, 10);

  const stpRows = async (where: ReturnType<typeof sql>, asOf: string, page: { limit: number; offset: number }) => {
    const { rows } = await sql<Record<string, unknown>>`
      select s.code, s.ons_code as "onsCode", s.name, s.official_name as "officialName", s.population,
        case when s.population_line is null then null else json_build_object(
          'document', json_build_object('file', ${TRACKER}::text, 'title', 'STPs tracker'), 'line', s.population_line, 'text', s.population_text) end as "populationSource",
        (select case when bool_or(i.wave = 'FIRST_WAVE') then 'FIRST_WAVE' when bool_or(i.wave = 'SECOND_WAVE') then 'SECOND_WAVE' else 'NONE' end
           from ${g}.ics_designation i where i.stp_code = s.code) as "icsStatus",
        (select json_build_object('code', r.code, 'name', r.name) from ${g}.stp_region_membership m join ${g}.region r on r.code = m.region_code
           where m.stp_code = s.code and (m.valid_from is null or m.valid_from <= coalesce(s.valid_to, ${today}::date))
           and (m.valid_to is null or m.valid_to >= coalesce(s.valid_to, ${today}::date)) limit 1) as region,
        (select json_build_object('code', r.code, 'name', r.name) from ${g}.stp_region_membership m join ${g}.region r on r.code = m.region_code
           where m.stp_code = s.code and (m.valid_from is null or m.valid_from <= ${asOf}::date)
           and (m.valid_to is null or m.valid_to >= ${asOf}::date) limit 1) as "regionOnDate",
        coalesce((select json_agg(json_build_object('name', pe.name, 'role', r.title,
            'organisation', (select case when count(*) = 1 then json_build_object('id', max(og.id), 'name', max(og.name), 'kind', max(og.kind)) end
              from ${o}.role_organisation ro join ${o}.organisation og on og.id = ro.organisation_id where ro.role_id = r.id),
            'source', json_build_object('line', r.source_line, 'text', r.source_text), 'flags', r.flags) order by r.position)
          from ${o}.role r join ${o}.person pe on pe.id = r.person_id where r.stp_code = s.code and r.kind = 'STP_LEAD'), '[]'::json) as leads,
        coalesce((select json_agg(json_build_object('id', pr.id, 'title', pr.title, 'programmes', coalesce(
            (select json_agg(json_build_object('code', pg.code, 'name', pg.name) order by pg.position)
             from ${p}.priority_programme pp join ${p}.programme pg on pg.code = pp.programme_code where pp.priority_id = pr.id), '[]'::json)) order by pr.sort_key)
          from ${p}.priority pr where pr.stp_code = s.code and pr.parent_id is null), '[]'::json) as priorities,
        (select json_build_object('horizon', fi.horizon, 'healthcareGbpM', fi.healthcare_gbp_m::text, 'socialCareGbpM', fi.social_care_gbp_m::text,
            'combinedGbpM', fi.combined_gbp_m::text, 'proposedSavingsGbpM', fi.proposed_savings_gbp_m::text,
            'capitalRequiredGbpM', fi.capital_required_gbp_m::text, 'flags', fi.flags,
            'sources', coalesce((select json_agg(json_build_object('document', json_build_object('file', ff.source_document), 'line', ff.source_line, 'text', ff.source_text) order by ff.id)
              from ${f}.financial_fact ff where ff.stp_code = s.code and ff.kind in ('HEALTHCARE_GAP', 'SOCIAL_CARE_GAP', 'COMBINED_GAP')), '[]'::json))
          from ${f}.stp_finance fi where fi.stp_code = s.code) as "financialGap",
        (select json_build_object('gbpPerPerson', trim_scale(round(fi.combined_gbp_m * 1000000 / s.population, 2))::text,
            'formula', fi.combined_gbp_m::text || ' x 1000000 / ' || s.population || ' = ' || trim_scale(round(fi.combined_gbp_m * 1000000 / s.population, 2))::text || ' GBP per person (DERIVED)')
          from ${f}.stp_finance fi where fi.stp_code = s.code and fi.combined_gbp_m is not null and s.population is not null) as "gapPerHeadDerived",
        count(*) over () as total
      from ${g}.stp s where ${where}
      order by s.name, s.code limit ${page.limit} offset ${page.offset}`.execute(db);
    return rows;
  };

  const resolvers: Record<string, Record<string, GraphQLFieldResolver<Record<string, unknown>, unknown>>> = {
    Query: {
      stp: async (_root, args, _ctx, info) => {
        const asOf = String(info.variableValues.asOf ?? today);
        const code = String(args.code);
        const rows = await stpRows(sql`s.code = ${code} or s.ons_code = ${code}`, asOf, { limit: 1, offset: 0 });
        return rows[0] ?? null;
      },
      stps: async (_root, args) => {
        const limit = Number(args.first ?? 50);
        const offset = Number(args.offset ?? 0);
        const rows = await stpRows(sql`true`, today, { limit, offset });
        const totalCount = Number(rows[0]?.total ?? 0);
        return { nodes: rows, totalCount, hasNextPage: offset + rows.length < totalCount };
      },
    },
    Stp: {
      // One statement fetched both regions; the argument only picks which.
      region: (stp, args) => (args.asOf ? stp.regionOnDate : stp.region),
    },
  };

  const schema = buildSchema(printSchema(Supergraph.build(readFileSync(SUPERGRAPH_PATH, 'utf8')).apiSchema()));
  for (const [typeName, fields] of Object.entries(resolvers)) {
    const type = schema.getType(typeName);
    if (!type || !('getFields' in type)) throw new Error(`monolith: no type ${typeName}`);
    const typeFields = type.getFields() as Record<
      string,
      { resolve?: GraphQLFieldResolver<Record<string, unknown>, unknown> }
    >;
    for (const [fieldName, resolve] of Object.entries(fields)) {
      const field = typeFields[fieldName];
      if (!field) throw new Error(`monolith: no field ${typeName}.${fieldName}`);
      field.resolve = resolve;
    }
  }
  // Parsed and validated once per distinct document, as any production server caches them.
  const documents = new Map<string, DocumentNode>();

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      res.setHeader('content-type', 'application/json');
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          query: string;
          operationName?: string;
          variables?: Record<string, unknown>;
        };
        let document = documents.get(body.query);
        if (!document) {
          document = parse(body.query);
          const errors = validate(schema, document);
          if (errors.length) throw new Error(errors.map((e) => e.message).join('; '));
          documents.set(body.query, document);
        }
        const result = await execute({
          schema,
          document,
          variableValues: body.variables,
          operationName: body.operationName,
        });
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
