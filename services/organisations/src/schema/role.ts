import { citationOf } from '@nhs-hub/kit/subgraph';
import { builder } from '../builder.js';
import type { ROLE_KINDS, RoleWithOrganisations } from '../db/types.js';
import { roleHolderHistory } from './loaders.js';
import { OrganisationRef, PersonRef, StpRef } from './refs.js';

export const RoleKindEnum = builder.enumType('RoleKind', {
  description: 'The kind of post a role is, read from its title as the source writes it.',
  values: {
    STP_LEAD: { description: 'The person an STP section of the tracker names after "Lead:".' },
    CHIEF_EXECUTIVE: { description: 'Chief Executive or CEO of an organisation.' },
    CHIEF_OFFICER: {
      description: 'Chief officer of one or more CCGs (the tracker\'s "joint Chief Officer of five local CCG\'s").',
    },
    NATIONAL_DIRECTOR: { description: 'A national director of NHS England or NHS Improvement.' },
    REGIONAL_DIRECTOR: {
      description: 'A regional director. The seeds announce these posts but name no holder; see Region.leadershipNote.',
    },
    EXECUTIVE_DIRECTOR: { description: 'An executive director post such as Executive Medical Director.' },
    CHAIR: { description: 'A chair, such as the Independent Chair of a success regime.' },
    PROGRAMME_DIRECTOR: { description: 'An STP Programme Director.' },
    PROJECT_DIRECTOR: { description: 'A project director of a national programme.' },
    STRATEGIC_LEAD: { description: 'A strategic lead for a function of an STP (e.g. communications and engagement).' },
  } satisfies Record<(typeof ROLE_KINDS)[number], { description: string }>,
});

const citation = (r: RoleWithOrganisations) => citationOf(r);

export const RoleRef = builder.objectRef<RoleWithOrganisations>('Role').implement({
  description:
    'A post a person holds, as one line of a source states it. The same post stated in two documents is two roles, each with its own date and source.',
  fields: (t) => ({
    id: t.exposeID('id', {
      description: 'Stable id: document number, line and kind, e.g. 002-822-stp-lead.',
    }),
    kind: t.field({ type: RoleKindEnum, resolve: (r) => r.kind }),
    title: t.exposeString('title', {
      description: 'The title exactly as written, e.g. "Lead", "Chief Executive", "CEO".',
    }),
    person: t.field({ type: PersonRef, resolve: (r) => r.person_id }),
    stp: t.field({
      type: StpRef,
      nullable: true,
      description: 'The STP the role is stated for (STP leads, and posts a document ties to one STP).',
      resolve: (r) => (r.stp_code ? { code: r.stp_code } : null),
    }),
    organisation: t.field({
      type: OrganisationRef,
      nullable: true,
      description:
        'The organisation the role is held through. Null when the source names none, or names several (see organisations and flags).',
      resolve: (r) => (r.organisation_ids.length === 1 ? (r.organisation_ids[0] ?? null) : null),
    }),
    organisations: t.field({
      type: [OrganisationRef],
      listSize: { assumedSize: 2 },
      description: 'Every organisation the source names for the role, in its order.',
      resolve: (r) => r.organisation_ids,
    }),
    affiliationAsWritten: t.exposeString('affiliation_as_written', {
      nullable: true,
      description:
        'What the source writes as the affiliation, verbatim: usually the organisation, sometimes a post ("Independent Chair, Success Regime").',
    }),
    statedOn: t.exposeString('stated_on', {
      description:
        'Date of the document (or the part of it) that states the role: ISO 8601, or the year alone ("2018") where the document carries no date.',
    }),
    statedOnSource: t.field({
      type: 'Source',
      nullable: true,
      description: 'The line that states the date; null where the document carries none (the tracker).',
      resolve: (r) => citationOf(r, 'stated_on_source'),
    }),
    source: t.field({
      type: 'Source',
      description: 'The line that states the role, verbatim.',
      resolve: citation,
    }),
    flags: t.field({
      type: ['Flag'],
      description:
        'DUPLICATED_LEAD, MULTIPLE_ORGANISATIONS, ORGANISATION_NOT_STATED, ORGANISATIONS_NOT_NAMED, ROLE_NOT_ORGANISATION, INFERRED, AS_WRITTEN.',
      resolve: (r) => r.flags,
    }),
    history: t.field({
      type: ['FigureChange'],
      listSize: { assumedSize: 2 },
      description:
        "Who held the post over the releases: each value is the holder's Person.id as a release set it, oldest first, with the release, when it landed and its source (the loaded file and row, and the line that row cites).",
      resolve: (r, _, ctx) => roleHolderHistory(ctx).load({ id: r.id }),
    }),
  }),
});

export const StpLeadRef = builder.objectRef<RoleWithOrganisations>('StpLead').implement({
  description:
    "An STP's lead as its tracker section states it: the person, the organisation (or post) beside the name, the line, and any oddity flagged.",
  fields: (t) => ({
    id: t.exposeID('id', {
      description:
        'The id of the Role this lead is (asRole.id), so client caches can normalise leads: the same person leading twice has two.',
    }),
    name: t.field({
      type: 'String',
      description: 'The lead\'s name as written, honorifics included (e.g. "Sir Andrew Cash OBE").',
      resolve: async (r, _, ctx) => (await PersonRef.getDataloader(ctx).load(r.person_id)).name,
    }),
    role: t.exposeString('title', {
      description: 'The role title as written: "Lead" for every tracker section.',
    }),
    person: t.field({ type: PersonRef, resolve: (r) => r.person_id }),
    organisation: t.field({
      type: OrganisationRef,
      nullable: true,
      description: 'Null when the line names no organisation, or several (see organisations and flags).',
      resolve: (r) => (r.organisation_ids.length === 1 ? (r.organisation_ids[0] ?? null) : null),
    }),
    organisations: t.field({
      type: [OrganisationRef],
      listSize: { assumedSize: 2 },
      resolve: (r) => r.organisation_ids,
    }),
    affiliationAsWritten: t.exposeString('affiliation_as_written', {
      nullable: true,
      description: 'The text after the name, verbatim.',
    }),
    statedOn: t.exposeString('stated_on'),
    source: t.field({ type: 'Source', resolve: citation }),
    flags: t.field({ type: ['Flag'], resolve: (r) => r.flags }),
    asRole: t.field({ type: RoleRef, description: 'The same fact as a Role.', resolve: (r) => r }),
    history: t.field({
      type: ['FigureChange'],
      listSize: { assumedSize: 2 },
      description:
        "Who the tracker's lead for this STP section was over the releases: each value is the holder's Person.id as a release set it, oldest first, with the release, when it landed and its source (the loaded file and row, and the line that row cites).",
      resolve: (r, _, ctx) => roleHolderHistory(ctx).load({ id: r.id }),
    }),
  }),
});
