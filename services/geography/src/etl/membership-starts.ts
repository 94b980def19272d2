import type { StpRows } from './stps-2019.js';

/**
 * A membership cannot start before its STP existed: the April 2019 list states 2018/19 regions
 * for the whole year, but QHM formed on 2018-06-07, inside it. Each membership is moved to start
 * no earlier than its STP; one that starts later, or an STP with no stated start, is left as it is.
 */
export function startMembershipsWithStps(rows: Pick<StpRows, 'stps' | 'memberships'>): void {
  for (const m of rows.memberships) {
    const from = rows.stps.find((s) => s.code === m.stp_code)?.valid_from;
    if (from && (m.valid_from === null || m.valid_from === undefined || m.valid_from < from)) m.valid_from = from;
  }
}
