import { badInput, type PeerSubgraphs } from '@nhs-hub/kit/subgraph';
import { builder } from '../builder.js';
import type { FieldChange } from '../domain/feed.js';
import { decodeCursor, parseSince } from '../domain/since.js';
import { type ChangesAnswer, readChanges } from '../peers/changes.js';
import { RegionRef, StpRef } from './refs.js';

const PAGE = { default: 100, max: 1_000 } as const;
const TABLE = /^[a-z_][a-z0-9_]{0,62}$/;
const FIELD = /^[a-z_][a-z0-9_]{0,62}$/;
const CODE = /^[A-Z0-9]{1,12}$/;

const ChangeOpRef = builder.enumType('ChangeOp', {
  description: 'What a release did to the row: inserted it, updated some of its fields, or deleted it.',
  values: { INSERT: { value: 'insert' }, UPDATE: { value: 'update' }, DELETE: { value: 'delete' } } as const,
});

const ChangeEntityTypeRef = builder.enumType('ChangeEntityType', {
  values: { STP: { value: 'Stp' }, REGION: { value: 'Region' } } as const,
});

const ChangeEntityInput = builder.inputType('ChangeEntityInput', {
  description: 'An STP or region, by ODS code: only the changes to its rows.',
  fields: (t) => ({
    type: t.field({ type: ChangeEntityTypeRef, required: true }),
    code: t.string({ required: true, description: 'ODS code, e.g. QJM (an STP) or Y56 (a region).' }),
  }),
});

const ChangeEntityRef = builder.unionType('ChangeEntity', {
  description: 'The STP or region a changed row belongs to; select its fields with `... on Stp { code name }`.',
  types: [StpRef, RegionRef],
  // The value is the change record's entity, `{ type, code }`.
  resolveType: (entity) => ('type' in entity && entity.type === 'Region' ? 'Region' : 'Stp'),
});

const ChangeRef = builder.objectRef<FieldChange>('Change').implement({
  description:
    'One field of one row that a release changed, in any data subgraph: the release, when, the row, the field, its value before and after (as text), and where the new value came from.',
  fields: (t) => ({
    subgraph: t.exposeString('subgraph', { description: 'The data subgraph that owns the row.' }),
    release: t.exposeInt('release', {
      description: 'The release, numbered within its subgraph (finance.12 is release 12 of finance).',
    }),
    at: t.exposeString('at', { description: 'When the release landed (ISO 8601, UTC).' }),
    op: t.field({ type: ChangeOpRef, resolve: (c) => c.op }),
    table: t.exposeString('table'),
    key: t.string({
      description: 'The row\'s key columns and values, as JSON (e.g. {"id":"workforce.QJM.1"}).',
      resolve: (c) => JSON.stringify(c.key),
    }),
    field: t.exposeString('field', { description: 'The column that changed.' }),
    before: t.exposeString('before', {
      nullable: true,
      description: 'Its value before the release; null for an insert or an empty value.',
    }),
    after: t.exposeString('after', {
      nullable: true,
      description: 'Its value after the release; null for a delete or an empty value.',
    }),
    source: t.field({
      type: 'ChangeSource',
      nullable: true,
      description: 'The loaded file and line, and the document and line that row cites.',
      resolve: (c) => c.source,
    }),
    entity: t.field({
      type: ChangeEntityRef,
      nullable: true,
      description: 'The STP or region the row belongs to; null for a row of neither.',
      resolve: (c) => c.entity,
    }),
  }),
});

const ChangePageInfoRef = builder.objectRef<ChangesAnswer>('ChangePageInfo').implement({
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage'),
    endCursor: t.exposeString('endCursor', {
      description: 'Pass as `after` (with the same since and filters) for the next page; also where to resume later.',
    }),
  }),
});

const ChangeConnectionRef = builder.objectRef<ChangesAnswer>('ChangeConnection').implement({
  fields: (t) => ({
    nodes: t.field({ type: [ChangeRef], resolve: (a) => a.nodes }),
    pageInfo: t.field({ type: ChangePageInfoRef, resolve: (a) => a }),
  }),
});

function peersOf(peers: PeerSubgraphs | undefined): PeerSubgraphs {
  // Set for every dataless subgraph by the kit's runtime; absent only if started some other way.
  if (!peers) throw new Error('the releases subgraph was started without the data subgraphs to read');
  return peers;
}

builder.queryFields((t) => ({
  changes: t.field({
    type: ChangeConnectionRef,
    // The gateway's demand control counts a page of `first` changes, not one.
    listSize: { slicingArguments: ['first'], sizedFields: ['nodes'] },
    description:
      'What changed in the data, across every data subgraph, oldest first: one entry per changed field. Page with `first` and `after` (pageInfo.endCursor); a data subgraph that does not answer is named in an error and its changes are left out of the page.',
    args: {
      since: t.arg.string({
        description:
          'After a time (ISO 8601, e.g. 2026-12-07T09:00:00Z), after a release (finance.12: its later releases, and in the other subgraphs what landed after it), or after a data version (finance.12-geography.3-...: each subgraph after its release; one it omits from the start). Omitted: every change.',
      }),
      subgraph: t.arg.string({ description: 'Only this data subgraph (e.g. finance).' }),
      table: t.arg.string({ description: 'Only rows of this table (e.g. region_fact).' }),
      field: t.arg.string({ description: 'Only this column (e.g. value).' }),
      entity: t.arg({ type: ChangeEntityInput, description: 'Only rows of this STP or region.' }),
      first: t.arg.int({ defaultValue: PAGE.default, description: `At most ${PAGE.max}.` }),
      after: t.arg.string({ description: 'pageInfo.endCursor of the page before.' }),
    },
    resolve: async (_root, args, ctx) => {
      const peers = peersOf(ctx.peers);
      const known = Object.keys(peers.urls).sort();
      const first = args.first ?? PAGE.default;
      if (first < 1 || first > PAGE.max)
        throw badInput(`first must be between 1 and ${PAGE.max}; got ${first}`, 'first');
      if (args.subgraph != null && !known.includes(args.subgraph))
        throw badInput(
          `subgraph ${JSON.stringify(args.subgraph.slice(0, 40))} is not a data subgraph (${known.join(', ')})`,
          'subgraph',
        );
      if (args.table != null && !TABLE.test(args.table))
        throw badInput(
          `table must be a table name such as region_fact; got ${JSON.stringify(args.table.slice(0, 40))}`,
          'table',
        );
      if (args.field != null && !FIELD.test(args.field))
        throw badInput(
          `field must be a column name such as value; got ${JSON.stringify(args.field.slice(0, 40))}`,
          'field',
        );
      if (args.entity && !CODE.test(args.entity.code))
        throw badInput(
          `entity code must be an ODS code such as QJM; got ${JSON.stringify(args.entity.code.slice(0, 40))}`,
          'entity',
        );
      const since = parseSince(args.since, known);
      const after = decodeCursor(args.after, known);
      const answer = await readChanges(peers, {
        since,
        after,
        subgraphs: args.subgraph != null ? [args.subgraph] : known,
        table: args.table ?? undefined,
        field: args.field ?? undefined,
        entity: args.entity ? { type: args.entity.type, code: args.entity.code } : undefined,
        first,
      });
      ctx.partial?.push(...answer.problems);
      return answer;
    },
  }),
}));
