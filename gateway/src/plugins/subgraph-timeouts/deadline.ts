/**
 * When one subgraph call is abandoned (a `performance.now()` time), and what its error then says:
 * `timeoutMs` after it starts, unless the request's own deadline comes first and cuts it short
 * (the answer keeps what came in time).
 */
export function callDeadline(
  subgraph: string,
  now: number,
  timeoutMs: number,
  requestDeadline: number | undefined,
): { readonly deadline: number; readonly late: string } {
  const own = now + timeoutMs;
  return requestDeadline !== undefined && requestDeadline < own
    ? { deadline: requestDeadline, late: `Subgraph "${subgraph}" did not answer before the request's deadline` }
    : { deadline: own, late: `Subgraph "${subgraph}" did not answer within ${timeoutMs} ms` };
}
