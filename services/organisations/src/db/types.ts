import type { FlagShape } from '@nhs-hub/kit/subgraph';
import type { ColumnType, Insertable, Selectable } from 'kysely';
import type { OrganisationKind } from '../domain/kinds.js';

/** jsonb: read back as objects, written as JSON text. */
export type Json<T> = ColumnType<T, string, string>;

export const ROLE_KINDS = [
  'STP_LEAD',
  'CHIEF_EXECUTIVE',
  'CHIEF_OFFICER',
  'NATIONAL_DIRECTOR',
  'REGIONAL_DIRECTOR',
  'EXECUTIVE_DIRECTOR',
  'CHAIR',
  'PROGRAMME_DIRECTOR',
  'PROJECT_DIRECTOR',
  'STRATEGIC_LEAD',
] as const;
export type RoleKind = (typeof ROLE_KINDS)[number];

export interface OrganisationTable {
  /** Stable slug of the name, e.g. south-west-lincolnshire-ccg. */
  id: string;
  position: number;
  name: string;
  kind: OrganisationKind;
  kind_rule: string;
  kind_rule_explanation: string;
  ods_code: string | null;
  ods_source_document: string | null;
  ods_source_line: number | null;
  ods_source_text: string | null;
  flags: Json<FlagShape[]>;
}

/** A line that names the organisation, with the name as written there. */
export interface OrganisationSourceTable {
  organisation_id: string;
  position: number;
  source_document: string;
  source_line: number;
  source_text: string;
}

export interface PersonTable {
  id: string;
  position: number;
  name: string;
  honorific_prefix: string | null;
  given_name: string;
  family_name: string;
  post_nominals: string | null;
  name_without_honorifics: string;
  flags: Json<FlagShape[]>;
}

/** A post a person holds as one line of a source states it. */
export interface RoleTable {
  id: string;
  position: number;
  person_id: string;
  kind: RoleKind;
  title: string;
  stp_code: string | null;
  region_code: string | null;
  affiliation_as_written: string | null;
  stated_on: string;
  stated_on_source_document: string | null;
  stated_on_source_line: number | null;
  stated_on_source_text: string | null;
  source_document: string;
  source_line: number;
  source_text: string;
  /** Where the person's name stands (a signature puts it on the line above the title). */
  name_line: number;
  /** The line of source_document naming its organisations (organisation_source), or null where none does. */
  organisation_line: number | null;
  flags: Json<FlagShape[]>;
}

export interface RoleOrganisationTable {
  role_id: string;
  organisation_id: string;
  position: number;
}

/** One sentence of what the seeds say about a region's leadership, with the line it rests on. */
export interface RegionLeadershipNoteTable {
  region_code: string;
  position: number;
  note: string;
  source_document: string;
  source_line: number;
  source_text: string;
}

export interface OrganisationsDatabase {
  organisation: OrganisationTable;
  organisation_source: OrganisationSourceTable;
  person: PersonTable;
  role: RoleTable;
  role_organisation: RoleOrganisationTable;
  region_leadership_note: RegionLeadershipNoteTable;
}

export type Organisation = Selectable<OrganisationTable>;
export type NewOrganisation = Insertable<OrganisationTable>;
export type OrganisationSource = Selectable<OrganisationSourceTable>;
export type NewOrganisationSource = Insertable<OrganisationSourceTable>;
export type Person = Selectable<PersonTable>;
export type NewPerson = Insertable<PersonTable>;
export type Role = Selectable<RoleTable>;
export type NewRole = Insertable<RoleTable>;
export type NewRoleOrganisation = Insertable<RoleOrganisationTable>;
export type RegionLeadershipNote = Selectable<RegionLeadershipNoteTable>;
export type NewRegionLeadershipNote = Insertable<RegionLeadershipNoteTable>;

/** A role with the organisations it is held through, in the order the source names them. */
export type RoleWithOrganisations = Role & { organisation_ids: string[] };
