/** One STP's priority items under one programme, as counted by the database. */
export interface StpProgrammeCount {
  readonly stp_code: string;
  readonly programme_code: string;
  /** count(*): a number on PGlite, a string on PostgreSQL (int8), read either way. */
  readonly priority_count: number | string;
}

export interface ProgrammeCount<P> {
  readonly programme: P;
  /** Member STPs with at least one priority under the programme. */
  readonly stpCount: number;
  /** Priority items under the programme across the member STPs. */
  readonly priorityCount: number;
}

/** Every programme, in the order given, with how many of the STPs and their priorities fall under it; zeros kept. */
export function countsByProgramme<P extends { readonly code: string }>(
  programmes: readonly P[],
  counts: readonly StpProgrammeCount[],
): ProgrammeCount<P>[] {
  return programmes.map((programme) => {
    const mine = counts.filter((c) => c.programme_code === programme.code && Number(c.priority_count) > 0);
    return {
      programme,
      stpCount: new Set(mine.map((c) => c.stp_code)).size,
      priorityCount: mine.reduce((sum, c) => sum + Number(c.priority_count), 0),
    };
  });
}
