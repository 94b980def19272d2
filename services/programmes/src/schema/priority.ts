import {
  badInput,
  citationOf,
  cite,
  notFound,
  pageArgs,
  pageOf,
  pagedListSize,
  pageWindow,
  STP_ODS_CODE,
} from '@nhs-hub/kit/subgraph';
import { builder } from '../builder.js';
import { listPriorities } from '../db/repository.js';
import type { MatchWithProgramme } from '../db/repository.js';
import type { Consideration, PriorityKind, StatedOutcome } from '../db/types.js';
import { storedFlags } from '../domain/flags.js';
import {
  allProgrammes,
  childrenByPriority,
  matchesByPriority,
  outcomesByPriority,
  subPointsByOwner,
} from './loaders.js';
import { PriorityRef, ProgrammeRef, StpRef } from './refs.js';

export const PriorityKindEnum = builder.enumType('PriorityKind', {
  values: {
    FOCUS: { description: 'A "Focuses" bullet of the STP\'s section in the ABHI tracker (seed 002).' },
    LINCOLNSHIRE_PRIORITY: {
      description: "One of the Lincolnshire STP paper's priorities, sections 5.1-5.7 (seed 000).",
    },
    WORK_STREAM: {
      description:
        'A work stream under a Lincolnshire priority (e.g. 5.6.1 Dermatology, or an enabling work stream of 5.7).',
    },
  } as const,
});

const OutcomeKindEnum = builder.enumType('StatedOutcomeKind', {
  values: {
    RESULT: { description: 'Something the source reports as achieved or observed.' },
    TARGET: { description: 'An aim, plan or expected contribution the source states.' },
  } as const,
});

const OutcomeUnitEnum = builder.enumType('StatedOutcomeUnit', {
  values: {
    PERCENT: { description: 'Per cent (value 14 means 14%).' },
    COUNT: { description: 'A number of things (beds, GPs, patients...), as the text says.' },
    GBP_M: { description: '£ millions.' },
    WEEKS: {},
    HOURS: {},
  } as const,
});

const MatchedInEnum = builder.enumType('MatchedIn', {
  values: {
    TITLE: { description: "The priority's title." },
    SUB_POINT: { description: 'One of its sub-points (tracker focuses only).' },
    SUMMARY: { description: "The paper's opening statement of the priority or work stream." },
  } as const,
});

const StatedOutcomeRef = builder.objectRef<StatedOutcome>('StatedOutcome').implement({
  description: 'A figure the Lincolnshire paper states for a priority or work stream, with the words that state it.',
  fields: (t) => ({
    text: t.exposeString('text', {
      description: 'The words stating the figure, verbatim (part of the source line).',
    }),
    value: t.field({ type: 'Decimal', resolve: (o) => o.value }),
    unit: t.field({ type: OutcomeUnitEnum, resolve: (o) => o.unit }),
    kind: t.field({ type: OutcomeKindEnum, resolve: (o) => o.kind }),
    flags: t.field({
      type: ['Flag'],
      resolve: storedFlags,
    }),
    source: t.field({
      type: 'Source',
      resolve: (o) => cite(o.source_document, o.source_line, o.text),
    }),
  }),
});

const ProgrammeMatchRef = builder.objectRef<MatchWithProgramme>('ProgrammeMatch').implement({
  description: 'Why a priority falls under a programme: the keyword rule and the words it matched.',
  fields: (t) => ({
    programme: t.field({ type: ProgrammeRef, resolve: (m) => m.programme }),
    rule: t.exposeString('rule', {
      description: 'The rule as a regular expression, e.g. "/\\bcancer\\b/i".',
    }),
    matchedText: t.exposeString('matched_text', {
      description: 'The words the rule matched, verbatim.',
    }),
    matchedIn: t.field({ type: MatchedInEnum, resolve: (m) => m.matched_in }),
  }),
});

PriorityRef.implement({
  description:
    "A priority an STP states: a tracker focus, one of the Lincolnshire paper's priorities, or a work stream under one. Titles are verbatim.",
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable id, e.g. QJM.focus.1 or QJM.paper.5.6.1.' }),
    stp: t.field({ type: StpRef, resolve: (p) => ({ code: p.stp_code }) }),
    kind: t.field({ type: PriorityKindEnum, resolve: (p) => p.kind }),
    title: t.exposeString('title', {
      description: 'Verbatim: the bullet text, or the heading without its section number.',
    }),
    sectionNumber: t.exposeString('section_number', {
      nullable: true,
      description: "The paper's section number, e.g. 5.6.1.",
    }),
    position: t.exposeInt('position', {
      description:
        "1-based position among its siblings: the STP's focuses, the paper's priorities, or a priority's work streams.",
    }),
    summary: t.exposeString('summary', {
      nullable: true,
      description: "The paper's opening statement of the priority or work stream, verbatim.",
    }),
    summarySource: t.field({
      type: 'Source',
      nullable: true,
      resolve: (p) => (p.summary && p.summary_line ? cite(p.source_document, p.summary_line, p.summary) : null),
    }),
    subPoints: t.field({
      type: ['String'],
      description:
        "Verbatim sub-points in order: a focus's sub-bullets, or the paper's key actions and points under the heading.",
      resolve: async (p, _, ctx) => (await subPointsByOwner(ctx).load(p.id)).map((s) => s.text),
    }),
    subPointSources: t.field({
      type: ['Source'],
      description: 'The line of each sub-point, in the same order.',
      resolve: async (p, _, ctx) =>
        (await subPointsByOwner(ctx).load(p.id)).map((s) => cite(s.source_document, s.source_line, s.text)),
    }),
    parent: t.field({ type: PriorityRef, nullable: true, resolve: (p) => p.parent_id }),
    children: t.field({
      type: [PriorityRef],
      listSize: { assumedSize: 5 },
      description: 'Work streams under this priority, in order.',
      resolve: (p, _, ctx) => childrenByPriority(ctx).load(p.id),
    }),
    outcomes: t.field({
      type: [StatedOutcomeRef],
      listSize: { assumedSize: 4 },
      resolve: (p, _, ctx) => outcomesByPriority(ctx).load(p.id),
    }),
    programmes: t.field({
      type: [ProgrammeRef],
      listSize: { assumedSize: 4 },
      description: 'The national programmes the keyword rules put it under (possibly none), in programme order.',
      resolve: async (p, _, ctx) => (await matchesByPriority(ctx).load(p.id)).map((m) => m.programme),
    }),
    programmeMatches: t.field({
      type: [ProgrammeMatchRef],
      listSize: { assumedSize: 4 },
      resolve: (p, _, ctx) => matchesByPriority(ctx).load(p.id),
    }),
    flags: t.field({
      type: ['Flag'],
      resolve: storedFlags,
    }),
    source: t.field({
      type: 'Source',
      resolve: (p) => citationOf(p),
    }),
  }),
});

builder.asEntity(PriorityRef, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: (ref, ctx) => PriorityRef.getDataloader(ctx).load(ref.id),
});

export const ConsiderationRef = builder.objectRef<Consideration>('Consideration').implement({
  description:
    'A "Relevant considerations" bullet of an STP\'s tracker section (continuation slides included), verbatim.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable id, e.g. QOP.consideration.6.' }),
    stp: t.field({ type: StpRef, resolve: (c) => ({ code: c.stp_code }) }),
    text: t.exposeString('text'),
    position: t.exposeInt('position'),
    subPoints: t.field({
      type: ['String'],
      resolve: async (c, _, ctx) => (await subPointsByOwner(ctx).load(c.id)).map((s) => s.text),
    }),
    subPointSources: t.field({
      type: ['Source'],
      resolve: async (c, _, ctx) =>
        (await subPointsByOwner(ctx).load(c.id)).map((s) => cite(s.source_document, s.source_line, s.text)),
    }),
    source: t.field({
      type: 'Source',
      resolve: (c) => cite(c.source_document, c.source_line, c.text),
    }),
  }),
});

const PriorityFilterInput = builder.inputType('PriorityFilter', {
  fields: (t) => ({
    programme: t.id({ description: 'Only priorities under this programme (code, e.g. MENTAL_HEALTH).' }),
    stp: t.id({ description: 'Only this STP (ODS code, e.g. QJM).' }),
    textSearch: t.string({ description: 'Case-insensitive fragment of the title, summary or a sub-point.' }),
    kind: t.field({ type: PriorityKindEnum }),
  }),
});

const PriorityPageRef = pageOf(builder, 'PriorityPage', PriorityRef);

builder.queryFields((t) => ({
  priorities: t.field({
    type: PriorityPageRef,
    listSize: pagedListSize,
    description:
      "Priorities of every kind (work streams included), filtered, ordered by STP code then each STP's own order, paged (at most 200).",
    args: {
      filter: t.arg({ type: PriorityFilterInput, required: false }),
      ...pageArgs(t.arg),
    },
    resolve: async (_, args, ctx) => {
      const { limit, offset } = pageWindow(args.first, args.offset);
      const filter = args.filter ?? {};
      const stp = filter.stp ? String(filter.stp).trim().toUpperCase() : null;
      if (stp && !STP_ODS_CODE.test(stp))
        throw badInput(`'${filter.stp}' is not an STP ODS code such as QJM`, 'filter.stp');
      const programme = filter.programme ? String(filter.programme).trim().toUpperCase() : null;
      if (programme && !(await allProgrammes(ctx).load('all')).some((p) => p.code === programme)) {
        throw notFound('Programme', `no programme has the code '${programme}'`);
      }
      const kind: PriorityKind | null = filter.kind ?? null;
      const { rows, totalCount } = await listPriorities(
        ctx.db,
        { stp, programme, kind, textSearch: filter.textSearch ?? null },
        limit,
        offset,
      );
      for (const row of rows) PriorityRef.getDataloader(ctx).prime(row.id, row);
      return { nodes: rows, totalCount, offset };
    },
  }),
  priority: t.field({
    type: PriorityRef,
    nullable: true,
    description: 'A priority by id. Unknown ids are a NOT_FOUND error.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_, { id }, ctx) => {
      const found = await PriorityRef.getDataloader(ctx)
        .load(String(id))
        .catch(() => null);
      if (!found) throw notFound('Priority', `no priority has the id '${id}'`);
      return found;
    },
  }),
}));
