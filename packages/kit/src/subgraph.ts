/**
 * `@nhs-hub/kit/subgraph`: everything a subgraph imports (builder set-up, standalone server, database,
 * migrations, ETL helpers, loaders, sources, errors, auth) and nothing of the gateway. A subgraph
 * process loads only this; gateway code (Hive, @apollo/gateway, graphql-armor, the response cache)
 * stays behind `./gateway` and `./apollo-gateway`, and subgraph-entry.test.ts keeps it that way.
 */
export * from './platform/auth.js';
export * from './builder.js';
export * from './data.js';
export * from './data-rules.js';
export * from './dates.js';
export * from './db.js';
export * from './command-database.js';
export * from './platform/env.js';
export * from './platform/errors.js';
export * from './platform/gateway-signature.js';
export type { ReleaseAnnouncement } from './platform/cache-purge.js';
export * from './platform/heap.js';
export * from './loader.js';
export * from './history.js';
export * from './loaders.js';
export * from './migrate.js';
export * from './migration-columns.js';
export * from './migration-files.js';
export * from './platform/observability.js';
export * from './paging.js';
export * from './seed.js';
export * from './reference-lists.js';
export * from './release-routes.js';
export * from './releases.js';
export * from './repo.js';
export * from './platform/server.js';
export * from './sources.js';
export * from './sql-counter.js';
export * from './standalone.js';
export * from './subgraph-runtime.js';
