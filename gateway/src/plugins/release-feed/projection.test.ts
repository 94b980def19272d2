import type { ReleaseAnnouncement } from '@nhs-hub/kit/platform';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { project, published } from './projection.js';

const release: ReleaseAnnouncement = {
  subgraph: 'workforce',
  id: 12,
  at: '2026-12-07T10:00:00.000Z',
  actor: 'loader',
  kind: 'load',
  tables: ['fact'],
  files: [],
  counts: { inserted: 3, updated: 1, deleted: 0 },
  reverts: null,
  revertedBy: null,
};

describe('a release as published', () => {
  it("is the releases subgraph's Release, named subgraph.id, with the data version it moved the graph to", () => {
    expect(published(release, 'finance.4-workforce.12')).toEqual({
      __typename: 'Release',
      subgraph: 'workforce',
      id: 12,
      name: 'workforce.12',
      at: '2026-12-07T10:00:00.000Z',
      kind: 'load',
      tables: ['fact'],
      counts: { __typename: 'ReleaseCounts', inserted: 3, updated: 1, deleted: 0, kept: null },
      reverts: null,
      dataVersion: 'finance.4-workforce.12',
    });
  });
});

describe('the part of it a subscription selects', () => {
  const value = { releasePublished: published(release, 'workforce.12') };

  it('is what the document selects, under its aliases, through fragments inline and named', () => {
    const document = parse(`
      subscription {
        releasePublished {
          which: name
          ... on Release { kind counts { inserted } }
          ...Moved
        }
      }
      fragment Moved on Release { dataVersion tables }
    `);
    expect(project(document, value)).toEqual({
      releasePublished: {
        which: 'workforce.12',
        kind: 'load',
        counts: { inserted: 3 },
        dataVersion: 'workforce.12',
        tables: ['fact'],
      },
    });
  });

  it('is null for a field the release does not have, and nothing for a document without an operation', () => {
    expect(project(parse('subscription { releasePublished { reverts missing } }'), value)).toEqual({
      releasePublished: { reverts: null, missing: null },
    });
    expect(project(parse('fragment F on Release { name }'), value)).toEqual({});
  });
});
