import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SUPERGRAPH_PATH } from './config.js';
import { OWNERSHIP_PATH, ownershipDocument, ownershipFromSupergraph } from './ownership.js';

describe('infra/graph-ownership.md', () => {
  const supergraph = readFileSync(SUPERGRAPH_PATH, 'utf8');

  it('names every entity of the supergraph with its key, its one owner and exactly its extending subgraphs (npm run compose regenerates it)', () => {
    expect(readFileSync(OWNERSHIP_PATH, 'utf8')).toBe(ownershipDocument(supergraph));
  });

  it('reads ownership from the join directives: geography owns Stp, the others extend it', () => {
    const stp = ownershipFromSupergraph(supergraph).find((e) => e.entity === 'Stp');
    expect(stp).toMatchObject({ key: 'code', owner: 'geography' });
    expect(stp?.extendedBy).toEqual(expect.arrayContaining(['finance', 'organisations', 'programmes']));
  });
});
