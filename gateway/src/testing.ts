import { randomBytes } from 'node:crypto';
import { composeServices } from '@apollo/composition';
import { isProduction } from '@nhs-hub/kit/platform';
import { printSubgraphSdl, type RunningSubgraph, type SubgraphDefinition } from '@nhs-hub/kit/subgraph';
import { createTestHub, type TestHub } from '@nhs-hub/kit/testing';
import { parse } from 'graphql';
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
      gatewayOptions.gatewaySecret ?? (isProduction() ? randomBytes(32).toString('hex') : undefined);
    const signed = gatewaySecret ? { gatewaySecret } : {};
    for (const definition of definitions) subgraphs[definition.name] = await hub.start(definition, signed);
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
