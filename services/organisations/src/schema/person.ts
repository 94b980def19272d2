import { notFound, pageArgs, pagedListSize, pageOf, pageWindow } from '@nhs-hub/kit/subgraph';
import { builder } from '../builder.js';
import { listPeople } from '../db/repository.js';
import { nameCitations } from '../domain/roles.js';
import { rolesByPerson } from './loaders.js';
import { PersonRef } from './refs.js';
import { RoleRef } from './role.js';

PersonRef.implement({
  description: 'A person the seeds name, with every role they are stated to hold.',
  fields: (t) => ({
    id: t.exposeID('id', {
      description: 'Stable slug of the name without honorifics, e.g. allan-kitt.',
    }),
    name: t.exposeString('name', {
      description: 'Exactly as the source writes it, honorifics and casing included (e.g. "Sir Andrew Cash OBE").',
    }),
    honorificPrefix: t.exposeString('honorific_prefix', {
      nullable: true,
      description: 'Titles before the name: "Sir", "Dr", "Professor"...',
    }),
    givenName: t.exposeString('given_name'),
    familyName: t.exposeString('family_name'),
    nameWithoutHonorifics: t.exposeString('name_without_honorifics'),
    postNominals: t.exposeString('post_nominals', {
      nullable: true,
      description: 'Honours after the name: "OBE", "CBE"...',
    }),
    roles: t.field({
      type: [RoleRef],
      listSize: { assumedSize: 3 },
      description: 'Every role stated for the person, in source order.',
      resolve: (p, _, ctx) => rolesByPerson(ctx).load(p.id),
    }),
    sources: t.field({
      type: ['Source'],
      description: 'Every line that names the person.',
      resolve: async (p, _, ctx) => nameCitations(p.name, await rolesByPerson(ctx).load(p.id)),
    }),
    flags: t.field({
      type: ['Flag'],
      description: 'NAME_CASING where the source writes part of the name in lower case.',
      resolve: (p) => p.flags,
    }),
  }),
});

builder.asEntity(PersonRef, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: (ref, ctx) => PersonRef.getDataloader(ctx).load(ref.id),
});

const PersonPageRef = pageOf(builder, 'PersonPage', PersonRef);

builder.queryFields((t) => ({
  person: t.field({
    type: PersonRef,
    nullable: true,
    description: 'A person by id (e.g. allan-kitt). Unknown ids are a NOT_FOUND error.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_, { id }, ctx) => {
      const found = await PersonRef.getDataloader(ctx).load(String(id).trim().toLowerCase());
      if (!found) throw notFound('Person', `no person has the id '${id}'`);
      return found;
    },
  }),
  people: t.field({
    type: PersonPageRef,
    listSize: pagedListSize,
    description: 'People by family name, filtered and paged (at most 200 per page).',
    args: {
      search: t.arg.string({ required: false, description: 'Case-insensitive fragment of the name as written.' }),
      ...pageArgs(t.arg),
    },
    resolve: async (_, args, ctx) => {
      const page = pageWindow(args.first, args.offset);
      const { rows, totalCount } = await listPeople(ctx.db, { search: args.search }, page.limit, page.offset);
      for (const row of rows) PersonRef.getDataloader(ctx).prime(row.id, row);
      return { nodes: rows, totalCount, offset: page.offset };
    },
  }),
}));
