import { fileURLToPath } from 'node:url';
import { ApolloServer, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
} from '@apollo/server/plugin/disabled';
import type { GraphQLSchema } from 'graphql';
import { type Kysely, sql } from 'kysely';
import { authenticate } from './platform/auth.js';
import { HubErrorCode } from './platform/errors.js';
import type { HubContext, PeerSubgraphs } from './builder.js';
import type { LoadableTable } from './loader.js';
import { lastSeedFingerprint, recordSeedFingerprint, seedFingerprint } from './fingerprint.js';
import {
  ensureReleaseTables,
  filesWithDigests,
  releaseActor,
  type SeedOutcome,
  type SeedReleaseContext,
  seedReleaseContext,
} from './releases.js';
import { formatHubError, isProduction, requestLogPlugin } from './platform/observability.js';
import { documentLimitRules, subgraphParseOptions } from './platform/limits.js';
import { GATEWAY_SIGNATURE_HEADER, signedByGateway } from './platform/gateway-signature.js';
import { readEnvVars, subgraphUrlOverrides } from './platform/env.js';
import { readDataSubgraphs } from './repo.js';
import type { HubDatabase, SubgraphDatabase } from './db.js';
import {
  type MigrationOutcome,
  type MigrationSet,
  migrateSchema,
  pendingMigrations,
  withSchemaLock,
} from './migrate.js';
import { apolloHandler, type ReadinessReport, type RunningServer, sendJson, serve } from './platform/server.js';
import { RELEASE_PATHS, releaseRoutes } from './release-routes.js';
import type { SqlCounter } from './sql-counter.js';
import {
  activeSpan,
  endRequestTrace,
  markErrors,
  nameOperation,
  startRequestTrace,
  tracingOn,
  withinTrace,
} from './platform/tracing.js';

/** What a seed step reports: rows loaded per table. */
export type SeedReport = Record<string, number>;

/**
 * Everything the hub needs to run one subgraph. Each service's `src/index.ts` exports one, so the
 * hub, the tests and the standalone server start every subgraph the same way.
 */
export interface SubgraphDefinition<DB> {
  readonly name: string;
  readonly schema: GraphQLSchema;
  readonly migrations: MigrationSet;
  /** Validates the subgraph's data files, then replaces its rows in one transaction. */
  readonly seed: (db: Kysely<DB>) => Promise<SeedReport>;
  /**
   * The package folder (`new URL('../', import.meta.url)` from src/index.ts). With it, a start whose
   * data, db code and sources are unchanged since the last seed skips reseeding.
   */
  readonly packageRoot?: URL;
  /** Tables `npm run load` may load files into, by table name. */
  readonly loadables?: Readonly<Record<string, LoadableTable>>;
  /**
   * The keys this subgraph owns that other subgraphs' rows refer to, by list name (geography: `stp`,
   * `region`), computed from its data files; `npm run publish:references` writes them for loads to check.
   */
  readonly publishes?: () => Record<string, readonly string[]>;
  /**
   * true for a subgraph that owns no tables (releases): nothing is migrated nor seeded for it, it
   * answers no /releases/* routes, and its resolvers read the data subgraphs through `context.peers`.
   */
  readonly dataless?: true;
}

export interface StartSubgraphOptions {
  readonly database: HubDatabase;
  /** Postgres schema for this subgraph's tables; defaults to the subgraph's name. */
  readonly schemaName?: string | undefined;
  readonly port?: number | undefined;
  readonly host?: string | undefined;
  /** true: always seed; 'if-changed': only when the seed fingerprint differs; false: never. */
  readonly seed?: boolean | 'if-changed' | undefined;
  /**
   * 'latest' (default) migrates before serving. 'verify' never migrates nor seeds (a one-shot Job
   * does, once per rollout) and answers not ready while the schema lacks a migration this code has.
   */
  readonly migrate?: 'latest' | 'verify' | undefined;
  /** The key the gateway signs its calls with; HUB_GATEWAY_SECRET unless given. Set (or in production): only signed calls are answered. */
  readonly gatewaySecret?: string | undefined;
  /**
   * The data subgraphs' GraphQL URLs by name, for a `dataless` subgraph. Read at request time, so the
   * hub may fill the object as it starts them. Unset: schema/subgraphs.json's, each overridden by
   * SUBGRAPH_<NAME>_URL as the gateway's are.
   */
  readonly peers?: Readonly<Record<string, string>> | undefined;
}

/** Where a dataless subgraph finds the data subgraphs when not told: as the gateway does (config, then SUBGRAPH_<NAME>_URL). */
export function configuredPeers(self: string): Record<string, string> {
  const entries = readDataSubgraphs().filter((entry) => entry.name !== self);
  const overrides = subgraphUrlOverrides(entries.map((entry) => entry.name));
  return Object.fromEntries(entries.map((entry) => [entry.name, overrides[entry.name] ?? entry.url]));
}

export interface RunningSubgraph<DB> extends RunningServer {
  readonly db: Kysely<DB>;
  readonly counter: SqlCounter;
  readonly schemaName: string;
  readonly seedReport: SeedReport | null;
  /** What this start's reseed changed (its release) and the loaded rows it left alone; null when it did not seed. */
  readonly seedOutcome: SeedOutcome | null;
  readonly migrations: MigrationOutcome;
}

/** What preparing a subgraph's schema did at start-up. */
export interface PreparedSubgraph<DB> {
  readonly scoped: SubgraphDatabase<DB>;
  /** Rows loaded per table, or null when this start did not seed (unchanged data, or seed off). */
  readonly seedReport: SeedReport | null;
  /** The reseed's release and what it kept (see `replaceTables`); null when this start did not seed. */
  readonly seedOutcome: SeedOutcome | null;
  readonly migrations: MigrationOutcome;
}

/**
 * Migrates and seeds one subgraph's schema. Replicas of one subgraph starting together take turns
 * (an advisory lock per schema on PostgreSQL): with 'if-changed' exactly one of them seeds changed
 * data and the others find it recorded, so rows are never loaded twice.
 */
export async function prepareSubgraph<DB>(
  definition: SubgraphDefinition<DB>,
  database: HubDatabase,
  schemaName: string = definition.name,
  seed: boolean | 'if-changed' = true,
): Promise<PreparedSubgraph<DB>> {
  const scoped = database.forSchema<DB>(schemaName);
  return withSchemaLock(database, schemaName, async () => {
    const migrations = await migrateSchema(scoped.db, schemaName, definition.migrations);
    // Every schema records its releases from its first start, whether or not this one seeds.
    await ensureReleaseTables(scoped.db);
    const unseeded = { scoped, seedReport: null, seedOutcome: null, migrations };
    if (!seed) return unseeded;
    // A newer release has migrated this schema and seeded it with its own code: an older replica
    // (restarting mid-rollout, or a rollback) serves those rows rather than replacing them.
    if (seed === 'if-changed' && migrations.ahead.length > 0) return unseeded;
    const fingerprint = definition.packageRoot ? seedFingerprint(definition.packageRoot) : null;
    const untyped = scoped.db as unknown as Kysely<unknown>;
    if (seed === 'if-changed' && fingerprint && (await lastSeedFingerprint(untyped, schemaName)) === fingerprint) {
      return unseeded;
    }
    // The seed's release records the data files it read, with their digests.
    const context: SeedReleaseContext = {
      actor: `${releaseActor()} (seed at start)`,
      files: definition.packageRoot ? filesWithDigests(fileURLToPath(new URL('data/', definition.packageRoot))) : [],
      keys: Object.fromEntries(Object.values(definition.loadables ?? {}).map((l) => [l.table, l.key])),
      entities: Object.fromEntries(
        Object.values(definition.loadables ?? {}).flatMap((l) => (l.entity ? [[l.table, l.entity]] : [])),
      ),
    };
    const seedReport = await seedReleaseContext.run(context, () => definition.seed(scoped.db));
    if (fingerprint) await recordSeedFingerprint(untyped, schemaName, fingerprint);
    return { scoped, seedReport, seedOutcome: context.outcome ?? null, migrations };
  });
}

export function createSubgraphApollo<DB>(name: string, schema: GraphQLSchema): ApolloServer<HubContext<DB>> {
  return new ApolloServer<HubContext<DB>>({
    schema,
    // Outside NODE_ENV=test Apollo would answer SIGTERM itself by re-raising it once stopped, killing the
    // process before serve() has drained in-flight requests. The process's own handler drains, then exits 0.
    stopOnTerminationSignals: false,
    // The gateway asks for traces only when usage reporting is on; never pay for them here.
    // Cache control wraps every resolver to compute cache hints nobody reads here; off, it costs nothing.
    plugins: [
      ApolloServerPluginInlineTraceDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      requestLogPlugin<HubContext<DB>>(name),
      partialErrorsPlugin<DB>(),
      // Decided once, at start: without tracing, requests do not even pass through the plugin.
      ...(tracingOn() ? [operationSpanPlugin<HubContext<DB>>()] : []),
    ],
    includeStacktraceInErrorResponses: !isProduction(),
    // The gateway's document limits, so a subgraph reached directly is no softer than the gateway.
    validationRules: documentLimitRules(),
    parseOptions: subgraphParseOptions,
    // "Did you mean ...?" names fields, arguments and enum values the caller did not know of.
    hideSchemaDetailsFromClientErrors: isProduction(),
    formatError: formatHubError,
  });
}

/** Answers the errors a resolver set aside in `context.partial` beside its data (see HubContext). */
function partialErrorsPlugin<DB>(): ApolloServerPlugin<HubContext<DB>> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          const partial = contextValue.partial;
          if (!partial?.length || response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          result.errors = [...(result.errors ?? []), ...partial.map((error) => formatHubError(error.toJSON()))];
        },
      };
    },
  };
}

/** Names the subgraph's request span after the operation the gateway sent, and marks it failed on errors. */
function operationSpanPlugin<TContext extends BaseContext>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      const span = activeSpan();
      if (!span) return;
      return {
        async didResolveOperation({ operation }) {
          if (operation) nameOperation(span, operation.operation, operation.name?.value);
        },
        async willSendResponse({ errors }) {
          if (errors?.length)
            markErrors(
              span,
              errors.map((e) => String(e.extensions?.code ?? HubErrorCode.INTERNAL_SERVER_ERROR)),
            );
        },
      };
    },
  };
}

export async function startSubgraph<DB>(
  definition: SubgraphDefinition<DB>,
  options: StartSubgraphOptions,
): Promise<RunningSubgraph<DB>> {
  const schemaName = options.schemaName ?? definition.name;
  const verifyOnly = options.migrate === 'verify';
  const dataless = definition.dataless === true;
  const { scoped, seedReport, seedOutcome, migrations } =
    verifyOnly || dataless
      ? {
          scoped: options.database.forSchema<DB>(schemaName),
          seedReport: null,
          seedOutcome: null,
          migrations: { applied: [], ahead: [] },
        }
      : await prepareSubgraph(definition, options.database, schemaName, options.seed ?? true);
  // Once current, a schema stays current for this process: no need to ask on every probe.
  let migrated = !verifyOnly;
  // In production, or wherever a gateway secret is set, only the gateway's signed calls are
  // answered: decided at start, as the gateway decides to sign at its start.
  const gatewaySecret = options.gatewaySecret ?? readEnvVars(['HUB_GATEWAY_SECRET']).HUB_GATEWAY_SECRET;
  const peers: PeerSubgraphs | undefined = dataless
    ? { urls: options.peers ?? configuredPeers(definition.name), gatewaySecret }
    : undefined;
  const apollo = createSubgraphApollo<DB>(definition.name, definition.schema);
  const graphql = await apolloHandler(apollo, async ({ requestId, headers }) => ({
    requestId,
    db: scoped.db,
    auth: await authenticate(headers.authorization),
    peers,
    ...(dataless ? { partial: [] } : {}),
  }));
  const gatewayOnly = isProduction() || gatewaySecret !== undefined;
  // The version read goes uncounted (the gateways ask every few seconds): tests that count a
  // request's statements never see it.
  const releases = dataless
    ? async () => false
    : releaseRoutes(definition.name, scoped.db, options.database.root.withSchema(schemaName));
  const running = await serve({
    name: definition.name,
    // A traced request continues the gateway's trace (its traceparent); its SQL statements are children.
    handler: async (req, res, request) => {
      if (gatewayOnly && !(gatewaySecret && signedByGateway(req, request.body, gatewaySecret)))
        return sendJson(res, 401, {
          errors: [
            {
              message: gatewaySecret
                ? `This subgraph answers only the gateway: the request lacks a current ${GATEWAY_SIGNATURE_HEADER} made for it.`
                : 'This subgraph answers only the gateway, and has no HUB_GATEWAY_SECRET to know it by.',
              extensions: { code: HubErrorCode.UNAUTHENTICATED, requestId: request.requestId },
            },
          ],
        });
      if (await releases(req, res)) return;
      const requestTrace = startRequestTrace(definition.name, req);
      if (!requestTrace) return graphql(req, res, request);
      // A request that threw is answered 500 by the front door, after this handler has returned.
      let status = 500;
      try {
        await withinTrace(requestTrace, () => graphql(req, res, request));
        status = res.statusCode;
      } finally {
        endRequestTrace(requestTrace, status);
      }
    },
    onClose: () => apollo.stop(),
    port: options.port,
    host: options.host,
    extraPaths: dataless ? [] : Object.values(RELEASE_PATHS),
    ready: async (): Promise<ReadinessReport> => {
      // It has no database to wait for; a data subgraph that is down costs its part of an answer, not readiness.
      if (dataless) return { ready: true, checks: {} };
      try {
        await sql`select 1`.execute(scoped.db);
        if (!migrated) {
          const pending = await pendingMigrations(scoped.db, schemaName, definition.migrations);
          if (pending.length > 0)
            return { ready: false, checks: { database: true, migrations: `pending: ${pending.join(', ')}` } };
          migrated = true;
        }
        return { ready: true, checks: { database: true, ...(verifyOnly ? { migrations: true } : {}) } };
      } catch (error) {
        return { ready: false, checks: { database: (error as Error).message } };
      }
    },
  });
  return { ...running, db: scoped.db, counter: scoped.counter, schemaName, seedReport, seedOutcome, migrations };
}
