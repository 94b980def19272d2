import {
  type ASTNode,
  type FragmentDefinitionNode,
  GraphQLError,
  Kind,
  type SelectionSetNode,
  type ValidationRule,
} from 'graphql';
import { HubErrorCode } from './errors.js';

/**
 * Limits on what one document may ask for, the same at the gateway (gateway/src/plugins/limits.ts)
 * and at every subgraph (a subgraph reached directly is no softer). They are set well above the
 * documented headline operations (which reach depth 7 and a few dozen aliases) and far below what a
 * hostile document needs to hurt the subgraphs.
 */
export const QUERY_LIMITS = {
  maxDepth: 12,
  maxAliases: 40,
  maxTokens: 4_000,
  maxDirectives: 40,
  maxStringLength: 1_000,
  /** Characters of document text; the public operations are 1-2 kB, a 4,000-token document fits. */
  maxDocumentLength: 50_000,
} as const;

const limitError = (
  what: string,
  limit: keyof typeof QUERY_LIMITS,
  found: number,
  node?: ASTNode,
  max: number = QUERY_LIMITS[limit],
) =>
  new GraphQLError(`${what} limit exceeded: ${found}, the limit is ${max}.`, {
    ...(node ? { nodes: node } : {}),
    extensions: { code: HubErrorCode.QUERY_LIMIT_EXCEEDED, limit, max, found },
  });

/**
 * The document limits as validation rules for the subgraphs (the gateway uses graphql-armor for the
 * same numbers). A subgraph's document is the gateway's plan of the caller's: one level deeper
 * (`_entities`), and with fragments expanded, so tokens are limited by the parser at twice the
 * gateway's (subgraphParseOptions).
 */
export function documentLimitRules(): ValidationRule[] {
  const depth: ValidationRule = (context) => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const d of context.getDocument().definitions)
      if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    const deepest = (set: SelectionSetNode, seen: ReadonlySet<string>): number => {
      let most = 0;
      for (const s of set.selections) {
        if (s.kind === Kind.FIELD) {
          if (s.name.value.startsWith('__')) continue;
          most = Math.max(most, s.selectionSet ? 1 + deepest(s.selectionSet, seen) : 1);
        } else if (s.kind === Kind.INLINE_FRAGMENT) most = Math.max(most, deepest(s.selectionSet, seen));
        else {
          const f = fragments.get(s.name.value);
          if (f && !seen.has(f.name.value))
            most = Math.max(most, deepest(f.selectionSet, new Set([...seen, f.name.value])));
        }
      }
      return most;
    };
    return {
      OperationDefinition(node) {
        const found = deepest(node.selectionSet, new Set());
        const max = QUERY_LIMITS.maxDepth + 1;
        if (found > max) context.reportError(limitError('Depth', 'maxDepth', found, node, max));
      },
    };
  };
  const counts: ValidationRule = (context) => {
    let aliases = 0;
    let directives = 0;
    return {
      Field(node) {
        if (node.alias) aliases++;
      },
      Directive() {
        directives++;
      },
      StringValue(node) {
        if (node.value.length > QUERY_LIMITS.maxStringLength)
          context.reportError(limitError('String literal', 'maxStringLength', node.value.length, node));
      },
      Document: {
        leave() {
          if (aliases > QUERY_LIMITS.maxAliases) context.reportError(limitError('Alias', 'maxAliases', aliases));
          if (directives > QUERY_LIMITS.maxDirectives)
            context.reportError(limitError('Directive', 'maxDirectives', directives));
        },
      },
    };
  };
  return [depth, counts];
}

/** The parser's token limit for a subgraph: the gateway's plan expands fragments, so twice the gateway's. */
export const subgraphParseOptions = { maxTokens: QUERY_LIMITS.maxTokens * 2 } as const;
