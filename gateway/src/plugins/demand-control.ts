import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { buildASTSchema, type DocumentNode, type GraphQLSchema, parse } from 'graphql';
import type { HubPlugin } from '../plugin.js';
import { costRefusal, DEMAND_CONTROL, estimateCost } from './demand-control/cost.js';

/** The supergraph as a schema of this module's graphql-js copy (the runtime's is another realm). */
function costSchema(supergraphSdl: string): GraphQLSchema {
  return buildASTSchema(parse(supergraphSdl), { assumeValid: true, assumeValidSDL: true });
}

/**
 * Estimates every operation, after validation and before anything is planned or sent, and refuses
 * one over the limit with a 400 giving the estimate and the limit: no partial data, no subgraph call.
 */
export function demandControlPlugin(
  supergraphSdl: string,
  settings: { readonly maxCost: number; readonly assumedListSize: number } = DEMAND_CONTROL,
  /** Called with a refused document, so no cache keeps it (bounded-caches.ts). */
  onRefused?: (document: DocumentNode) => void,
  /** Called with each accepted operation's estimate: the client's rate pays for it (fairness.ts). */
  onEstimated?: (context: unknown, estimated: number) => void,
): HubPlugin {
  const schema = costSchema(supergraphSdl);
  const plugin: GatewayPlugin = {
    onExecute: ({ args, setResultAndStopExecution }) => {
      const estimated = estimateCost(
        schema,
        args.document,
        args.operationName,
        args.variableValues as Record<string, unknown> | undefined,
        settings.assumedListSize,
      );
      if (estimated <= settings.maxCost) return void onEstimated?.(args.contextValue, estimated);
      onRefused?.(args.document);
      setResultAndStopExecution({ errors: [costRefusal(estimated, settings.maxCost)] });
    },
  };
  return { name: 'demand-control', runtime: [plugin] };
}
