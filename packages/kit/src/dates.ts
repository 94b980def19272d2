/** Today's date in ISO form (UTC), the default "as of" for questions about the present. */
export function todayIso(): string {
  return new Date().toISOString().slice(0, 10);
}

/** Whether an ISO date falls within an inclusive validity period; null bounds are open. */
export function isWithin(date: string, from: string | null, to: string | null): boolean {
  return (from === null || from <= date) && (to === null || to >= date);
}
