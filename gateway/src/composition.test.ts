import { describe, expect, it } from 'vitest';
import { composeSupergraph, staleFiles } from './composition.js';
import { readGraphConfig } from './config.js';

describe('schema governance', () => {
  it('composes every configured subgraph with no hints', async () => {
    const result = await composeSupergraph();
    expect(result.hints).toEqual([]);
    expect([...result.subgraphSdl.keys()]).toEqual(readGraphConfig().map((s) => s.name));
  });

  it('has checked-in subgraph SDL and supergraph matching the code (run `npm run compose` when this fails)', async () => {
    expect(staleFiles(await composeSupergraph())).toEqual([]);
  });
});
