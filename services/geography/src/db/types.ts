import type { Generated, Insertable, Selectable } from 'kysely';

export type MembershipBasis = 'STATED' | 'INFERRED';
export type IcsWave = 'FIRST_WAVE' | 'SECOND_WAVE';

export interface RegionTable {
  code: string;
  ons_code: string;
  name: string;
  valid_from: string;
  valid_to: string | null;
  /** `stated` or `inferred-date`, as the reference list says. */
  valid_from_certainty: string;
  /** The regions list for every seeded region; a loaded one may cite another document. */
  source_document: string;
  source_line: number;
  source_text: string;
}

export interface StpTable {
  code: string;
  ons_code: string;
  name: string;
  official_name: string;
  official_source_document: string;
  official_source_line: number;
  official_source_text: string;
  tracker_heading_line: number | null;
  tracker_heading_text: string | null;
  tracker_match_note: string | null;
  population: number | null;
  population_line: number | null;
  population_text: string | null;
  valid_from: string | null;
  valid_from_stated: string | null;
  valid_to: string | null;
  valid_to_stated: string | null;
  successor_code: string | null;
}

export interface StpOnsCodeTable {
  ons_code: string;
  stp_code: string;
  valid_from_stated: string | null;
  valid_to_stated: string | null;
  note: string;
  source_document: string;
  source_line: number;
  source_text: string;
}

export interface StpRegionMembershipTable {
  id: Generated<number>;
  stp_code: string;
  region_code: string;
  valid_from: string | null;
  valid_to: string | null;
  basis: MembershipBasis;
  explanation: string;
  source_document: string;
  source_line: number;
  source_text: string;
}

export interface IcsDesignationTable {
  id: Generated<number>;
  stp_code: string;
  ics_name: string;
  wave: IcsWave;
  covers_whole_stp: boolean;
  list_line: number;
  list_text: string;
  wave_line: number;
  wave_text: string;
}

export interface GeographyDatabase {
  region: RegionTable;
  stp: StpTable;
  stp_ons_code: StpOnsCodeTable;
  stp_region_membership: StpRegionMembershipTable;
  ics_designation: IcsDesignationTable;
}

export type Region = Selectable<RegionTable>;
export type NewRegion = Insertable<RegionTable>;
export type Stp = Selectable<StpTable>;
export type NewStp = Insertable<StpTable>;
export type StpOnsCode = Selectable<StpOnsCodeTable>;
export type NewStpOnsCode = Insertable<StpOnsCodeTable>;
export type StpRegionMembership = Selectable<StpRegionMembershipTable>;
export type NewStpRegionMembership = Insertable<StpRegionMembershipTable>;
export type IcsDesignation = Selectable<IcsDesignationTable>;
export type NewIcsDesignation = Insertable<IcsDesignationTable>;
