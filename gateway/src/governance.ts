import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { CriticalityLevel, diff } from '@graphql-inspector/core';
import type {
  DefinitionNode,
  EnumTypeDefinitionNode,
  GraphQLSchema,
  InputObjectTypeDefinitionNode,
  InterfaceTypeDefinitionNode,
  ObjectTypeDefinitionNode,
  ScalarTypeDefinitionNode,
  UnionTypeDefinitionNode,
} from 'graphql';
import { z } from 'zod';
import { REPO_ROOT } from './config.js';

/**
 * Breaking-change governance: the API schema clients see is diffed (graphql-inspector) against a
 * baseline. A breaking change that a known client uses (a checked-in operation, or a client the
 * gateway recorded in the window, 30 days by default) must be listed, with a reason and a reviewer,
 * in schema/breaking-changes-allowlist.json, or composition refuses it; one no known client uses
 * passes with a warning naming it.
 */
export const API_SCHEMA_PATH = `${REPO_ROOT}schema/api.graphql`;
export const INTROSPECTION_PATH = `${REPO_ROOT}schema/introspection.json`;
export const ALLOWLIST_PATH = `${REPO_ROOT}schema/breaking-changes-allowlist.json`;
const OPERATIONS_DIR = `${REPO_ROOT}schema/operations/`;

// graphql-inspector loads graphql the way Node resolves it (the CommonJS build); a test runner may
// hand this module the ESM build, and the two refuse each other's schemas. Use Node's, always.
const { buildSchema, isInterfaceType, isObjectType, Kind, parse, TypeInfo, visit, visitWithTypeInfo } = createRequire(
  import.meta.url,
)('graphql') as typeof import('graphql');

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

/**
 * One client known to use a schema coordinate: the checked-in operations (one client), or a client
 * the gateway recorded (usage.ts's recordedUsage), with counts and the time last seen.
 */
export interface FieldUser {
  /** Who: `schema/operations` for the checked-in ones; else `name@version`, from the client's headers. */
  client: string;
  /** The operations of that client that touch the coordinate, by name. */
  operations: string[];
  /** How many requests, and when last, where the source records traffic. */
  count?: number;
  lastSeen?: string;
}

/**
 * Who uses which schema coordinates (`Type`, `Type.field`, `Type.field.argument`): given the
 * coordinates a change touches, the users of each. `baseline` is the schema before the change (a
 * removed field exists only there), for sources that must read documents against it.
 */
export type UsageSource = (
  coordinates: readonly string[],
  context: { baseline: GraphQLSchema },
) => Promise<ReadonlyMap<string, readonly FieldUser[]>>;

export const CHECKED_IN_CLIENT = 'schema/operations';
/** The persisted-documents manifest codegen writes for @nhs-hub/client (what HUB_TRUSTED_DOCUMENTS=on admits). */
export const CLIENT_MANIFEST_PATH = `${REPO_ROOT}packages/client/src/generated/persisted-documents.json`;

/**
 * The checked-in operations as a usage source: each file of schema/operations an operation, and
 * each document of the persisted-documents manifests (@nhs-hub/client's) one more where no file has
 * its name (codegen writes the manifest from the files: a document only the manifest has is one a
 * deployed client may still send). They are used whatever the window: they ship.
 */
export function checkedInOperations(
  operationsDir: string = OPERATIONS_DIR,
  manifests: readonly string[] = [CLIENT_MANIFEST_PATH],
): UsageSource {
  return async (coordinates, { baseline }) => {
    const usage = operationUsage(baseline, checkedInDocuments(operationsDir, manifests));
    const found = new Map<string, FieldUser[]>();
    for (const coordinate of coordinates) {
      const operations = [...(usage.get(coordinate) ?? [])].sort();
      if (operations.length) found.set(coordinate, [{ client: CHECKED_IN_CLIENT, operations }]);
    }
    return found;
  };
}

/** Each checked-in document by its operation's name: the files, then what only a manifest has. */
function checkedInDocuments(operationsDir: string, manifests: readonly string[]): Map<string, string> {
  const documents = new Map<string, string>();
  let files: string[] = [];
  try {
    files = readdirSync(operationsDir).filter((f) => f.endsWith('.graphql'));
  } catch {
    // No folder: no checked-in operations.
  }
  for (const file of files)
    documents.set(file.replace(/\.graphql$/, ''), readFileSync(`${operationsDir}${file}`, 'utf8'));
  for (const manifest of manifests.filter((path) => existsSync(path))) {
    const entries = Object.entries(JSON.parse(readFileSync(manifest, 'utf8')) as Record<string, string>);
    for (const [hash, document] of entries) {
      const name = parse(document).definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION)?.name?.value;
      const key = name ?? `anonymous ${hash.replace(/^sha256:/, '').slice(0, 12)}`;
      if (!documents.has(key)) documents.set(key, document);
    }
  }
  return documents;
}

/** Several sources as one: each coordinate's users from all of them. */
export function combinedUsage(...sources: UsageSource[]): UsageSource {
  return async (coordinates, context) => {
    const all = new Map<string, FieldUser[]>();
    for (const source of sources)
      for (const [coordinate, users] of await source(coordinates, context))
        all.set(coordinate, [...(all.get(coordinate) ?? []), ...users]);
    return all;
  };
}

export interface BreakingChange {
  path: string;
  message: string;
  /** The subgraph that owns the type or field, from the supergraph's join directives. */
  owner: string;
  /** The clients that use the changed field or type (checked-in operations, and recorded usage where read). */
  clients: FieldUser[];
  /**
   * Whether it counts as used: a known client uses it, or it is of a kind usage does not record
   * (an enum value, an input field, a union member, a scalar, the schema's root types), which is
   * never taken for unused. Only a used change needs the allow-list.
   */
  used: boolean;
  allowed: boolean;
}

/** Type.field coordinates each checked-in operation selects, against the baseline schema. */
function operationUsage(schema: GraphQLSchema, documents: ReadonlyMap<string, string>): Map<string, Set<string>> {
  const usage = new Map<string, Set<string>>();
  for (const [name, document] of documents) {
    const typeInfo = new TypeInfo(schema);
    const note = (coordinate: string) => {
      if (!usage.has(coordinate)) usage.set(coordinate, new Set());
      usage.get(coordinate)?.add(name);
    };
    visit(
      parse(document),
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

type TypeDefinition =
  | ObjectTypeDefinitionNode
  | InterfaceTypeDefinitionNode
  | UnionTypeDefinitionNode
  | EnumTypeDefinitionNode
  | InputObjectTypeDefinitionNode
  | ScalarTypeDefinitionNode;

/** Every kind of type the API schema can hold, each owned by the subgraph(s) its @join__type names. */
const isTypeDefinition = (definition: DefinitionNode): definition is TypeDefinition =>
  definition.kind === Kind.OBJECT_TYPE_DEFINITION ||
  definition.kind === Kind.INTERFACE_TYPE_DEFINITION ||
  definition.kind === Kind.UNION_TYPE_DEFINITION ||
  definition.kind === Kind.ENUM_TYPE_DEFINITION ||
  definition.kind === Kind.INPUT_OBJECT_TYPE_DEFINITION ||
  definition.kind === Kind.SCALAR_TYPE_DEFINITION;

/** The subgraph owning each type and field, read from @join__type / @join__field in the supergraph. */
function owners(supergraphSdl: string): Map<string, string> {
  const owner = new Map<string, string>();
  const graphOf = (
    args: readonly { name: { value: string }; value: { kind: string; value?: unknown } }[] | undefined,
  ) => String(args?.find((a) => a.name.value === 'graph')?.value.value ?? '').toLowerCase();
  for (const definition of parse(supergraphSdl).definitions) {
    if (!isTypeDefinition(definition)) continue;
    const typeJoins = (definition.directives ?? []).filter((d) => d.name.value === 'join__type');
    // Federation's own types (join__Graph, link__Purpose...) are no subgraph's: left out.
    if (!typeJoins.length) continue;
    const typeOwner =
      typeJoins.find(
        (d) =>
          !d.arguments?.some((a) => a.name.value === 'extension' && a.value.kind === Kind.BOOLEAN && a.value.value),
      ) ?? typeJoins[0];
    const typeGraphs = typeJoins.map((d) => graphOf(d.arguments));
    // Types whose fields federation joins to their subgraphs (@join__field).
    const withFields =
      definition.kind === Kind.OBJECT_TYPE_DEFINITION || definition.kind === Kind.INTERFACE_TYPE_DEFINITION;
    // An entity belongs to the subgraph that defines it, the others extend it; a value type shared
    // by several (an enum, a scalar, an input) belongs to all of them.
    owner.set(
      definition.name.value,
      typeGraphs.length > 1 && !withFields ? typeGraphs.join(', ') : graphOf(typeOwner?.arguments),
    );
    if (!withFields) continue;
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
    /** Where the checked-in operations are, when `usage` is not given. */
    operationsDir?: string;
    baselineSupergraphSdl?: string;
    /** Who uses what; the checked-in operations unless given (live usage joins them with combinedUsage). */
    usage?: UsageSource;
  },
): Promise<BreakingChange[]> {
  const baseline = buildSchema(baselineApiSdl);
  const changes = (await diff(baseline, buildSchema(currentApiSdl))).filter(
    (c) => c.criticality.level === CriticalityLevel.Breaking,
  );
  // A removed field is owned by whoever owned it before the change.
  const owner = new Map([
    ...owners(options.supergraphSdl),
    ...owners(options.baselineSupergraphSdl ?? options.supergraphSdl),
  ]);
  // Each change's coordinate and its prefixes (an argument's field, a field's type), asked all at once.
  const prefixes = (path: string) => {
    const parts = path.split('.');
    return [3, 2, 1].filter((n) => n <= parts.length).map((n) => parts.slice(0, n).join('.'));
  };
  const paths = changes.map((c) => c.path ?? c.type);
  const usage = await (options.usage ?? checkedInOperations(options.operationsDir))(
    [...new Set(paths.flatMap(prefixes))],
    { baseline },
  );
  return changes.map((c, i) => {
    const path = paths[i] ?? c.type;
    const parts = path.split('.');
    // The most specific coordinate anyone uses or anyone owns: a removed field, not its whole type.
    const coordinate = prefixes(path).find((p) => usage.has(p) || owner.has(p)) ?? path;
    const clients = [...(usage.get(coordinate) ?? [])];
    // Usage is recorded by the object and interface types selected from and their fields: only a
    // change to those can be known unused.
    const type = baseline.getType(parts[0] ?? '');
    const recordable = isObjectType(type) || isInterfaceType(type);
    return {
      path,
      message: c.message,
      owner: owner.get(parts.slice(0, 2).join('.')) ?? owner.get(parts[0] ?? '') ?? 'unknown',
      clients,
      used: clients.length > 0 || !recordable,
      allowed: options.allowlist.some((a) => a.path === path),
    };
  });
}

function describeUser(user: FieldUser): string {
  const seen = [
    user.count === undefined ? '' : `${user.count} request(s)`,
    user.lastSeen ? `last ${user.lastSeen}` : '',
  ].filter(Boolean);
  const who = user.client === CHECKED_IN_CLIENT ? `the checked-in operation(s)` : `client ${user.client}:`;
  return `${who} ${user.operations.join(', ')}${user.client === CHECKED_IN_CLIENT ? ` (${CHECKED_IN_CLIENT}/)` : ''}${seen.length ? ` (${seen.join(', ')})` : ''}`;
}

export function describeBreakingChange(change: BreakingChange): string {
  const what = `${change.path}: ${change.message.replace(/\.?$/, '.')} Owned by ${change.owner}.`;
  if (!change.used)
    return `${what} No known use: no checked-in operation selects it (${CHECKED_IN_CLIENT}/ and @nhs-hub/client's persisted documents), nor any client the gateway recorded in the window. It passes without an allow-list entry; a client the hub does not know may still select it.`;
  // Who it breaks: every public API consumer selecting it; the ones we know by name are listed.
  const who = change.clients.length
    ? `Breaks public API consumers: ${change.clients.map(describeUser).join('; ')}, and any other client selecting it.`
    : 'Breaks public API consumers that select it (usage is not recorded for this kind of change, so it counts as used).';
  return `${what} ${who} To accept it, add {"path": "${change.path}", "reason", "approvedBy", "date"} to schema/breaking-changes-allowlist.json.`;
}

/**
 * The schema every change is checked against. The last committed API schema (git HEAD, or the
 * ref given) and its supergraph, so that reverting an uncommitted change is never refused: the
 * revert is the baseline itself. Where git has none (no repository, or the file not committed
 * yet), the baseline `--accept` wrote to schema/baseline/, and only `--accept` writes it.
 */
export interface SchemaBaseline {
  /** Where it came from, for messages: `git HEAD` or `schema/baseline/ (--accept)`. */
  source: string;
  apiSdl: string;
  supergraphSdl?: string;
}

export const BASELINE_DIR = 'schema/baseline/';

function gitShow(root: string, ref: string, path: string): string | null {
  try {
    return execFileSync('git', ['show', `${ref}:${path}`], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 64 * 2 ** 20,
    }).toString();
  } catch {
    return null;
  }
}

function readOrNull(path: string): string | null {
  return existsSync(path) ? readFileSync(path, 'utf8') : null;
}

export function schemaBaseline(options: { ref?: string; root?: string } = {}): SchemaBaseline | null {
  const root = options.root ?? REPO_ROOT;
  const ref = options.ref ?? 'HEAD';
  const committed = gitShow(root, ref, 'schema/api.graphql');
  if (committed !== null)
    return {
      source: `git ${ref}`,
      apiSdl: committed,
      supergraphSdl: gitShow(root, ref, 'schema/supergraph.graphql') ?? undefined,
    };
  if (options.ref) throw new Error(`git has no schema/api.graphql at ${ref}`);
  const accepted = readOrNull(join(root, BASELINE_DIR, 'api.graphql'));
  if (accepted === null) return null;
  return {
    source: `${BASELINE_DIR} (--accept)`,
    apiSdl: accepted,
    supergraphSdl: readOrNull(join(root, BASELINE_DIR, 'supergraph.graphql')) ?? undefined,
  };
}

/** `--accept`: the composed schema becomes the baseline used where git has no committed one. */
export function acceptBaseline(composed: { apiSdl: string; supergraphSdl: string }, root: string = REPO_ROOT): string {
  const dir = join(root, BASELINE_DIR);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'api.graphql'), composed.apiSdl);
  writeFileSync(join(dir, 'supergraph.graphql'), composed.supergraphSdl);
  return BASELINE_DIR;
}

/** What a changelog entry says of one change: clients read the first three; the rest is rarer. */
export type ChangeKind = 'added' | 'deprecated' | 'removed' | 'changed';
export interface SchemaChange {
  kind: ChangeKind;
  coordinate: string;
  owner: string;
  message: string;
  breaking: boolean;
}

const KINDS: Partial<Record<string, ChangeKind>> = {
  TYPE_ADDED: 'added',
  FIELD_ADDED: 'added',
  INPUT_FIELD_ADDED: 'added',
  ENUM_VALUE_ADDED: 'added',
  FIELD_ARGUMENT_ADDED: 'added',
  UNION_MEMBER_ADDED: 'added',
  FIELD_DEPRECATION_ADDED: 'deprecated',
  ENUM_VALUE_DEPRECATION_REASON_ADDED: 'deprecated',
  TYPE_REMOVED: 'removed',
  FIELD_REMOVED: 'removed',
  INPUT_FIELD_REMOVED: 'removed',
  ENUM_VALUE_REMOVED: 'removed',
  FIELD_ARGUMENT_REMOVED: 'removed',
  UNION_MEMBER_REMOVED: 'removed',
};
const ORDER: ChangeKind[] = ['added', 'deprecated', 'removed', 'changed'];

/**
 * A change of the schema's query, mutation or subscription type has no path: the root type it now
 * names (or named) is what changed, and its owner is the subgraph that owns that type.
 */
function rootTypeOf(meta: unknown): string | undefined {
  if (typeof meta !== 'object' || meta === null) return undefined;
  const names = Object.entries(meta).filter(([key]) => /^(new|old)(Query|Mutation|Subscription)TypeName$/.test(key));
  const named = (prefix: string) => names.find(([key, value]) => key.startsWith(prefix) && typeof value === 'string');
  const [, name] = named('new') ?? named('old') ?? [];
  return typeof name === 'string' ? name : undefined;
}

/**
 * Every change from one API schema to the next that a client can notice, with its owner.
 * Descriptions and directive usages are left out: they change no query's answer.
 */
export async function schemaChanges(
  beforeApiSdl: string,
  afterApiSdl: string,
  options: { supergraphSdl: string; baselineSupergraphSdl?: string },
): Promise<SchemaChange[]> {
  const changes = await diff(buildSchema(beforeApiSdl), buildSchema(afterApiSdl));
  const after = owners(options.supergraphSdl);
  const before = owners(options.baselineSupergraphSdl ?? options.supergraphSdl);
  return changes
    .filter((c) => !/DESCRIPTION|^DIRECTIVE_USAGE_/.test(c.type))
    .map((c) => {
      // A deprecation's path ends in the directive (`Stp.leads.@deprecated`): the field is what changed.
      const coordinate = (c.path ?? rootTypeOf(c.meta) ?? c.type).replace(/\.@\w+$/, '');
      const kind = KINDS[c.type] ?? 'changed';
      const parts = coordinate.split('.');
      const ownerIn = (table: Map<string, string>) =>
        table.get(parts.slice(0, 2).join('.')) ?? table.get(parts[0] ?? '');
      return {
        kind,
        coordinate,
        // A removed field was owned by whoever owned it before; anything else by its owner now.
        owner: (kind === 'removed' ? ownerIn(before) : (ownerIn(after) ?? ownerIn(before))) ?? 'unknown',
        message: c.message,
        breaking: c.criticality.level === CriticalityLevel.Breaking,
      };
    })
    .sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind) || a.coordinate.localeCompare(b.coordinate));
}

export const CHANGELOG_PATH = `${REPO_ROOT}schema/CHANGELOG.md`;

/** The API schema an entry describes, by hash: what the staleness check compares. */
export function apiHash(apiSdl: string): string {
  return createHash('sha256').update(apiSdl).digest('hex').slice(0, 12);
}

const CHANGELOG_HEADER = `# API schema changelog

Generated by \`npm run compose\`: do not edit. Newest first, one entry for each change to
\`schema/api.graphql\`: the date it was composed, the API schema's hash, and every type, field,
argument or enum value added, deprecated, removed or changed, with the subgraph that owns it.
Description-only changes have an entry without rows. \`npm test\` checks the newest entry is the
checked-in schema's and that every entry whose schemas git holds lists what they give.
`;
const ENTRY = /^## (\d{4}-\d{2}-\d{2}) · API schema `([0-9a-f]{12})`$/;

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function changelogEntry(date: string, apiSdl: string, changes: readonly SchemaChange[], note?: string): string {
  const lines = [`## ${date} · API schema \`${apiHash(apiSdl)}\``, ''];
  if (note) lines.push(note, '');
  if (changes.length) {
    lines.push('| change | coordinate | owner | what |', '| --- | --- | --- | --- |');
    for (const c of changes)
      lines.push(
        `| ${c.kind}${c.breaking ? ' (breaking)' : ''} | \`${c.coordinate}\` | ${cell(c.owner)} | ${cell(c.message)} |`,
      );
  } else if (!note)
    lines.push('Descriptions only: no type, field, argument or enum value added, deprecated or removed.');
  return `${lines.join('\n')}\n`;
}

/** The entries of a changelog, newest first, each with the hash of the schema it describes. */
function entriesOf(text: string): { hash: string; text: string }[] {
  return text
    .split(/^(?=## )/m)
    .slice(1)
    .map((section) => ({ hash: ENTRY.exec(section.split('\n')[0] ?? '')?.[2] ?? '', text: `${section.trimEnd()}\n` }));
}

/**
 * The changelog after a compose: entries newer than the baseline's (uncommitted work, recomposed)
 * are replaced by one entry from the baseline to now, dated `date`; nothing is added when the
 * schema is the baseline's, so a reverted change leaves the changelog as it was committed.
 */
export function nextChangelog(
  current: string | null,
  composed: {
    apiSdl: string;
    baselineApiSdl: string | null;
    changes: readonly SchemaChange[];
    date: string;
    /** Said above the rows, e.g. why there are none. */
    note?: string;
  },
): string {
  let entries = entriesOf(current ?? '');
  if (composed.baselineApiSdl !== null) {
    const committed = entries.findIndex((e) => e.hash === apiHash(composed.baselineApiSdl ?? ''));
    if (committed > 0) entries = entries.slice(committed);
  }
  if (entries[0]?.hash !== apiHash(composed.apiSdl))
    entries = [
      {
        hash: apiHash(composed.apiSdl),
        text: changelogEntry(composed.date, composed.apiSdl, composed.changes, composed.note),
      },
      ...entries,
    ];
  return [CHANGELOG_HEADER, ...entries.map((e) => e.text)].join('\n');
}

/** An API schema and the supergraph it was composed with (whose join directives name the owners). */
export interface SchemaVersion {
  apiSdl: string;
  supergraphSdl: string;
}

/**
 * Every API schema git holds, by hash, each with the supergraph committed with it first (what
 * compose read its owners from), then the composed one where git does not have it yet.
 */
function schemaVersions(composed: SchemaVersion, root: string): Map<string, SchemaVersion> {
  const versions = new Map<string, SchemaVersion>();
  let commits: string[] = [];
  try {
    commits = execFileSync('git', ['log', '--reverse', '--format=%H', '--', 'schema/api.graphql'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .split('\n')
      .filter(Boolean);
  } catch {
    // No git: only the composed schema is known.
  }
  for (const commit of commits) {
    const apiSdl = gitShow(root, commit, 'schema/api.graphql');
    const supergraphSdl = gitShow(root, commit, 'schema/supergraph.graphql');
    if (apiSdl && supergraphSdl && !versions.has(apiHash(apiSdl)))
      versions.set(apiHash(apiSdl), { apiSdl, supergraphSdl });
  }
  if (!versions.has(apiHash(composed.apiSdl))) versions.set(apiHash(composed.apiSdl), composed);
  return versions;
}

/** The first entry of a changelog: the schema's size and the subgraphs it was composed from. */
function firstEntry(date: string, version: SchemaVersion): string {
  const types = Object.values(buildSchema(version.apiSdl).getTypeMap()).filter((t) => !t.name.startsWith('__'));
  const note = `First API schema: ${types.length} types, composed from ${[
    ...new Set(owners(version.supergraphSdl).values()),
  ]
    .filter((o) => !o.includes(',') && o !== 'unknown')
    .sort()
    .join(', ')}.`;
  return changelogEntry(date, version.apiSdl, [], note);
}

/**
 * The changelog with every entry whose schemas git holds written again from them, keeping its
 * date: an entry's rows are the changes from the entry below it, with their owners as the code
 * decides them now. Entries of schemas git does not hold (history squashed, or from another
 * repository) stay as they are.
 */
async function rewrittenChangelog(text: string, composed: SchemaVersion, root: string): Promise<string> {
  const versions = schemaVersions(composed, root);
  const entries = entriesOf(text);
  const rewritten: string[] = [];
  for (const [i, entry] of entries.entries()) {
    const lines = entry.text.split('\n');
    const date = ENTRY.exec(lines[0] ?? '')?.[1] ?? '';
    const now = versions.get(entry.hash);
    const before = versions.get(entries[i + 1]?.hash ?? '');
    // Rows, or "Descriptions only": what a diff gives. Anything else is a note (the first schema, or no baseline).
    const diffed = /^(\||Descriptions only)/.test(lines[2] ?? '');
    if (now && before && diffed)
      rewritten.push(
        changelogEntry(
          date,
          now.apiSdl,
          await schemaChanges(before.apiSdl, now.apiSdl, {
            supergraphSdl: now.supergraphSdl,
            baselineSupergraphSdl: before.supergraphSdl,
          }),
        ),
      );
    else if (now && i === entries.length - 1 && (lines[2] ?? '').startsWith('First API schema:'))
      rewritten.push(firstEntry(date, now));
    else rewritten.push(entry.text);
  }
  return [CHANGELOG_HEADER, ...rewritten.map((entry) => `${entry.trimEnd()}\n`)].join('\n');
}

/**
 * Null when the changelog is what `npm run compose` leaves: its newest entry is the composed API
 * schema's, and every entry git can check lists what its schemas give. Else what is wrong.
 */
export async function changelogProblem(
  text: string | null,
  composed: SchemaVersion,
  root: string = REPO_ROOT,
): Promise<string | null> {
  if (text === null) return 'missing';
  const newest = entriesOf(text)[0];
  if (!newest) return 'has no entry';
  if (newest.hash !== apiHash(composed.apiSdl))
    return `newest entry is API schema ${newest.hash}, not ${apiHash(composed.apiSdl)}`;
  const rewritten = await rewrittenChangelog(text, composed, root);
  if (rewritten === text) return null;
  const expected = entriesOf(rewritten);
  const differs = entriesOf(text).find((e, i) => e.text !== expected[i]?.text);
  return differs ? `entry for API schema ${differs.hash} is not what its schemas give` : 'header is not current';
}

/**
 * The whole changelog from git history: one entry for each commit that changed schema/api.graphql
 * (dated by the commit), then one for uncommitted work. For a repository that has none yet, or
 * one whose changelog a merge left behind.
 */
export async function changelogFromHistory(
  composed: { apiSdl: string; supergraphSdl: string; date: string },
  root: string = REPO_ROOT,
): Promise<string> {
  let commits: { hash: string; date: string }[] = [];
  try {
    // First parents: on main, a merged branch is one change, dated when it was merged.
    commits = execFileSync(
      'git',
      ['log', '--first-parent', '--reverse', '--format=%H %cs', '--', 'schema/api.graphql'],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    )
      .toString()
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [hash = '', date = ''] = line.split(' ');
        return { hash, date };
      });
  } catch {
    // No git: the history starts now.
  }
  const versions = commits.flatMap(({ hash, date }) => {
    const apiSdl = gitShow(root, hash, 'schema/api.graphql');
    const supergraphSdl = gitShow(root, hash, 'schema/supergraph.graphql');
    return apiSdl && supergraphSdl ? [{ apiSdl, supergraphSdl, date }] : [];
  });
  if (versions.at(-1)?.apiSdl !== composed.apiSdl) versions.push(composed);
  let text: string | null = null;
  let previous: { apiSdl: string; supergraphSdl: string } | null = null;
  for (const version of versions) {
    if (previous && previous.apiSdl === version.apiSdl) continue;
    if (!previous) text = [CHANGELOG_HEADER, firstEntry(version.date, version)].join('\n');
    else {
      const changes = await schemaChanges(previous.apiSdl, version.apiSdl, {
        supergraphSdl: version.supergraphSdl,
        baselineSupergraphSdl: previous.supergraphSdl,
      });
      text = nextChangelog(text, { apiSdl: version.apiSdl, baselineApiSdl: null, changes, date: version.date });
    }
    previous = version;
  }
  return text ?? CHANGELOG_HEADER;
}

export interface SchemaReview {
  baseline: SchemaBaseline | null;
  /** Every change a client can notice, for the changelog. */
  changes: SchemaChange[];
  breaking: BreakingChange[];
  /** The breaking changes a known client uses (or that count as used) and the allow-list does not accept. */
  refused: BreakingChange[];
  /** The breaking changes no known client uses and the allow-list does not name: they pass, with a warning. */
  unused: BreakingChange[];
}

/** The composed schema against its baseline: what `npm run compose` and `npm run schema:check` decide on. */
export async function reviewSchema(
  composed: { apiSdl: string; supergraphSdl: string },
  options: { ref?: string; root?: string; usage?: UsageSource; allowlist?: readonly AllowlistEntry[] } = {},
): Promise<SchemaReview> {
  const baseline = schemaBaseline(options);
  if (!baseline) return { baseline, changes: [], breaking: [], refused: [], unused: [] };
  const against = { supergraphSdl: composed.supergraphSdl, baselineSupergraphSdl: baseline.supergraphSdl };
  const breaking = await breakingChanges(baseline.apiSdl, composed.apiSdl, {
    ...against,
    allowlist: options.allowlist ?? readAllowlist(),
    usage: options.usage,
  });
  return {
    baseline,
    changes: await schemaChanges(baseline.apiSdl, composed.apiSdl, against),
    breaking,
    refused: breaking.filter((c) => !c.allowed && c.used),
    unused: breaking.filter((c) => !c.allowed && !c.used),
  };
}

/** The changelog `npm run compose` writes for this composition (from git history when there is none yet). */
export async function composedChangelog(
  composed: { apiSdl: string; supergraphSdl: string },
  review: SchemaReview,
  date: string,
  root: string = REPO_ROOT,
): Promise<string> {
  const current = readOrNull(join(root, 'schema/CHANGELOG.md'));
  // None yet, or none that knows the committed schema (a merge brought changes it never saw): from git history.
  const baselineHash = review.baseline?.source.startsWith('git') ? apiHash(review.baseline.apiSdl) : null;
  const next =
    current === null || (baselineHash && !entriesOf(current).some((e) => e.hash === baselineHash))
      ? await changelogFromHistory({ ...composed, date }, root)
      : nextChangelog(current, {
          apiSdl: composed.apiSdl,
          baselineApiSdl: review.baseline?.apiSdl ?? null,
          changes: review.changes,
          date,
          // Without git or an accepted baseline there is nothing to compare with: say so rather than list nothing.
          note: review.baseline
            ? undefined
            : 'Changes not listed: no committed schema/api.graphql and no accepted baseline to compare with.',
        });
  // Every entry git can check is written as the code decides it now (an owner fixed reaches old entries too).
  return rewrittenChangelog(next, composed, root);
}
