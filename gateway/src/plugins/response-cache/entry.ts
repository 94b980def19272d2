/** One stored answer: the operation's metrics label and surrogate keys, then the bytes the runtime sent. */
export interface StoredAnswer {
  readonly label: string;
  readonly keys: readonly string[];
  readonly text: string;
}

/**
 * What is stored for an answer without errors: its label and keys on the first line, so a hit is
 * named and keyed as the miss was, then the bytes the runtime sends for it (Yoga drops
 * `extensions.http`, and `extensions` when nothing else is left in it).
 */
export function entryOf(
  label: string,
  keys: readonly string[],
  result: { readonly data?: unknown; readonly extensions?: Readonly<Record<string, unknown>> | undefined },
): string {
  const { http: _http, ...others } = result.extensions ?? {};
  const text = JSON.stringify({ ...result, extensions: Object.keys(others).length ? others : undefined });
  return `${label}\t${keys.join(' ')}\n${text}`;
}

/** A stored entry read back. */
export function readEntry(stored: string): StoredAnswer {
  const newline = stored.indexOf('\n');
  const [label = '', keys = ''] = stored.slice(0, newline).split('\t');
  return { label, keys: keys.split(' '), text: stored.slice(newline + 1) };
}
