import { type DocumentNode, type ExecutionResult, getOperationAST, type GraphQLSchema, Kind } from 'graphql';
import type { formatGatewayError } from './format.js';

/**
 * Hive Router's executor leaves `data` out when every root field failed (a subgraph down, a code
 * not found). GraphQL says a failed nullable field is null and the rest of the answer stands, and
 * clients (and the hub's contract) rely on `{ "stp": null }` with its error, answered 200.
 */
export function withNulledRootFields(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  result: ExecutionResult,
): ExecutionResult {
  if (result.data != null || !result.errors?.length || !result.errors.every((e) => e.path?.length)) return result;
  const operation = getOperationAST(document, operationName);
  const root = operation ? (operation.operation === 'query' ? schema.getQueryType() : null) : null;
  if (!operation || !root) return result;
  const data: Record<string, null> = {};
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind !== Kind.FIELD) return result;
    const field = root.getFields()[selection.name.value];
    // A failed non-null root field makes the whole of data null, which is what we have. The schema
    // comes from Hive's CommonJS copy of graphql-js, so no instanceof check (isNonNullType) across realms.
    if (field && String(field.type).endsWith('!')) return { ...result, data: null };
    data[selection.alias?.value ?? selection.name.value] = null;
  }
  return { ...result, data };
}

/** An error as formatGatewayError shapes it. */
export type FormattedError = ReturnType<typeof formatGatewayError>;

/**
 * One error per problem: the same refusal (message, code and subgraph) reached through several
 * fields, such as an unknown region code asked for by `region` and `regionSnapshot` at once, is
 * one error at the first field's path, the other paths in `extensions.paths` (every path, first
 * included), so a page shows it once and still knows which fields it nulled.
 */
export function oneErrorPerProblem(errors: readonly FormattedError[]): FormattedError[] {
  const kept = new Map<string, FormattedError>();
  const out: FormattedError[] = [];
  for (const error of errors) {
    if (!error.path) {
      out.push(error);
      continue;
    }
    // Stacks differ by call site even for the same refusal; they say nothing to the caller about which.
    const { requestId: _r, stacktrace: _s, exception: _e, ...identity } = error.extensions;
    const key = JSON.stringify([error.message, identity]);
    const first = kept.get(key);
    if (!first) {
      const copy = { ...error, extensions: { ...error.extensions } };
      kept.set(key, copy);
      out.push(copy);
      continue;
    }
    const paths =
      (first.extensions.paths as (string | number)[][] | undefined) ?? (first.path ? [[...first.path]] : []);
    first.extensions.paths = [...paths, [...error.path]];
  }
  return out;
}
