import { EnvelopArmor } from '@escape.tech/graphql-armor';
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { HubErrorCode, QUERY_LIMITS } from '@nhs-hub/kit/platform';
import { GraphQLError, type ValidationRule } from 'graphql';
import type { HubPlugin } from '../plugin.js';

export { QUERY_LIMITS };

/** How each query limit is named to callers, and what to do to stay under it. */
export const QUERY_LIMIT_ADVICE = {
  Aliases: {
    limit: 'maxAliases',
    name: 'Alias limit',
    unit: 'aliases',
    howToStayUnder: 'Use fewer aliases: fetch lists (e.g. `stps(first:)`) instead of one alias per item.',
  },
  'Query depth': {
    limit: 'maxDepth',
    name: 'Depth limit',
    unit: 'levels of nesting',
    howToStayUnder: 'Nest fewer levels; fetch the inner objects with a second query by their code.',
  },
  Directives: {
    limit: 'maxDirectives',
    name: 'Directive limit',
    unit: 'directives',
    howToStayUnder: 'Use fewer directives (@include/@skip) in one document.',
  },
  Token: {
    limit: 'maxTokens',
    name: 'Token limit',
    unit: 'tokens',
    howToStayUnder: 'Send a shorter document: select fewer fields, or use fragments instead of repeating selections.',
  },
} as const;

/**
 * graphql-js 16 has no rule for operation types the schema lacks (17 adds KnownOperationTypesRule),
 * so `mutation { ... }` on this read-only graph reached the query planner and came back as a 500.
 */
export const KnownOperationTypes: ValidationRule = (context) => ({
  OperationDefinition(node) {
    const schema = context.getSchema();
    const root =
      node.operation === 'query'
        ? schema.getQueryType()
        : node.operation === 'mutation'
          ? schema.getMutationType()
          : schema.getSubscriptionType();
    if (!root)
      context.reportError(
        new GraphQLError(`This graph has no ${node.operation} operations: it is read-only.`, { nodes: node }),
      );
  },
});

/**
 * No argument of this graph needs a long literal (codes, dates, names), and a 500 kB one costs
 * every layer it crosses (planner, subgraph parse, SQL parameter) for nothing.
 */
export const MaxStringLength: ValidationRule = (context) => ({
  StringValue(node) {
    if (node.value.length <= QUERY_LIMITS.maxStringLength) return;
    context.reportError(
      new GraphQLError(
        `String literal limit exceeded: ${node.value.length} characters, the limit is ${QUERY_LIMITS.maxStringLength}. Codes, dates and names are short; pass long text as a variable if you really need it.`,
        {
          nodes: node,
          extensions: {
            code: HubErrorCode.QUERY_LIMIT_EXCEEDED,
            limit: 'maxStringLength',
            max: QUERY_LIMITS.maxStringLength,
            found: node.value.length,
          },
        },
      ),
    );
  },
});

/**
 * Every limit on a document, in one place: its length before it is parsed, then depth, aliases,
 * cost, tokens and directives (graphql-armor), string literals and operation types as validation
 * rules; in production no field suggestions; introspection off unless asked for.
 */
export function limitsPlugin(options: { production: boolean; introspection: boolean }): HubPlugin {
  const documentLength: GatewayPlugin = {
    // Refused before it is parsed: the runtime keeps parsed documents (and APQ their text) in
    // caches of a thousand entries each, which the soak's 100-500 kB strings grew by 900 MB.
    onParams: ({ params }) => {
      if (typeof params.query !== 'string' || params.query.length <= QUERY_LIMITS.maxDocumentLength) return;
      throw new GraphQLError(
        `Document length limit exceeded: ${params.query.length} characters, the limit is ${QUERY_LIMITS.maxDocumentLength}. Send a shorter document: select fewer fields, or pass long values as variables.`,
        {
          extensions: {
            code: HubErrorCode.QUERY_LIMIT_EXCEEDED,
            limit: 'maxDocumentLength',
            max: QUERY_LIMITS.maxDocumentLength,
            found: params.query.length,
            http: { status: 400 },
          },
        },
      );
    },
    onValidate: ({ addValidationRule }) => {
      addValidationRule(KnownOperationTypes);
      addValidationRule(MaxStringLength);
    },
  };
  const armor: GatewayPlugin[] = new EnvelopArmor({
    maxDepth: { n: QUERY_LIMITS.maxDepth, ignoreIntrospection: true },
    maxAliases: { n: QUERY_LIMITS.maxAliases },
    // No costLimit: graphql-armor's cost does not count lists; demand-control.ts does.
    costLimit: { enabled: false },
    maxTokens: { n: QUERY_LIMITS.maxTokens },
    maxDirectives: { n: QUERY_LIMITS.maxDirectives },
    blockFieldSuggestion: { enabled: options.production },
    // graphql-armor types its plugins for envelop's bare context; the runtime's context extends it.
  }).protect().plugins as GatewayPlugin[];
  return {
    name: 'limits',
    runtime: [documentLength, ...armor],
    runtimeOptions: options.introspection ? {} : { disableIntrospection: { disableIf: () => true } },
  };
}
