import { hubError, HubErrorCode, type ReleaseAnnouncement } from '@nhs-hub/kit/subgraph';
import { builder } from '../builder.js';

/** What `releasePublished` delivers: a writer's announcement, and the hub's data version after it when known. */
export type PublishedRelease = ReleaseAnnouncement & { readonly dataVersion?: string | null };

const ReleaseCountsRef = builder.objectRef<PublishedRelease['counts']>('ReleaseCounts').implement({
  fields: (t) => ({
    inserted: t.exposeInt('inserted'),
    updated: t.exposeInt('updated'),
    deleted: t.exposeInt('deleted'),
    kept: t.int({
      nullable: true,
      description: 'Rows a reseed left as a later release had them.',
      resolve: (c) => c.kept ?? null,
    }),
  }),
});

export const ReleaseRef = builder.objectRef<PublishedRelease>('Release').implement({
  description:
    'A release that landed in a data subgraph: a seed, load, delete, replace or revert, numbered within its subgraph.',
  fields: (t) => ({
    subgraph: t.exposeString('subgraph'),
    id: t.exposeInt('id', { description: 'Its number within the subgraph.' }),
    name: t.string({
      description: 'subgraph.id, e.g. finance.12: what `changes(since:)` takes to read what came after it.',
      resolve: (r) => `${r.subgraph}.${r.id}`,
    }),
    at: t.exposeString('at', { description: 'When it landed (ISO 8601, UTC).' }),
    kind: t.exposeString('kind', { description: 'seed, load, delete, replace or revert.' }),
    tables: t.exposeStringList('tables'),
    counts: t.field({ type: ReleaseCountsRef, resolve: (r) => r.counts }),
    reverts: t.int({
      nullable: true,
      description: 'For a revert, the release it undid.',
      resolve: (r) => r.reverts ?? null,
    }),
    dataVersion: t.string({
      nullable: true,
      description: "The hub's data version after this release, when the gateway that delivers it knows it.",
      resolve: (r) => r.dataVersion ?? null,
    }),
  }),
});

builder.subscriptionType({});

builder.subscriptionField('releasePublished', (t) =>
  t.field({
    type: ReleaseRef,
    description:
      'Every release as it lands, in any data subgraph, over Server-Sent Events: refresh what you show when one arrives (then read `changes(since:)` from the last release you saw).',
    // The gateway delivers it (from Redis, or the writer's call): no gateway subscribes here.
    subscribe: (): AsyncIterable<PublishedRelease> => {
      throw hubError(
        'releasePublished is served by the gateway, not by the releases subgraph',
        HubErrorCode.BAD_REQUEST,
      );
    },
    resolve: (release: PublishedRelease) => release,
  }),
);
