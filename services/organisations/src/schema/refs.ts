import { builder } from '../builder.js';
import { findOrganisationsByIds, findPeopleByIds } from '../db/repository.js';

/** Refs declared apart from their fields, so that Organisation, Person and Role can refer to each other. */
export const OrganisationRef = builder.loadableObjectRef('Organisation', {
  load: (ids: string[], ctx) => findOrganisationsByIds(ctx.db, ids),
  sort: (organisation) => organisation.id,
});

export const PersonRef = builder.loadableObjectRef('Person', {
  load: (ids: string[], ctx) => findPeopleByIds(ctx.db, ids),
  sort: (person) => person.id,
});

/** Geography's STP, keyed by ODS code. */
export const StpRef = builder.externalRef('Stp', builder.selection<{ code: string }>('code'));

/** Geography's region, keyed by ODS code. */
export const RegionRef = builder.externalRef('Region', builder.selection<{ code: string }>('code'));
