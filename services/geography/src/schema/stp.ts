import {
  badInput,
  citationOf,
  historyLoader,
  notFound,
  pageArgs,
  pagedListSize,
  pageOf,
  pageWindow,
  SOURCE,
} from '@nhs-hub/kit/subgraph';
import { builder } from '../builder.js';
import { findStpsByAnyCode, listStps, type StpOrder } from '../db/repository.js';
import type { GeographyDatabase, IcsDesignation, MembershipBasis, Region } from '../db/types.js';
import { stpCodeOf } from '../domain/codes.js';
import { firstValidOn, icsStatusOf, latestDay, membershipFlags } from '../domain/membership.js';
import { icsByStp, membershipsByStp, onsCodesByStp, predecessorsByStp } from './loaders.js';
import { RegionRef, StpRef } from './refs.js';

const { TRACKER } = SOURCE;

const IcsStatusEnum = builder.enumType('IcsStatus', {
  description: 'Integrated care system status as the tracker states it: the earliest wave of any ICS within the STP.',
  values: {
    FIRST_WAVE: { description: "Holds a first-wave ICS (numbered in the tracker's ICS list)." },
    SECOND_WAVE: { description: 'Holds a second-wave ICS and no first-wave one.' },
    NONE: { description: 'The tracker names no ICS in this STP.' },
  } as const,
});

const MembershipBasisEnum = builder.enumType('MembershipBasis', {
  values: {
    STATED: { description: 'A reference list states it.' },
    INFERRED: { description: 'Inferred by a documented rule; see explanation and flags.' },
  } as const,
});

/** The values an STP's population has had (stp.population, by STP code): one statement per request. */
const populationHistory = historyLoader<GeographyDatabase>('stp', 'population');
/** The waves an ICS has had (ics_designation.wave, by STP and ICS name): one statement per request. */
const waveHistory = historyLoader<GeographyDatabase>('ics_designation', 'wave');

const IntegratedCareSystemRef = builder.objectRef<IcsDesignation>('IntegratedCareSystem').implement({
  description: "An integrated care system named in the tracker's list, within an STP.",
  fields: (t) => ({
    name: t.exposeString('ics_name'),
    wave: t.field({ type: IcsStatusEnum, resolve: (i) => i.wave }),
    coversWholeStp: t.exposeBoolean('covers_whole_stp'),
    source: t.field({
      type: 'Source',
      resolve: (i) => citationOf(i, 'list', TRACKER),
    }),
    waveSource: t.field({
      type: 'Source',
      resolve: (i) => citationOf(i, 'wave', TRACKER),
    }),
    waveHistory: t.field({
      type: ['FigureChange'],
      description:
        "Every wave this ICS has been given, oldest first (FIRST_WAVE or SECOND_WAVE; null while it was not designated): the seed that first set it, then each load, revert or reseed that changed it, with the release, its time and the file and line it was read from. The STP's icsStatus is the earliest wave of its ICSs.",
      resolve: (i, _, ctx) => waveHistory(ctx).load({ stp_code: i.stp_code, ics_name: i.ics_name }),
    }),
  }),
});

interface MembershipShape {
  region: Region;
  valid_from: string | null;
  valid_to: string | null;
  basis: MembershipBasis;
  explanation: string;
  source_document: string;
  source_line: number;
  source_text: string;
}

const RegionMembershipRef = builder.objectRef<MembershipShape>('RegionMembership').implement({
  description: 'A period during which an STP belonged to a region (validTo inclusive; null bounds are open).',
  fields: (t) => ({
    region: t.field({ type: RegionRef, resolve: (m) => m.region }),
    validFrom: t.field({ type: 'Date', nullable: true, resolve: (m) => m.valid_from }),
    validTo: t.field({ type: 'Date', nullable: true, resolve: (m) => m.valid_to }),
    basis: t.field({ type: MembershipBasisEnum, resolve: (m) => m.basis }),
    explanation: t.exposeString('explanation'),
    flags: t.field({
      type: ['Flag'],
      resolve: membershipFlags,
    }),
    source: t.field({
      type: 'Source',
      resolve: (m) => citationOf(m),
    }),
  }),
});

const OnsCodeRef = builder
  .objectRef<{
    ons_code: string;
    valid_from_stated: string | null;
    valid_to_stated: string | null;
    note: string;
    source_document: string;
    source_line: number;
    source_text: string;
  }>('StpOnsCode')
  .implement({
    description:
      'An ONS code an STP footprint has carried. ODS codes are never reused; ONS codes changed with boundaries.',
    fields: (t) => ({
      code: t.exposeString('ons_code'),
      validFromAsStated: t.exposeString('valid_from_stated', { nullable: true }),
      validToAsStated: t.exposeString('valid_to_stated', { nullable: true }),
      note: t.exposeString('note'),
      source: t.field({
        type: 'Source',
        resolve: (o) => citationOf(o),
      }),
    }),
  });

StpRef.implement({
  description: 'A Sustainability and Transformation Partnership, keyed by its ODS code (e.g. QJM for Lincolnshire).',
  fields: (t) => ({
    code: t.exposeID('code', {
      description: 'ODS code, e.g. QJM. Stable: ODS codes are never reused.',
    }),
    onsCode: t.exposeString('ons_code', {
      description: 'ONS code of April 2019 (or the last one, for a closed STP).',
    }),
    onsCodes: t.field({
      type: [OnsCodeRef],
      listSize: { assumedSize: 2 },
      description: 'Every ONS code the footprint has carried, including 2016 predecessors and 2020 re-codes.',
      resolve: (stp, _, ctx) => onsCodesByStp(ctx).load(stp.code),
    }),
    name: t.exposeString('name', {
      description: "The tracker's name (2017-2018), or the official name where the tracker has none.",
    }),
    nameSource: t.field({
      type: 'Source',
      nullable: true,
      resolve: (s) => citationOf(s, 'tracker_heading', TRACKER),
    }),
    officialName: t.exposeString('official_name', {
      description: 'The ONS/ODS name (April 2019, or at closure).',
    }),
    officialNameSource: t.field({
      type: 'Source',
      resolve: (s) => citationOf(s, 'official_source'),
    }),
    trackerMatchNote: t.exposeString('tracker_match_note', {
      nullable: true,
      description: 'How the tracker section was matched to the official footprint (by footprint, not spelling).',
    }),
    inTracker: t.boolean({ resolve: (s) => s.tracker_heading_line !== null }),
    population: t.exposeInt('population', {
      nullable: true,
      description: 'People served, as the tracker states it (see populationSource).',
    }),
    populationAsStated: t.exposeString('population_text', {
      nullable: true,
      description: 'The population exactly as written, e.g. "Population: 700K".',
    }),
    populationSource: t.field({
      type: 'Source',
      nullable: true,
      resolve: (s) => citationOf(s, 'population', TRACKER),
    }),
    populationHistory: t.field({
      type: ['FigureChange'],
      description:
        'Every population this STP has been given, oldest first: the seed that first set it, then each load, revert or reseed that changed it, with the release, its time and the file and line it was read from (and the tracker line that line cites). Read once per request, however many STPs.',
      resolve: (s, _, ctx) => populationHistory(ctx).load({ code: s.code }),
    }),
    icsStatus: t.field({
      type: IcsStatusEnum,
      nullable: true,
      description: 'As the tracker says; null for an STP the tracker does not cover.',
      resolve: async (s, _, ctx) =>
        icsStatusOf(
          s.tracker_heading_line !== null,
          s.tracker_heading_line === null ? [] : (await icsByStp(ctx).load(s.code)).map((i) => i.wave),
        ),
    }),
    integratedCareSystems: t.field({
      type: [IntegratedCareSystemRef],
      listSize: { assumedSize: 2 },
      resolve: (s, _, ctx) => icsByStp(ctx).load(s.code),
    }),
    validFrom: t.field({
      type: 'Date',
      nullable: true,
      description: 'First day (lower bound of a partially stated date); null where no source states it.',
      resolve: (s) => s.valid_from,
    }),
    validFromAsStated: t.exposeString('valid_from_stated', { nullable: true }),
    validTo: t.field({
      type: 'Date',
      nullable: true,
      description: 'Last day the STP existed; null while it does.',
      resolve: (s) => s.valid_to,
    }),
    validToAsStated: t.exposeString('valid_to_stated', { nullable: true }),
    successor: t.field({
      type: StpRef,
      nullable: true,
      description: 'The STP this one merged into (QHM for the three North East and Cumbria STPs).',
      resolve: (s) => s.successor_code,
    }),
    predecessors: t.field({
      type: [StpRef],
      listSize: { assumedSize: 3 },
      resolve: (s, _, ctx) => predecessorsByStp(ctx).load(s.code),
    }),
    region: t.field({
      type: RegionRef,
      nullable: true,
      description:
        "The region on a date. Without asOf: the latest membership (today's, or the last one of a closed STP). Null when the STP did not exist then.",
      args: { asOf: t.arg({ type: 'Date', required: false }) },
      resolve: async (stp, { asOf }, ctx) =>
        firstValidOn(await membershipsByStp(ctx).load(stp.code), asOf ?? latestDay(stp.valid_to))?.region ?? null,
    }),
    regionMembership: t.field({
      type: RegionMembershipRef,
      nullable: true,
      description: 'The membership behind `region`, with its basis (stated or inferred) and source.',
      args: { asOf: t.arg({ type: 'Date', required: false }) },
      resolve: async (stp, { asOf }, ctx) =>
        firstValidOn(await membershipsByStp(ctx).load(stp.code), asOf ?? latestDay(stp.valid_to)),
    }),
    regionHistory: t.field({
      type: [RegionMembershipRef],
      listSize: { assumedSize: 3 },
      description: 'Every region membership, oldest first.',
      resolve: (stp, _, ctx) => membershipsByStp(ctx).load(stp.code),
    }),
  }),
});

builder.asEntity(StpRef, {
  key: builder.selection<{ code: string }>('code'),
  resolveReference: (ref, ctx) => StpRef.getDataloader(ctx).load(ref.code),
});

const StpOrderEnum = builder.enumType('StpOrder', { values: ['NAME', 'CODE', 'POPULATION'] as const });

const StpFilterInput = builder.inputType('StpFilter', {
  fields: (t) => ({
    nameContains: t.string({ description: 'Case-insensitive fragment of the tracker or official name.' }),
    regionCode: t.id({ description: 'Region ODS or ONS code; membership as of `asOf` (default today).' }),
    asOf: t.field({
      type: 'Date',
      description: 'Only STPs that existed on this date (and, with regionCode, were in that region then).',
    }),
    icsStatus: t.field({ type: IcsStatusEnum }),
    inTracker: t.boolean({ description: 'Only the 44 tracker STPs (true) or only those it does not cover (false).' }),
  }),
});

const StpPageRef = pageOf(builder, 'StpPage', StpRef);

builder.queryFields((t) => ({
  stp: t.field({
    type: StpRef,
    nullable: true,
    description:
      'An STP by ODS code (QJM) or any ONS code it has carried (E54000013). Unknown codes are a NOT_FOUND error.',
    args: { code: t.arg.id({ required: true }) },
    resolve: async (_, { code }, ctx) => {
      const given = stpCodeOf(String(code));
      if (given === null) {
        throw badInput(
          `'${code}' is not an STP code: use an ODS code such as QJM or an ONS code such as E54000013`,
          'code',
        );
      }
      const found = (await findStpsByAnyCode(ctx.db, [given])).get(given);
      if (!found) throw notFound('STP', `no STP has the ODS or ONS code '${given}'`);
      // The row is read here already: the STP's own fields need not read it again.
      StpRef.getDataloader(ctx).prime(found.code, found);
      return found.code;
    },
  }),
  stps: t.field({
    type: StpPageRef,
    listSize: pagedListSize,
    description: 'STPs, filtered, sorted and paged (at most 200 per page).',
    args: {
      filter: t.arg({ type: StpFilterInput, required: false }),
      orderBy: t.arg({ type: StpOrderEnum, required: false, defaultValue: 'NAME' }),
      descending: t.arg.boolean({ required: false, defaultValue: false }),
      ...pageArgs(t.arg),
    },
    resolve: async (_, args, ctx) => {
      const { limit, offset } = pageWindow(args.first, args.offset);
      const filter = args.filter ?? {};
      const { rows, totalCount } = await listStps(ctx.db, {
        filter: {
          ...filter,
          regionCode: filter.regionCode === undefined || filter.regionCode === null ? null : String(filter.regionCode),
        },
        orderBy: (args.orderBy ?? 'NAME') as StpOrder,
        descending: args.descending ?? false,
        limit,
        offset,
      });
      for (const row of rows) StpRef.getDataloader(ctx).prime(row.code, row);
      return { nodes: rows, totalCount, offset };
    },
  }),
}));
