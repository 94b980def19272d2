import type { Insertable, Selectable } from 'kysely';

export interface __Name__FactTable {
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

export interface __Name__Database {
  __name___fact: __Name__FactTable;
}

export type __Name__Fact = Selectable<__Name__FactTable>;
export type New__Name__Fact = Insertable<__Name__FactTable>;
