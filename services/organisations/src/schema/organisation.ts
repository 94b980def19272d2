import { citationOf, notFound, pageArgs, pagedListSize, pageOf, pageWindow } from '@nhs-hub/kit/subgraph';
import { builder } from '../builder.js';
import { listOrganisations } from '../db/repository.js';
import { ORGANISATION_KINDS } from '../domain/kinds.js';
import { publishedBy } from '../domain/publishers.js';
import { stpsLed } from '../domain/roles.js';
import { rolesByOrganisation, sourcesByOrganisation } from './loaders.js';
import { OrganisationRef, StpRef } from './refs.js';
import { RoleRef } from './role.js';

export const OrganisationKindEnum = builder.enumType('OrganisationKind', {
  description:
    'What kind of body an organisation is, derived from its name as written by the rules in src/domain/kinds.ts (see kindRule).',
  values: ORGANISATION_KINDS,
});

interface KindRuleShape {
  code: string;
  explanation: string;
}

const KindRuleRef = builder.objectRef<KindRuleShape>('OrganisationKindRule').implement({
  description: "The rule that decided an organisation's kind, and why it fired.",
  fields: (t) => ({
    code: t.exposeString('code', {
      description:
        'NATIONAL_BODY_NAME, CCG_IN_NAME, NHS_FOUNDATION_TRUST_SUFFIX, FOUNDATION_TRUST_SUFFIX, NHS_TRUST_SUFFIX, COUNCIL_SUFFIX or NO_RULE.',
    }),
    explanation: t.exposeString('explanation'),
  }),
});

OrganisationRef.implement({
  description:
    "An organisation the seeds name: the STP leads' CCGs, trusts and councils, Lincolnshire's NHS organisations as its paper names them, the national bodies, and ABHI as the tracker's publisher.",
  fields: (t) => ({
    id: t.exposeID('id', {
      description: 'Stable slug of the name, e.g. south-west-lincolnshire-ccg.',
    }),
    name: t.exposeString('name', {
      description: 'As written in the seeds (e.g. "Luton & Dunstable University Hospital NHS FT").',
    }),
    kind: t.field({ type: OrganisationKindEnum, resolve: (o) => o.kind }),
    kindRule: t.field({
      type: KindRuleRef,
      resolve: (o) => ({ code: o.kind_rule, explanation: o.kind_rule_explanation }),
    }),
    odsCode: t.exposeString('ods_code', {
      nullable: true,
      description:
        'ODS code, only where a source the hub holds states it (see odsCodeSource); null otherwise, never guessed.',
    }),
    odsCodeSource: t.field({
      type: 'Source',
      nullable: true,
      resolve: (o) => citationOf(o, 'ods_source'),
    }),
    sources: t.field({
      type: ['Source'],
      description: 'Every line that names the organisation, with the name as written there.',
      resolve: async (o, _, ctx) => (await sourcesByOrganisation(ctx).load(o.id)).map((s) => citationOf(s)),
    }),
    roles: t.field({
      type: [RoleRef],
      listSize: { assumedSize: 4 },
      description: 'The roles held through the organisation, in source order.',
      resolve: (o, _, ctx) => rolesByOrganisation(ctx).load(o.id),
    }),
    leadsStps: t.field({
      type: [StpRef],
      listSize: { assumedSize: 4 },
      description: 'The STPs whose tracker section names a lead from this organisation.',
      resolve: async (o, _, ctx) => stpsLed(await rolesByOrganisation(ctx).load(o.id)).map((code) => ({ code })),
    }),
    publishedDocuments: t.field({
      type: ['SourceDocument'],
      description: "Source documents the hub holds that this organisation published (by the catalogue's publisher).",
      resolve: (o) => publishedBy(o.name),
    }),
    flags: t.field({ type: ['Flag'], resolve: (o) => o.flags }),
  }),
});

builder.asEntity(OrganisationRef, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: (ref, ctx) => OrganisationRef.getDataloader(ctx).load(ref.id),
});

const OrganisationPageRef = pageOf(builder, 'OrganisationPage', OrganisationRef);

builder.queryFields((t) => ({
  organisation: t.field({
    type: OrganisationRef,
    nullable: true,
    description: 'An organisation by id (e.g. south-west-lincolnshire-ccg). Unknown ids are a NOT_FOUND error.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_, { id }, ctx) => {
      const found = await OrganisationRef.getDataloader(ctx).load(String(id).trim().toLowerCase());
      if (!found) throw notFound('Organisation', `no organisation has the id '${id}'`);
      return found;
    },
  }),
  organisations: t.field({
    type: OrganisationPageRef,
    listSize: pagedListSize,
    description: 'Organisations by name, filtered and paged (at most 200 per page).',
    args: {
      search: t.arg.string({
        required: false,
        description: "Case-insensitive fragment of the name, as the ODS API's Name= search.",
      }),
      kind: t.arg({ type: OrganisationKindEnum, required: false }),
      ...pageArgs(t.arg),
    },
    resolve: async (_, args, ctx) => {
      const page = pageWindow(args.first, args.offset);
      const { rows, totalCount } = await listOrganisations(
        ctx.db,
        { search: args.search, kind: args.kind },
        page.limit,
        page.offset,
      );
      for (const row of rows) OrganisationRef.getDataloader(ctx).prime(row.id, row);
      return { nodes: rows, totalCount, offset: page.offset };
    },
  }),
}));
