import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import {
  type ASTVisitor,
  type DirectiveNode,
  type DocumentNode,
  GraphQLError,
  Kind,
  parse,
  type SelectionNode,
  type ValidationContext,
  visit,
} from 'graphql';

const INCREMENTAL = new Set(['defer', 'stream']);
const deferred = (node: { readonly directives?: readonly DirectiveNode[] }) =>
  node.directives?.some((d) => d.name.value === 'defer') ?? false;

/** A subgraph's document without `@defer` and `@stream`, which Hive's JS executor passes on and subgraphs refuse. */
export function withoutIncremental(document: DocumentNode): DocumentNode {
  const stripped = visit(document, { Directive: (node) => (INCREMENTAL.has(node.name.value) ? null : undefined) });
  if (stripped === document) return document;
  const used = new Set<string>();
  visit(stripped, { VariableDefinition: () => false, Variable: (node) => void used.add(node.name.value) });
  return visit(stripped, { VariableDefinition: (node) => (used.has(node.variable.name.value) ? undefined : null) });
}

/** What the supergraph says the executor needs: each entity's keys (top-level fields), and fields whose @requires selects sub-fields. */
function readSupergraph(supergraph: string) {
  const keys = new Map<string, string[][]>();
  const nestedRequires = new Set<string>();
  const argument = (d: DirectiveNode, name: string) =>
    d.arguments?.flatMap((a) => (a.name.value === name && a.value.kind === Kind.STRING ? [a.value.value] : []))[0];
  for (const type of parse(supergraph, { noLocation: true }).definitions) {
    if (type.kind !== Kind.OBJECT_TYPE_DEFINITION && type.kind !== Kind.INTERFACE_TYPE_DEFINITION) continue;
    for (const d of type.directives ?? []) {
      const key = d.name.value === 'join__type' ? argument(d, 'key') : undefined;
      if (key === undefined) continue;
      let top = key;
      while (/\{[^{}]*\}/.test(top)) top = top.replace(/\{[^{}]*\}/g, ' ');
      keys.set(type.name.value, [...(keys.get(type.name.value) ?? []), top.split(/\s+/).filter(Boolean)]);
    }
    for (const field of type.fields ?? [])
      if (field.directives?.some((d) => argument(d, 'requires')?.includes('{')))
        nestedRequires.add(`${type.name.value}.${field.name.value}`);
  }
  return { keys, nestedRequires };
}

/**
 * Refuses the deferred fragments Hive's JS executor answers wrongly, each seen on this graph
 * (docs/frontend.md): on a type without a key, or on an entity whose key is not selected beside
 * the fragment, it answers the deferred fields null with no error; around a field whose @requires
 * selects sub-fields it sends the subgraph an invalid document.
 */
export function deferrableOnly(supergraph: string): (context: ValidationContext) => ASTVisitor {
  const { keys, nestedRequires } = readSupergraph(supergraph);
  return (context) => {
    const refuse = (message: string, node: SelectionNode) =>
      context.reportError(new GraphQLError(`${message} (docs/frontend.md, "@defer and @stream").`, { nodes: [node] }));
    /** The fields selected beside a deferred fragment, through fragments that are not deferred themselves. */
    const selectedBeside = (siblings: readonly SelectionNode[], seen = new Set<string>()): Set<string> => {
      const fields = new Set<string>();
      for (const s of siblings) {
        if (deferred(s)) continue;
        if (s.kind === Kind.FIELD && !s.alias) fields.add(s.name.value);
        const spread =
          s.kind === Kind.FRAGMENT_SPREAD && !seen.has(s.name.value) ? context.getFragment(s.name.value) : null;
        if (spread) seen.add(spread.name.value);
        const inner = s.kind === Kind.INLINE_FRAGMENT ? s.selectionSet : spread?.selectionSet;
        for (const f of inner ? selectedBeside(inner.selections, seen) : []) fields.add(f);
      }
      return fields;
    };
    /**
     * The selections beside a fragment on the same object: its own list, and those around each
     * fragment it sits in (a nested @defer), up to the field that holds the object.
     */
    const besides = (siblings: unknown, ancestors: readonly unknown[]): SelectionNode[] => {
      const lists = [siblings];
      for (let i = ancestors.length - 1; i >= 2; i -= 3) {
        const owner = ancestors[i - 1] as { kind?: Kind } | undefined;
        if (owner?.kind !== Kind.INLINE_FRAGMENT) break;
        lists.push(ancestors[i - 2]);
      }
      return lists.flatMap((list) => (Array.isArray(list) ? (list as SelectionNode[]) : []));
    };
    const check = (
      node: SelectionNode,
      type: string,
      selections: readonly SelectionNode[],
      siblings: SelectionNode[],
    ) => {
      if (!deferred(node)) return;
      const schema = context.getSchema();
      if (type === schema.getQueryType()?.name || type === schema.getMutationType()?.name) return;
      const typeKeys = keys.get(type);
      if (!typeKeys)
        return refuse(
          `@defer on ${type}, a type without a key, is not supported: defer the field that leads to it`,
          node,
        );
      const beside = selectedBeside(siblings);
      if (!typeKeys.some((key) => key.every((f) => beside.has(f))))
        return refuse(`@defer on ${type} needs its key (${typeKeys[0]?.join(' ')}) selected beside the fragment`, node);
      for (const s of selections)
        if (s.kind === Kind.FIELD && nestedRequires.has(`${type}.${s.name.value}`))
          refuse(`@defer around ${type}.${s.name.value} is not supported: defer the field that leads to ${type}`, s);
    };
    return {
      InlineFragment: (node, _key, siblings, _path, ancestors) =>
        check(node, context.getType()?.toString() ?? '', node.selectionSet.selections, besides(siblings, ancestors)),
      FragmentSpread: (node, _key, siblings, _path, ancestors) => {
        const fragment = context.getFragment(node.name.value);
        const { typeCondition, selectionSet } = fragment ?? {};
        if (typeCondition && selectionSet)
          check(node, typeCondition.name.value, selectionSet.selections, besides(siblings, ancestors));
      },
    };
  };
}

/** The runtime plugins the incremental runtime adds to the gateway's, for Hive's JS executor. */
export function incrementalExecutorPlugins(supergraph: string): GatewayPlugin[] {
  const rule = deferrableOnly(supergraph);
  return [
    { onValidate: ({ addValidationRule }) => addValidationRule(rule) },
    {
      onSubgraphExecute: ({ executionRequest, setExecutionRequest }) => {
        const document = withoutIncremental(executionRequest.document);
        if (document !== executionRequest.document) setExecutionRequest({ ...executionRequest, document });
      },
    },
  ];
}
