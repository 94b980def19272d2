import { defineLoader, groupByKey, type HubContext, historyLoader } from '@nhs-hub/kit/subgraph';
import {
  notesOfRegions,
  type RoleThroughOrganisation,
  rolesOfOrganisations,
  rolesOfPeople,
  rolesOfRegions,
  rolesOfStps,
  sourcesOfOrganisations,
} from '../db/repository.js';
import type {
  OrganisationSource,
  OrganisationsDatabase,
  RegionLeadershipNote,
  RoleWithOrganisations,
} from '../db/types.js';

export type Ctx = HubContext<OrganisationsDatabase>;

/** STP leads per STP code: one statement for every STP in the request. */
export const leadsByStp = defineLoader<Ctx, string, RoleWithOrganisations[]>(async (codes, ctx) =>
  groupByKey(codes, await rolesOfStps(ctx.db, codes, 'STP_LEAD'), (r) => r.stp_code ?? ''),
);

export const rolesByPerson = defineLoader<Ctx, string, RoleWithOrganisations[]>(async (ids, ctx) =>
  groupByKey(ids, await rolesOfPeople(ctx.db, ids), (r) => r.person_id),
);

export const rolesByOrganisation = defineLoader<Ctx, string, RoleThroughOrganisation[]>(async (ids, ctx) =>
  groupByKey(ids, await rolesOfOrganisations(ctx.db, ids), (r) => r.through_organisation_id),
);

export const sourcesByOrganisation = defineLoader<Ctx, string, OrganisationSource[]>(async (ids, ctx) =>
  groupByKey(ids, await sourcesOfOrganisations(ctx.db, ids), (s) => s.organisation_id),
);

export const leadersByRegion = defineLoader<Ctx, string, RoleWithOrganisations[]>(async (codes, ctx) =>
  groupByKey(codes, await rolesOfRegions(ctx.db, codes), (r) => r.region_code ?? ''),
);

export const leadershipNotesByRegion = defineLoader<Ctx, string, RegionLeadershipNote[]>(async (codes, ctx) =>
  groupByKey(codes, await notesOfRegions(ctx.db, codes), (n) => n.region_code),
);

/** Who held each role over releases (its person_id as each release set it): one statement for every role in the request. */
export const roleHolderHistory = historyLoader<OrganisationsDatabase>('role', 'person_id');
