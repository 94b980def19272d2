import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { parseIsoDate } from '@nhs-hub/kit/platform';
import type { GraphQLSchema } from 'graphql';
import type { HubPlugin } from '../plugin.js';

/**
 * The subgraphs' input scalars, parsed at the gateway too. The supergraph knows `Date` only by
 * name, so the gateway passed any string on and a subgraph refused it at a field: `stp` came back
 * null with a 200, as if the code were unknown. With the subgraphs' own parser on the gateway's
 * schema, the runtime's variable coercion refuses a malformed `$asOf` before planning, as the
 * request error it is (400 BAD_USER_INPUT, see error-masking), naming the variable.
 */
export function inputScalarsPlugin(): HubPlugin {
  const patched = new WeakSet<object>();
  const patch = (schema: GraphQLSchema) => {
    if (patched.has(schema)) return;
    patched.add(schema);
    const date = schema.getType('Date');
    // A scalar told by what only a scalar has, not by instanceof: the runtime's schema is built by
    // its own copy of graphql-js (CommonJS), whose classes are not this module's.
    if (date && 'specifiedByURL' in date) date.parseValue = parseIsoDate;
  };
  const plugin: GatewayPlugin = {
    onSchemaChange: ({ schema }) => patch(schema),
    onExecute: ({ args }) => patch(args.schema),
  };
  return { name: 'input-scalars', runtime: [plugin] };
}
