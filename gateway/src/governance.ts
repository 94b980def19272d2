import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { CriticalityLevel, diff } from '@graphql-inspector/core';
import type { GraphQLSchema } from 'graphql';
import { z } from 'zod';
import { REPO_ROOT } from './config.js';

/**
 * Breaking-change governance: the API schema clients see is diffed (graphql-inspector) against a
 * baseline; every breaking change must be listed, with a reason and a reviewer, in
 * schema/breaking-changes-allowlist.json, or composition refuses it.
 */
export const API_SCHEMA_PATH = `${REPO_ROOT}schema/api.graphql`;
export const INTROSPECTION_PATH = `${REPO_ROOT}schema/introspection.json`;
export const ALLOWLIST_PATH = `${REPO_ROOT}schema/breaking-changes-allowlist.json`;
const OPERATIONS_DIR = `${REPO_ROOT}schema/operations/`;

// graphql-inspector loads graphql the way Node resolves it (the CommonJS build); a test runner may
// hand this module the ESM build, and the two refuse each other's schemas. Use Node's, always.
const { buildSchema, Kind, parse, TypeInfo, visit, visitWithTypeInfo } = createRequire(import.meta.url)(
  'graphql',
) as typeof import('graphql');

const AllowlistEntry = z.object({
  /** graphql-inspector's path of the change, e.g. "Stp.nickname". */
  path: z.string().min(1),
  reason: z.string().min(10, 'say why clients can live with it'),
  approvedBy: z.string().min(2),
  date: z.iso.date(),
});
const Allowlist = z.object({ $comment: z.string().optional(), allowed: z.array(AllowlistEntry) });
export type AllowlistEntry = z.infer<typeof AllowlistEntry>;

export function readAllowlist(path: string = ALLOWLIST_PATH): AllowlistEntry[] {
  const parsed = Allowlist.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`Invalid ${path.replace(REPO_ROOT, '')}: ${z.prettifyError(parsed.error)}`);
  return parsed.data.allowed;
}

export interface BreakingChange {
  path: string;
  message: string;
  /** The subgraph that owns the type or field, from the supergraph's join directives. */
  owner: string;
  /** Checked-in operations (schema/operations) that select the changed field or type. */
  operations: string[];
  allowed: boolean;
}

/** Type.field coordinates each checked-in operation selects, against the baseline schema. */
function operationUsage(schema: GraphQLSchema, operationsDir: string): Map<string, Set<string>> {
  const usage = new Map<string, Set<string>>();
  let files: string[] = [];
  try {
    files = readdirSync(operationsDir).filter((f) => f.endsWith('.graphql'));
  } catch {
    return usage;
  }
  for (const file of files) {
    const typeInfo = new TypeInfo(schema);
    const name = file.replace(/\.graphql$/, '');
    const note = (coordinate: string) => {
      if (!usage.has(coordinate)) usage.set(coordinate, new Set());
      usage.get(coordinate)?.add(name);
    };
    visit(
      parse(readFileSync(`${operationsDir}${file}`, 'utf8')),
      visitWithTypeInfo(typeInfo, {
        Field(node) {
          const parent = typeInfo.getParentType();
          if (!parent) return;
          note(parent.name);
          note(`${parent.name}.${node.name.value}`);
          for (const arg of node.arguments ?? []) note(`${parent.name}.${node.name.value}.${arg.name.value}`);
        },
      }),
    );
  }
  return usage;
}

/** The subgraph owning each type and field, read from @join__type / @join__field in the supergraph. */
function owners(supergraphSdl: string): Map<string, string> {
  const owner = new Map<string, string>();
  const graphOf = (
    args: readonly { name: { value: string }; value: { kind: string; value?: unknown } }[] | undefined,
  ) => String(args?.find((a) => a.name.value === 'graph')?.value.value ?? '').toLowerCase();
  for (const definition of parse(supergraphSdl).definitions) {
    if (
      definition.kind !== Kind.OBJECT_TYPE_DEFINITION &&
      definition.kind !== Kind.ENUM_TYPE_DEFINITION &&
      definition.kind !== Kind.INPUT_OBJECT_TYPE_DEFINITION
    )
      continue;
    const typeJoins = (definition.directives ?? []).filter((d) => d.name.value === 'join__type');
    const typeOwner =
      typeJoins.find(
        (d) =>
          !d.arguments?.some((a) => a.name.value === 'extension' && a.value.kind === Kind.BOOLEAN && a.value.value),
      ) ?? typeJoins[0];
    const typeGraphs = typeJoins.map((d) => graphOf(d.arguments));
    owner.set(
      definition.name.value,
      typeOwner
        ? typeGraphs.length > 1 && definition.kind !== Kind.OBJECT_TYPE_DEFINITION
          ? typeGraphs.join(', ')
          : graphOf(typeOwner.arguments)
        : 'unknown',
    );
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION) continue;
    for (const field of definition.fields ?? []) {
      const joins = (field.directives ?? []).filter((d) => d.name.value === 'join__field');
      const graphs = joins.map((d) => graphOf(d.arguments)).filter(Boolean);
      owner.set(
        `${definition.name.value}.${field.name.value}`,
        graphs.length ? [...new Set(graphs)].join(', ') : (owner.get(definition.name.value) ?? 'unknown'),
      );
    }
  }
  return owner;
}

/**
 * Breaking changes from `baselineApiSdl` to `currentApiSdl`, each with the subgraph that owns it,
 * the checked-in operations it breaks, and whether the allow-list accepts it.
 */
export async function breakingChanges(
  baselineApiSdl: string,
  currentApiSdl: string,
  options: {
    supergraphSdl: string;
    allowlist: readonly AllowlistEntry[];
    operationsDir?: string;
    baselineSupergraphSdl?: string;
  },
): Promise<BreakingChange[]> {
  const baseline = buildSchema(baselineApiSdl);
  const changes = await diff(baseline, buildSchema(currentApiSdl));
  const usage = operationUsage(baseline, options.operationsDir ?? OPERATIONS_DIR);
  // A removed field is owned by whoever owned it before the change.
  const owner = new Map([
    ...owners(options.supergraphSdl),
    ...owners(options.baselineSupergraphSdl ?? options.supergraphSdl),
  ]);
  return changes
    .filter((c) => c.criticality.level === CriticalityLevel.Breaking)
    .map((c) => {
      const path = c.path ?? c.type;
      const parts = path.split('.');
      const lookup = (n: number) => parts.slice(0, n).join('.');
      const coordinate = [3, 2, 1].map(lookup).find((p) => usage.has(p) || owner.has(p)) ?? path;
      return {
        path,
        message: c.message,
        owner: owner.get(lookup(2)) ?? owner.get(lookup(1)) ?? 'unknown',
        operations: [...(usage.get(coordinate) ?? [])].sort(),
        allowed: options.allowlist.some((a) => a.path === path),
      };
    });
}

export function describeBreakingChange(change: BreakingChange): string {
  // Who it breaks: every public API consumer selecting it; the checked-in operations are the ones we know by name.
  const who = change.operations.length
    ? `Breaks public API consumers: the checked-in operation(s) ${change.operations.join(', ')} (schema/operations/) and any other client selecting it.`
    : 'Breaks public API consumers that select it (no checked-in operation in schema/operations/ does).';
  return `${change.path}: ${change.message.replace(/\.?$/, '.')} Owned by ${change.owner}. ${who} To accept it, add {"path": "${change.path}", "reason", "approvedBy", "date"} to schema/breaking-changes-allowlist.json.`;
}
