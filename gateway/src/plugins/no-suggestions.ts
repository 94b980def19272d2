import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import type { GraphQLError } from 'graphql';
import type { HubPlugin } from '../plugin.js';

/** graphql-js's suggestions: `Did you mean "x"?`, `Did you mean the enum value X?`, `Did you mean "a", "b", or "c"?` */
const SUGGESTION = /\s*Did you mean [^?]*\?/g;

const SUGGESTS = 'Did you mean ';

export const withoutSuggestions = (message: string): string => message.replace(SUGGESTION, '');

/**
 * In production no error names a field, argument or enum value the caller did not ask for: the
 * suggestions graphql-js adds would map the schema for someone without introspection (which is
 * off). graphql-armor's blockFieldSuggestion masked fields only; enum values still leaked.
 * The subgraphs hide theirs likewise (hideSchemaDetailsFromClientErrors).
 */
export function noSuggestionsPlugin(production: boolean): HubPlugin {
  if (!production) return { name: 'no-suggestions' };
  const plugin: GatewayPlugin = {
    onResultProcess: ({ result, setResult }) => {
      if (Array.isArray(result) || !result || Symbol.asyncIterator in result || !result.errors?.length) return;
      if (!result.errors.some((e) => e.message.includes(SUGGESTS))) return;
      // After error-masking: the errors are formatted already (plain objects, or GraphQLErrors to serialise).
      const errors = result.errors.map((e) =>
        e.message.includes(SUGGESTS)
          ? { ...((e as GraphQLError).toJSON?.() ?? e), message: withoutSuggestions(e.message) }
          : e,
      );
      setResult({ ...result, errors: errors as never });
    },
  };
  return { name: 'no-suggestions', runtime: [plugin] };
}
