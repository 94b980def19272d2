import type { Insertable, Selectable } from 'kysely';

export type PriorityKind = 'FOCUS' | 'LINCOLNSHIRE_PRIORITY' | 'WORK_STREAM';
export type OutcomeKind = 'RESULT' | 'TARGET';
export type OutcomeUnit = 'PERCENT' | 'COUNT' | 'GBP_M' | 'WEEKS' | 'HOURS';
export type MatchedIn = 'TITLE' | 'SUB_POINT' | 'SUMMARY';

export interface ProgrammeTable {
  code: string;
  position: number;
  name: string;
  description: string;
}

export interface ProgrammeSourceTable {
  programme_code: string;
  position: number;
  source_document: string;
  source_line: number;
  source_text: string;
}

export interface PriorityTable {
  id: string;
  stp_code: string;
  kind: PriorityKind;
  parent_id: string | null;
  /** 1-based position among its siblings (same STP and kind for top-level items, same parent for work streams). */
  position: number;
  /** Total order within the STP: tracker focuses first, then the paper's priorities with their work streams. */
  sort_key: number;
  section_number: string | null;
  title: string;
  summary: string | null;
  summary_line: number | null;
  source_document: string;
  source_line: number;
  source_text: string;
  flag_code: string | null;
  flag_explanation: string | null;
}

/** A sub-point of a priority or a consideration, one source line each. */
export interface SubPointTable {
  owner_id: string;
  position: number;
  source_document: string;
  source_line: number;
  text: string;
}

export interface StatedOutcomeTable {
  priority_id: string;
  position: number;
  kind: OutcomeKind;
  text: string;
  /** numeric: read back as an exact decimal string. */
  value: string;
  unit: OutcomeUnit;
  source_document: string;
  source_line: number;
  flag_code: string | null;
  flag_explanation: string | null;
}

export interface PriorityProgrammeTable {
  priority_id: string;
  programme_code: string;
  rule: string;
  matched_text: string;
  matched_in: MatchedIn;
}

export interface ConsiderationTable {
  id: string;
  stp_code: string;
  position: number;
  text: string;
  source_document: string;
  source_line: number;
}

export interface ProgrammesDatabase {
  programme: ProgrammeTable;
  programme_source: ProgrammeSourceTable;
  priority: PriorityTable;
  sub_point: SubPointTable;
  stated_outcome: StatedOutcomeTable;
  priority_programme: PriorityProgrammeTable;
  consideration: ConsiderationTable;
}

export type Programme = Selectable<ProgrammeTable>;
export type NewProgramme = Insertable<ProgrammeTable>;
export type ProgrammeSource = Selectable<ProgrammeSourceTable>;
export type NewProgrammeSource = Insertable<ProgrammeSourceTable>;
export type Priority = Selectable<PriorityTable>;
export type NewPriority = Insertable<PriorityTable>;
export type SubPoint = Selectable<SubPointTable>;
export type NewSubPoint = Insertable<SubPointTable>;
export type StatedOutcome = Selectable<StatedOutcomeTable>;
export type NewStatedOutcome = Insertable<StatedOutcomeTable>;
export type PriorityProgramme = Selectable<PriorityProgrammeTable>;
export type NewPriorityProgramme = Insertable<PriorityProgrammeTable>;
export type Consideration = Selectable<ConsiderationTable>;
export type NewConsideration = Insertable<ConsiderationTable>;
