import type { Insertable, Selectable } from 'kysely';

export interface WorkforceFactTable {
  id: string;
  stp_code: string;
  kind: string;
  /** numeric, read back as an exact decimal string. */
  value: string | null;
  unit: string | null;
  qualifier: string | null;
  statement: string;
  source_document: string;
  source_line: number;
}

export interface WorkforceDatabase {
  workforce_fact: WorkforceFactTable;
}

export type WorkforceFact = Selectable<WorkforceFactTable>;
export type NewWorkforceFact = Insertable<WorkforceFactTable>;
