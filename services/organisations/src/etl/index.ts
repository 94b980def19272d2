import { type DataProblem, replaceTables, type SeedReport, throwIfProblems } from '@nhs-hub/kit/subgraph';
import type { Kysely } from 'kysely';
import type {
  NewOrganisation,
  NewOrganisationSource,
  NewPerson,
  NewRegionLeadershipNote,
  NewRole,
  NewRoleOrganisation,
  OrganisationsDatabase,
} from '../db/types.js';
import { DATED_PARTS } from './sources.js';
import { checkDatedParts } from './dated-parts.js';
import { DATA_FILES, DataFolder, ORGANISATIONS_DATA_DIR } from './files.js';
import { readOrganisationSources } from './organisation-sources.js';
import { readOrganisations } from './organisations.js';
import { readPeople } from './people.js';
import { readRegionLeadership } from './region-leadership.js';
import { readRoles } from './roles.js';
import { readSections } from './sections.js';

export { DATA_FILES, ORGANISATIONS_DATA_DIR };

export interface OrganisationsRows {
  organisations: NewOrganisation[];
  organisationSources: NewOrganisationSource[];
  people: NewPerson[];
  roles: NewRole[];
  roleOrganisations: NewRoleOrganisation[];
  regionNotes: NewRegionLeadershipNote[];
}

export interface OrganisationsDataPaths {
  /** Folder holding the data files (see DATA_FILES); defaults to the subgraph's data/. */
  dataDir?: string;
}

/**
 * Runs every step over the data files, checking each fact against the verbatim seeds and the
 * others, and returns the rows to load. Steps collect problems rather than stopping, so a
 * DataFileError lists every one (file:line [column]) before the database is touched.
 */
export function buildOrganisationsRows(paths: OrganisationsDataPaths = {}): OrganisationsRows {
  const folder = new DataFolder(paths.dataDir);
  const problems: DataProblem[] = [];
  checkDatedParts(DATED_PARTS, problems);
  const sections = readSections(folder, problems);
  const { rows: organisationRows, organisations } = readOrganisations(folder, problems);
  const organisationSources = readOrganisationSources(folder, organisationRows, problems);
  const { people, byId } = readPeople(folder, problems);
  const { roles, roleOrganisations } = readRoles(
    folder,
    { sections, organisationIds: new Set(organisations.map((o) => o.id)), organisationSources, people: byId },
    problems,
  );
  const regionNotes = readRegionLeadership(folder, problems);
  throwIfProblems(problems);
  return { organisations, organisationSources, people, roles, roleOrganisations, regionNotes };
}

/** Validates every data file first, then replaces the subgraph's rows in one transaction. */
export async function seedOrganisations(
  db: Kysely<OrganisationsDatabase>,
  paths: OrganisationsDataPaths = {},
): Promise<SeedReport> {
  const rows = buildOrganisationsRows(paths);
  return replaceTables(db, [
    ['organisation', rows.organisations],
    ['organisation_source', rows.organisationSources],
    ['person', rows.people],
    ['role', rows.roles],
    ['role_organisation', rows.roleOrganisations],
    ['region_leadership_note', rows.regionNotes],
  ]);
}
