import { citationOf, notFound } from '@nhs-hub/kit/subgraph';
import { builder } from '../builder.js';
import { rulePatternsOf } from '../domain/rules.js';
import { allProgrammes, prioritiesByProgramme, sourcesByProgramme, stpCodesByProgramme } from './loaders.js';
import { PriorityRef, ProgrammeRef, StpRef } from './refs.js';

ProgrammeRef.implement({
  description:
    'A national programme or funding priority the sources name (e.g. mental health, the New Care Models vanguards, the 100 day programme), keyed by a stable code.',
  fields: (t) => ({
    code: t.exposeID('code', { description: 'Stable code, e.g. MENTAL_HEALTH.' }),
    name: t.exposeString('name'),
    description: t.exposeString('description'),
    sources: t.field({
      type: ['Source'],
      description: 'Where the sources name the programme.',
      resolve: async (p, _, ctx) => (await sourcesByProgramme(ctx).load(p.code)).map((s) => citationOf(s)),
    }),
    rules: t.stringList({
      description: 'The keyword rules (regular expressions) that put a priority under this programme.',
      resolve: (p) => rulePatternsOf(p.code),
    }),
    stps: t.field({
      type: [StpRef],
      listSize: { assumedSize: 20 },
      description: 'STPs with at least one priority under this programme: distinct, ordered by ODS code.',
      resolve: async (p, _, ctx) => (await stpCodesByProgramme(ctx).load(p.code)).map((code) => ({ code })),
    }),
    priorities: t.field({
      type: [PriorityRef],
      listSize: { assumedSize: 20 },
      description: "Every priority (any kind) under this programme, ordered by STP code then the STP's own order.",
      resolve: (p, _, ctx) => prioritiesByProgramme(ctx).load(p.code),
    }),
  }),
});

builder.asEntity(ProgrammeRef, {
  key: builder.selection<{ code: string }>('code'),
  resolveReference: (ref, ctx) => ProgrammeRef.getDataloader(ctx).load(ref.code),
});

builder.queryFields((t) => ({
  programme: t.field({
    type: ProgrammeRef,
    nullable: true,
    description: 'A programme by code (case-insensitive), e.g. MENTAL_HEALTH. Unknown codes are a NOT_FOUND error.',
    args: { code: t.arg.id({ required: true }) },
    resolve: async (_, { code }, ctx) => {
      const wanted = String(code).trim().toUpperCase();
      const found = (await allProgrammes(ctx).load('all')).find((p) => p.code === wanted);
      if (!found) throw notFound('Programme', `no programme has the code '${wanted}'`);
      return found;
    },
  }),
  programmes: t.field({
    type: [ProgrammeRef],
    listSize: { assumedSize: 10 },
    description: 'Every programme, in a fixed order.',
    resolve: (_, __, ctx) => allProgrammes(ctx).load('all'),
  }),
}));
