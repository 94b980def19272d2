import { randomBytes } from 'node:crypto';
import { composeServices } from '@apollo/composition';
import { isProduction, readEnvVars } from '@nhs-hub/kit/platform';
import { printSubgraphSdl, type RunningSubgraph, type SubgraphDefinition } from '@nhs-hub/kit/subgraph';
import { createTestHub, type GraphQLResponseBody, postGraphQL, type TestHub } from '@nhs-hub/kit/testing';
import { parse } from 'graphql';
import type { Kysely } from 'kysely';
import { type GatewayOptions, type RunningGateway, startGateway } from './gateway.js';

/**
 * `@nhs-hub/gateway/testing`: the real stack for a test, subgraphs and the production gateway in
 * process on port 0. Subgraph tests that check their part of the composed graph use it too.
 */
export * from '@nhs-hub/kit/testing';

export interface TestGraph {
  readonly hub: TestHub;
  readonly gatewayUrl: string;
  readonly gateway: RunningGateway;
  /** The supergraph composed from exactly these subgraphs, for tests that start gateways of their own. */
  readonly supergraphSdl: string;
  /** Running subgraphs by name: their URL, db and SQL counter. */
  readonly subgraphs: Record<string, RunningSubgraph<unknown>>;
  /** Total SQL statements across every subgraph since the last reset. */
  statements(): number;
  resetCounters(): void;
  close(): Promise<void>;
}

/**
 * Starts the given subgraphs (each in a fresh schema) and a gateway over a supergraph composed from
 * exactly those subgraphs, all in-process on port 0. For tests of federation through the real stack.
 */
export async function startTestGraph(
  definitions: readonly SubgraphDefinition<unknown>[],
  gatewayOptions: Partial<Omit<GatewayOptions, 'supergraphSdl' | 'subgraphUrls'>> = {},
): Promise<TestGraph> {
  const hub = await createTestHub();
  const subgraphs: Record<string, RunningSubgraph<unknown>> = {};
  try {
    // In production (the benchmarks) subgraphs answer only signed calls: give them and the gateway a key.
    const gatewaySecret =
      gatewayOptions.gatewaySecret ??
      readEnvVars(['HUB_GATEWAY_SECRET']).HUB_GATEWAY_SECRET ??
      (isProduction() ? randomBytes(32).toString('hex') : undefined);
    const signed = gatewaySecret ? { gatewaySecret } : {};
    // The data subgraphs' URLs, for a dataless one (releases) to read: filled as they start, read per request.
    const peers: Record<string, string> = {};
    for (const definition of definitions) {
      const running = await hub.start(definition, { ...signed, ...(definition.dataless ? { peers } : {}) });
      subgraphs[definition.name] = running;
      if (!definition.dataless) peers[definition.name] = running.url;
    }
    const composed = composeServices(
      definitions.map((d) => ({
        name: d.name,
        url: subgraphs[d.name]?.url ?? '',
        typeDefs: parse(printSubgraphSdl(d.schema)),
      })),
    );
    if (composed.errors) throw new Error(`Composition failed: ${composed.errors.map((e) => e.message).join('; ')}`);
    const gateway = await startGateway({
      supergraphSdl: composed.supergraphSdl,
      subgraphUrls: Object.fromEntries(Object.entries(subgraphs).map(([n, s]) => [n, s.url])),
      port: 0,
      ...gatewayOptions,
      ...signed,
    });
    const all = () => Object.values(subgraphs);
    return {
      hub,
      gatewayUrl: gateway.url,
      gateway,
      supergraphSdl: composed.supergraphSdl,
      subgraphs,
      statements: () => all().reduce((sum, s) => sum + s.counter.count, 0),
      resetCounters: () => {
        for (const s of all()) s.counter.reset();
      },
      async close() {
        await gateway.close();
        await hub.close();
      },
    };
  } catch (error) {
    await hub.close();
    throw error;
  }
}

/**
 * A subgraph's definition as a graph of several holds it: its database type is seen by its seed step
 * alone, which the kit hands a Kysely scoped to the subgraph's own schema (as startSubgraph types it).
 */
function anyDatabase<DB>(definition: SubgraphDefinition<DB>): SubgraphDefinition<unknown> {
  return { ...definition, seed: (db) => definition.seed(db as Kysely<DB>) };
}

export interface SubgraphHarnessOptions<Composed extends readonly unknown[] = readonly unknown[]> {
  /**
   * Subgraphs to compose the one under test with (geography, for one that extends Stp): then a
   * gateway runs over them all and queries go through it, as callers' do. Each keeps its own database type.
   */
  readonly composedWith?: { readonly [K in keyof Composed]: SubgraphDefinition<Composed[K]> };
  readonly gateway?: Partial<Omit<GatewayOptions, 'supergraphSdl' | 'subgraphUrls'>>;
}

/**
 * One subgraph's test harness: the subgraph started on the test database in a fresh schema (migrated
 * and seeded), alone or composed with others behind a gateway, and the requests a test makes of it.
 * Every test file of a subgraph sets up the same way:
 *
 *   const finance = subgraphHarness(subgraph);                               // or
 *   const graph = subgraphHarness(subgraph, { composedWith: [geography] });  // through a gateway
 *   beforeAll(finance.start);
 *   afterAll(finance.close);
 *
 * The kit's testing entry is loaded by benches too, outside vitest, so the hooks stay in the test.
 */
export interface SubgraphHarness<DB> {
  readonly start: () => Promise<void>;
  readonly close: () => Promise<void>;
  /** Where queries go: the subgraph's own URL, or the gateway's when composed. */
  readonly url: string;
  /** The subgraph under test, running: its database, SQL counter and seed report. */
  readonly running: RunningSubgraph<DB>;
  readonly db: Kysely<DB>;
  /** The database and schemas behind it, for a test that makes schemas of its own. */
  readonly hub: TestHub;
  /** The gateway and every subgraph, when composed; null for a subgraph alone. */
  readonly graph: TestGraph | null;
  /** POSTs an operation; the status and body as they came. */
  query<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: GraphQLResponseBody<T> }>;
  /** POSTs an operation that must answer 200 without errors (it throws, naming them, otherwise); its data. */
  ask<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<T>;
  /** Federation's `_entities` for representations of one type (the subgraph alone), selecting `selection`. */
  entities<T = Record<string, unknown>>(
    typename: string,
    keys: readonly Record<string, unknown>[],
    selection: string,
  ): Promise<T[]>;
  /** SQL statements across every running subgraph since the last reset. */
  statements(): number;
  resetCounters(): void;
}

export function subgraphHarness<DB, Composed extends readonly unknown[] = []>(
  definition: SubgraphDefinition<DB>,
  options: SubgraphHarnessOptions<Composed> = {},
): SubgraphHarness<DB> {
  let started: { hub: TestHub; running: RunningSubgraph<DB>; url: string; graph: TestGraph | null } | undefined;
  const current = () => {
    if (!started) throw new Error(`${definition.name}: the harness is not started (beforeAll(harness.start))`);
    return started;
  };
  const all = () => (started?.graph ? Object.values(started.graph.subgraphs) : started ? [started.running] : []);
  const query = <T>(q: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}) =>
    postGraphQL<T>(current().url, q, variables, headers);
  const ask = async <T>(q: string, variables?: Record<string, unknown>, headers?: Record<string, string>) => {
    const { status, body } = await query<T>(q, variables, headers);
    if (status !== 200 || body.errors !== undefined || body.data == null)
      throw new Error(`${definition.name} answered ${status}: ${JSON.stringify(body.errors ?? body)}`);
    return body.data;
  };
  return {
    start: async () => {
      const composedWith = options.composedWith?.map((other) => anyDatabase(other)) ?? [];
      if (composedWith.length === 0 && !options.gateway) {
        const hub = await createTestHub();
        try {
          const running = await hub.start(definition);
          started = { hub, running, url: running.url, graph: null };
        } catch (error) {
          await hub.close();
          throw error;
        }
        return;
      }
      const graph = await startTestGraph([...composedWith, anyDatabase(definition)], options.gateway);
      const running = graph.subgraphs[definition.name];
      if (!running) {
        await graph.close();
        throw new Error(`${definition.name} is not among the subgraphs started (a composedWith of the same name?)`);
      }
      started = { hub: graph.hub, running: running as RunningSubgraph<DB>, url: graph.gatewayUrl, graph };
    },
    close: async () => {
      const closing = started;
      started = undefined;
      if (closing?.graph) await closing.graph.close();
      else if (closing) await closing.hub.close();
    },
    get url() {
      return current().url;
    },
    get running() {
      return current().running;
    },
    get db() {
      return current().running.db;
    },
    get hub() {
      return current().hub;
    },
    get graph() {
      return current().graph;
    },
    query,
    ask,
    async entities<T>(typename: string, keys: readonly Record<string, unknown>[], selection: string) {
      const data = await ask<{ _entities: T[] }>(
        `query($r: [_Any!]!) { _entities(representations: $r) { ... on ${typename} { ${selection} } } }`,
        { r: keys.map((key) => ({ __typename: typename, ...key })) },
      );
      return data._entities;
    },
    statements: () => all().reduce((sum, s) => sum + s.counter.count, 0),
    resetCounters: () => {
      for (const s of all()) s.counter.reset();
    },
  };
}
