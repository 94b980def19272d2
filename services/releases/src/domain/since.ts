import { badInput } from '@nhs-hub/kit/subgraph';
import { z } from 'zod';

/**
 * Where a reader of `changes` starts: after a time, after one subgraph's release (and, in the other
 * subgraphs, after the time it landed), after each release of a data version a client last saw
 * (`finance.12-geography.3-...`), or from the first release.
 */
export type Since =
  | { readonly kind: 'beginning' }
  | { readonly kind: 'time'; readonly at: string }
  | { readonly kind: 'release'; readonly subgraph: string; readonly release: number }
  | { readonly kind: 'version'; readonly releases: Readonly<Record<string, number>> };

const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const RELEASE = /^([a-z][a-z0-9_]*)\.(\d{1,9})$/;

const example =
  'an ISO 8601 time (2026-12-07T09:00:00Z), a release (finance.12) or a data version (finance.12-geography.3)';

/** Reads `since`; a value it cannot read, or a subgraph it does not know, is the caller's mistake. */
export function parseSince(value: string | null | undefined, subgraphs: readonly string[]): Since {
  if (value === null || value === undefined || value === '') return { kind: 'beginning' };
  const shown = JSON.stringify(value.slice(0, 80));
  if (ISO_TIME.test(value)) {
    const time = Date.parse(value);
    if (Number.isNaN(time)) throw badInput(`since ${shown} is not a real time; give ${example}`, 'since');
    return { kind: 'time', at: new Date(time).toISOString() };
  }
  const parts = value.split('-');
  const releases: Record<string, number> = {};
  for (const part of parts) {
    const match = RELEASE.exec(part);
    if (!match?.[1] || !match[2]) throw badInput(`since ${shown} is not ${example}`, 'since');
    const subgraph = match[1];
    if (!subgraphs.includes(subgraph))
      throw badInput(
        `since ${shown} names ${subgraph}, which is not a data subgraph (${subgraphs.join(', ')})`,
        'since',
      );
    if (subgraph in releases) throw badInput(`since ${shown} names ${subgraph} twice`, 'since');
    releases[subgraph] = Number(match[2]);
  }
  const [only] = Object.entries(releases);
  // After release 0 of a subgraph is before its first: everything, there and (at no time yet) everywhere.
  if (parts.length === 1 && only?.[1] === 0) return { kind: 'beginning' };
  if (parts.length === 1 && only) return { kind: 'release', subgraph: only[0], release: only[1] };
  return { kind: 'version', releases };
}

/**
 * Where a page stopped in one subgraph: the last change record it read (`id`), and how many of that
 * record's fields it gave (`fields`; 0 when all of them, so the next page starts after the record).
 */
export interface Position {
  readonly id: number;
  readonly fields: number;
}

/** What `after` carries: each subgraph's position, and the time a `release` since resolved to. */
export interface Cursor {
  readonly positions: Readonly<Record<string, Position>>;
  readonly sinceTime?: string | undefined;
}

const CursorSchema = z.object({
  v: z.literal(1),
  // Bounded as the subgraphs' routes bound a change id (15 digits): a forged cursor is refused here, not there.
  p: z.record(
    z.string().regex(/^[a-z][a-z0-9_]*$/),
    z.tuple([z.number().int().min(0).max(999_999_999_999_999), z.number().int().min(0).max(100_000)]),
  ),
  t: z.iso.datetime().optional(),
});

export function encodeCursor(cursor: Cursor): string {
  const p = Object.fromEntries(Object.entries(cursor.positions).map(([name, { id, fields }]) => [name, [id, fields]]));
  return Buffer.from(JSON.stringify({ v: 1, p, ...(cursor.sinceTime ? { t: cursor.sinceTime } : {}) })).toString(
    'base64url',
  );
}

/** Reads `after`: only a cursor this subgraph wrote (an endCursor) is accepted. */
export function decodeCursor(value: string | null | undefined, subgraphs: readonly string[]): Cursor | null {
  if (value === null || value === undefined || value === '') return null;
  const refuse = () => badInput('after must be an endCursor from an earlier page of changes', 'after');
  if (value.length > 4_000 || !/^[A-Za-z0-9_-]+$/.test(value)) throw refuse();
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    throw refuse();
  }
  const parsed = CursorSchema.safeParse(json);
  if (!parsed.success) throw refuse();
  const unknown = Object.keys(parsed.data.p).find((name) => !subgraphs.includes(name));
  if (unknown) throw badInput(`after names ${unknown}, which is not a data subgraph`, 'after');
  return {
    positions: Object.fromEntries(Object.entries(parsed.data.p).map(([name, [id, fields]]) => [name, { id, fields }])),
    sinceTime: parsed.data.t,
  };
}
