import { cite } from '@nhs-hub/kit/subgraph';
import { builder } from '../builder.js';
import { isApproximate } from '../domain/qualifiers.js';
import { factsByIds } from '../db/repository.js';
import type { WorkforceFact } from '../db/types.js';
import { StpRef } from './refs.js';

export const WorkforceFactRef = builder.loadableObject('WorkforceFact', {
  description: 'A workforce fact a source states, with the words that state it. Values are never corrected.',
  load: (ids: string[], ctx) => factsByIds(ctx.db, ids),
  // Rows come back in key order whatever the database returns.
  sort: (fact: WorkforceFact) => fact.id,
  fields: (t) => ({
    id: t.exposeID('id'),
    stp: t.field({ type: StpRef, resolve: (f) => ({ code: f.stp_code }) }),
    kind: t.exposeString('kind'),
    value: t.field({
      type: 'Decimal',
      nullable: true,
      description: 'As stated; null where the source states no number.',
      resolve: (f) => f.value,
    }),
    unit: t.exposeString('unit', { nullable: true }),
    qualifier: t.exposeString('qualifier', {
      nullable: true,
      description: 'How the source hedges the value, e.g. "≈" or "average".',
    }),
    approximate: t.boolean({
      description: 'True where the source states the value as approximate ("≈", "about", "circa"); an average is not.',
      resolve: (f) => isApproximate(f.qualifier),
    }),
    statement: t.exposeString('statement', { description: 'The verbatim words that state the fact.' }),
    source: t.field({
      type: 'Source',
      resolve: (f) => cite(f.source_document, f.source_line, f.statement),
    }),
  }),
});

builder.asEntity(WorkforceFactRef, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: (ref) => ref.id,
});
