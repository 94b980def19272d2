import { describe, expect, it } from 'vitest';
import { entryOf, readEntry } from './entry.js';

describe('a stored answer', () => {
  it('reads back with the label and surrogate keys it was stored with, and the bytes the runtime sends', () => {
    const result = {
      data: { stp: { name: 'Lincolnshire' } },
      extensions: { dataVersion: 'geography.1', http: { headers: { 'cache-control': 'no-cache' } } },
    };
    const stored = entryOf('StpOverview', ['hub', 'subgraph:geography'], result);
    expect(readEntry(stored)).toEqual({
      label: 'StpOverview',
      keys: ['hub', 'subgraph:geography'],
      // extensions.http is the runtime's instruction for the response, never part of its body.
      text: '{"data":{"stp":{"name":"Lincolnshire"}},"extensions":{"dataVersion":"geography.1"}}',
    });
  });

  it('leaves extensions out when http was all it held, as the runtime does', () => {
    const stored = entryOf('anonymous', ['hub'], { data: { ok: true }, extensions: { http: { status: 200 } } });
    expect(readEntry(stored).text).toBe('{"data":{"ok":true}}');
    expect(readEntry(entryOf('anonymous', ['hub'], { data: { ok: true } })).text).toBe('{"data":{"ok":true}}');
  });

  it('keeps a body that holds tabs and newlines whole (only the first line is the label and keys)', () => {
    const text = readEntry(entryOf('Q', ['hub'], { data: { note: 'a\tb\nc' } })).text;
    expect(JSON.parse(text)).toEqual({ data: { note: 'a\tb\nc' } });
  });
});
