import { type Citation, cite } from '@nhs-hub/kit/subgraph';

/** The STPs an organisation's roles lead, each once, in the roles' order. */
export function stpsLed(roles: readonly { readonly kind: string; readonly stp_code: string | null }[]): string[] {
  return [...new Set(roles.flatMap((r) => (r.kind === 'STP_LEAD' && r.stp_code ? [r.stp_code] : [])))];
}

/** Every line a person's name stands on, each once, citing the name as the person is known. */
export function nameCitations(
  name: string,
  roles: readonly { readonly source_document: string; readonly name_line: number }[],
): Citation[] {
  const seen = new Set<string>();
  return roles.flatMap((r) => {
    const key = `${r.source_document}:${r.name_line}`;
    if (seen.has(key)) return [];
    seen.add(key);
    return [cite(r.source_document, r.name_line, name)];
  });
}

/**
 * Said where the seeds announce regional director posts without naming anyone, so no reader
 * mistakes an empty list for missing data.
 */
export const NO_NAMED_LEADER = 'The seeds name no regional director for this region; they announce the posts only.';

/** What the seeds say about a region's leadership, where no one is named: null when they say nothing. */
export function leadershipNote(notes: readonly { readonly note: string }[], leaders: number): string | null {
  if (notes.length === 0 && leaders === 0) return null;
  return [...(leaders === 0 ? [NO_NAMED_LEADER] : []), ...notes.map((n) => n.note)].join(' ');
}
