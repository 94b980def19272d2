import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * Unknown-field check for manifests: the API server's strict field validation, which
 * `kubectl apply` runs and the kubernetes-models validators do not (their schemas leave
 * additionalProperties open, so a typo such as `readinesProbe` validates and is then silently
 * dropped by the cluster). Each object is walked against the TypeScript interfaces
 * kubernetes-models generates from the same OpenAPI definitions (the CloudNativePG ones from its
 * CRDs): a key its interface does not declare is reported with its path. Maps (labels, ConfigMap
 * data, resource quantities) are index signatures and take any key; fields typed as free-form
 * (`any`, `{}`: CRDs' preserve-unknown-fields) are not walked.
 */

/** Which package holds the models of an API group; the core groups are kubernetes-models'. */
const PACKAGES: Record<string, string> = {
  'postgresql.cnpg.io': '@kubernetes-models/cloudnative-pg',
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
  'cert-manager.io': '@kubernetes-models/cert-manager',
};

/**
 * Kinds no npm package models, declared from their CRD with the types the packages do model.
 * The Barman Cloud plugin's ObjectStore (config/crd/bases/barmancloud.cnpg.io_objectstores.yaml,
 * plugin v0.13.0): `spec.configuration` is barman-cloud's BarmanObjectStoreConfiguration, the Go
 * type @kubernetes-models/cloudnative-pg generates for the Cluster's in-tree barmanObjectStore;
 * `retentionPolicy` is a string; `instanceSidecarConfiguration` is left undeclared (not used here,
 * so any use of it is reported rather than passed unchecked).
 */
export const DECLARED: Record<string, string> = {
  'barmancloud.cnpg.io/v1 ObjectStore': [
    "import type { IObjectMeta } from '@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta';",
    "import type { IBarmanObjectStoreConfiguration } from '@kubernetes-models/cloudnative-pg/github.com/cloudnative-pg/barman-cloud/pkg/api/BarmanObjectStoreConfiguration';",
    "interface IObjectStore { apiVersion: 'barmancloud.cnpg.io/v1'; kind: 'ObjectStore'; metadata: IObjectMeta; spec: { configuration: IBarmanObjectStoreConfiguration; retentionPolicy?: string } }",
  ].join('\n'),
};

/** The module and interface kubernetes-models declares a kind in, e.g. kubernetes-models/apps/v1/Deployment, IDeployment. */
export function modelOf(apiVersion: string, kind: string): { module: string; name: string } {
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  return { module: `${PACKAGES[group] ?? 'kubernetes-models'}/${apiVersion}/${kind}`, name: `I${kind}` };
}

export interface UnknownField {
  /** kind/name of the object. */
  readonly object: string;
  /** Where in it, e.g. spec.template.spec.containers[0].readinesProbe. */
  readonly path: string;
}

type Manifest = { apiVersion: string; kind: string; metadata?: { name?: string } };

/**
 * Every key of `objects` their kind's schema does not declare. Throws for a kind that has no model
 * (a check that silently passed would prove nothing).
 */
export function unknownFields(objects: readonly Manifest[]): UnknownField[] {
  const missing = [...new Set(objects.map((o) => `${o.apiVersion} ${o.kind}`))].filter((k) => !resolved.has(k));
  // A program takes about half a second to load: one per new set of kinds, not per call.
  if (missing.length)
    for (const [k, t] of resolveTypes(missing.map((k) => k.split(' ') as [string, string]))) resolved.set(k, t);
  const found: UnknownField[] = [];
  for (const o of objects) {
    const type = resolved.get(`${o.apiVersion} ${o.kind}`);
    if (!type) throw new Error(`no model for ${o.apiVersion} ${o.kind}`);
    walk(type.checker, o, type.type, '', (path) => found.push({ object: `${o.kind}/${o.metadata?.name}`, path }));
  }
  return found;
}

interface Resolved {
  readonly checker: ts.TypeChecker;
  readonly type: ts.Type;
}
const resolved = new Map<string, Resolved>();

/** One program over a generated entry file importing each kind's interface; resolved as this package would. */
function resolveTypes(kinds: readonly [string, string][]): Map<string, Resolved> {
  // Beside this file, so module resolution finds the workspace's node_modules.
  const entry = join(dirname(fileURLToPath(import.meta.url)), '__unknown-fields__.mts');
  const lines = kinds.map(([apiVersion, kind], i) => {
    const declared = DECLARED[`${apiVersion} ${kind}`];
    // In a namespace of its own, so two declarations' imports cannot clash.
    if (declared)
      return `declare namespace N${i} {\n${declared.replace(/^import type \{ (\w+) \} from ('[^']+');$/gm, 'type $1 = import($2).$1;')}\n}\nexport declare const t${i}: N${i}.I${kind};`;
    const { module, name } = modelOf(apiVersion, kind);
    return `import type { ${name} as T${i} } from '${module}';\nexport declare const t${i}: T${i};`;
  });
  const source = lines.join('\n');
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    types: [],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
  };
  const host = ts.createCompilerHost(options, true);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, language, ...rest) =>
    file === entry ? ts.createSourceFile(file, source, language, true) : getSourceFile(file, language, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (file) => file === entry || fileExists(file);
  const program = ts.createProgram([entry], options, host);
  const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  if (problems.length) throw new Error(`cannot load the kubernetes-models interfaces:\n${problems.join('\n')}`);
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(entry);
  const symbol = file && checker.getSymbolAtLocation(file);
  const exported = new Map((symbol ? checker.getExportsOfModule(symbol) : []).map((s) => [s.name, s]));
  const types = new Map<string, Resolved>();
  kinds.forEach(([apiVersion, kind], i) => {
    const constant = exported.get(`t${i}`);
    if (constant) types.set(`${apiVersion} ${kind}`, { checker, type: checker.getTypeOfSymbol(constant) });
  });
  return types;
}

function walk(checker: ts.TypeChecker, value: unknown, declared: ts.Type, path: string, report: (p: string) => void) {
  if (value === null || typeof value !== 'object') return;
  const type = checker.getNonNullableType(declared);
  if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return;
  const members = type.isUnion() ? type.types : [type];
  if (Array.isArray(value)) {
    const element = members.find((t) => checker.isArrayType(t));
    const item = element && checker.getTypeArguments(element as ts.TypeReference)[0];
    if (item) for (const [i, v] of value.entries()) walk(checker, v, item, `${path}[${i}]`, report);
    return;
  }
  const shapes = members.filter((t) => t.flags & ts.TypeFlags.Object && !checker.isArrayType(t));
  // Free-form: declares neither fields nor a map (`{}`, `object`).
  if (shapes.length === 0 || shapes.every((t) => !t.getProperties().length && !checker.getIndexInfosOfType(t).length))
    return;
  for (const [key, child] of Object.entries(value)) {
    const at = path ? `${path}.${key}` : key;
    const property = shapes.map((t) => checker.getPropertyOfType(t, key)).find((p) => p !== undefined);
    const map = shapes.flatMap((t) => checker.getIndexInfosOfType(t))[0];
    if (property) walk(checker, child, checker.getTypeOfSymbol(property), at, report);
    else if (map) walk(checker, child, map.type, at, report);
    else report(at);
  }
}
