import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseAllDocuments, parse as parseYaml, stringify } from 'yaml';
import { z } from 'zod';

/**
 * A kustomize renderer for the features infra/k8s uses, so tests (and machines without the
 * kustomize binary) can render an overlay: resources (files and kustomization folders), namespace,
 * nameSuffix (not over ConfigMaps or Secrets), labels, images, strategic-merge patches (by the
 * patch's own kind and name, or a target selecting by kind and/or name) and configMapGenerator
 * (literals and files, behavior create/merge/replace, name hash suffix with references rewritten in
 * pod templates). A kustomization using anything else
 * is refused rather than half-rendered. `kubectl kustomize` renders the same objects; only the hash
 * suffixes differ (kustomize hashes another encoding of the same content).
 *
 *   npm run render:k8s -- overlays/prod     (paths relative to infra/k8s)
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export interface Metadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  [key: string]: Json | undefined;
}
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: Metadata;
  [key: string]: Json | Metadata | undefined;
}

const Kustomization = z
  .object({
    apiVersion: z.literal('kustomize.config.k8s.io/v1beta1'),
    kind: z.literal('Kustomization'),
    resources: z.array(z.string()).default([]),
    namespace: z.string().optional(),
    nameSuffix: z.string().optional(),
    labels: z
      .array(
        z.object({ pairs: z.record(z.string(), z.string()), includeSelectors: z.literal(false).optional() }).strict(),
      )
      .default([]),
    images: z
      .array(
        z
          .object({
            name: z.string(),
            newName: z.string().optional(),
            newTag: z.string().optional(),
            digest: z.string().optional(),
          })
          .strict(),
      )
      .default([]),
    patches: z
      .array(
        z
          .object({
            path: z.string(),
            target: z.object({ kind: z.string().optional(), name: z.string().optional() }).strict().optional(),
          })
          .strict(),
      )
      .default([]),
    configMapGenerator: z
      .array(
        z
          .object({
            name: z.string(),
            behavior: z.enum(['create', 'merge', 'replace']).default('create'),
            literals: z.array(z.string()).default([]),
            files: z.array(z.string()).default([]),
            options: z.object({ disableNameSuffixHash: z.boolean().optional() }).strict().optional(),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();

/** Marks a generated ConfigMap until the top level names it with its hash. */
const GENERATED = 'internal.nhs-hub/generated';

/** infra/k8s, the folder of this file: overlays are named relative to it and generate.ts writes base/ there. */
export const K8S_DIR = dirname(fileURLToPath(import.meta.url));

/** Renders the kustomization in `dir` to its objects, as `kubectl kustomize dir` would. */
export function render(dir: string): Manifest[] {
  const objects = renderLevel(resolve(dir));
  return nameGeneratedConfigMaps(objects);
}

function renderLevel(dir: string): Manifest[] {
  const parsed = Kustomization.safeParse(parseYaml(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')));
  if (!parsed.success) throw new Error(`${dir}/kustomization.yaml: ${z.prettifyError(parsed.error)}`);
  const k = parsed.data;
  let objects: Manifest[] = k.resources.flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? renderLevel(path) : readManifests(path);
  });

  for (const generator of k.configMapGenerator) {
    const data: Record<string, string> = {};
    for (const literal of generator.literals) {
      const at = literal.indexOf('=');
      if (at < 1) throw new Error(`${dir}: literal '${literal}' is not KEY=value`);
      data[literal.slice(0, at)] = literal.slice(at + 1);
    }
    for (const file of generator.files) {
      const [key, path] = file.includes('=') ? (file.split('=', 2) as [string, string]) : [basename(file), file];
      data[key] = readFileSync(join(dir, path), 'utf8');
    }
    const existing = objects.find(
      (o) => o.kind === 'ConfigMap' && o.metadata.name === generator.name && o.metadata[GENERATED],
    );
    if (generator.behavior === 'create') {
      if (existing)
        throw new Error(`${dir}: ConfigMap ${generator.name} is generated twice; use behavior merge or replace`);
      objects.push({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: generator.name, [GENERATED]: generator.options?.disableNameSuffixHash ? 'fixed' : 'hashed' },
        data,
      });
    } else {
      if (!existing)
        throw new Error(
          `${dir}: ConfigMap ${generator.name} has behavior ${generator.behavior} but no base generates it`,
        );
      existing.data = generator.behavior === 'merge' ? { ...(existing.data as Record<string, string>), ...data } : data;
    }
  }

  for (const patch of k.patches) {
    for (const doc of readManifests(join(dir, patch.path))) {
      const kind = patch.target?.kind ?? (patch.target ? undefined : doc.kind);
      const name = patch.target?.name ?? (patch.target ? undefined : doc.metadata.name);
      const matched = objects.filter(
        (o) => (kind === undefined || o.kind === kind) && (name === undefined || o.metadata.name === name),
      );
      if (matched.length === 0)
        throw new Error(`${dir}: patch ${patch.path} matches nothing (${kind ?? '*'}/${name ?? '*'})`);
      const { metadata: _ignored, ...body } = doc;
      objects = objects.map((o) =>
        matched.includes(o) ? (strategicMerge(o as unknown as Json, body as Json) as unknown as Manifest) : o,
      );
    }
  }

  if (k.nameSuffix) {
    // kustomize would also rewrite references to a renamed ConfigMap or Secret; nothing here needs it.
    const referenced = objects.find((o) => o.kind === 'ConfigMap' || o.kind === 'Secret');
    if (referenced)
      throw new Error(`${dir}: nameSuffix over a ${referenced.kind} (${referenced.metadata.name}) is not implemented`);
    for (const o of objects) o.metadata.name = `${o.metadata.name}${k.nameSuffix}`;
  }

  for (const image of k.images) {
    for (const container of podContainers(objects)) {
      const current = String(container.image ?? '');
      const [repo, tag] = splitImage(current);
      if (repo !== image.name) continue;
      const name = image.newName ?? repo;
      container.image = image.digest
        ? `${name}@${image.digest}`
        : `${name}${image.newTag ? `:${image.newTag}` : tag ? `:${tag}` : ''}`;
    }
  }

  for (const { pairs } of k.labels) {
    for (const o of objects) o.metadata.labels = { ...(o.metadata.labels ?? {}), ...pairs };
  }
  if (k.namespace) for (const o of objects) o.metadata.namespace = k.namespace;
  return objects;
}

function readManifests(path: string): Manifest[] {
  return parseAllDocuments(readFileSync(path, 'utf8'))
    .map((d) => d.toJSON() as Manifest | null)
    .filter((d): d is Manifest => d !== null);
}

function splitImage(image: string): [string, string | undefined] {
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? [image.slice(0, colon), image.slice(colon + 1)] : [image, undefined];
}

type JsonObject = { [key: string]: Json };
const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Strategic merge as kubectl does it for these objects: maps merge key by key (null deletes),
 * lists whose items all have a `name` (containers, env, volumes, ports) merge item by item on it
 * (the patch's first, in its order), other lists are replaced.
 */
export function strategicMerge(base: Json, patch: Json): Json {
  if (isObject(base) && isObject(patch)) {
    const out: JsonObject = { ...base };
    for (const [key, value] of Object.entries(patch)) {
      if (value === null) delete out[key];
      else out[key] = key in base ? strategicMerge(base[key] as Json, value) : value;
    }
    return out;
  }
  if (
    Array.isArray(base) &&
    Array.isArray(patch) &&
    [...base, ...patch].every((i) => isObject(i) && typeof i.name === 'string')
  ) {
    const nameOf = (item: Json) => (item as JsonObject).name;
    const named = (list: Json[], name: Json | undefined) => list.find((i) => nameOf(i) === name);
    // kubectl kustomize's order: the patch's items in its order, then the base's it does not name.
    const merged = patch.map((item) => {
      const from = named(base, nameOf(item));
      return from === undefined ? item : strategicMerge(from, item);
    });
    return [...merged, ...base.filter((b) => named(patch, nameOf(b)) === undefined)];
  }
  return patch;
}

/** The pod spec of a workload (Deployment, Job, ...), where it has one. */
export function podSpecOf(o: Manifest): JsonObject | undefined {
  const spec = o.spec;
  if (!isObject(spec)) return undefined;
  const template = spec.template;
  return isObject(template) && isObject(template.spec) ? template.spec : undefined;
}

export function podContainers(objects: readonly Manifest[]): JsonObject[] {
  return objects.flatMap((o) => {
    const pod = podSpecOf(o);
    return pod
      ? [
          ...((pod.initContainers as JsonObject[] | undefined) ?? []),
          ...((pod.containers as JsonObject[] | undefined) ?? []),
        ]
      : [];
  });
}

/** Appends each generated ConfigMap's content hash to its name, and follows the rename in pod templates. */
function nameGeneratedConfigMaps(objects: Manifest[]): Manifest[] {
  const renamed = new Map<string, string>();
  for (const o of objects) {
    const mode = o.metadata[GENERATED];
    if (mode === undefined) continue;
    delete o.metadata[GENERATED];
    if (mode !== 'hashed') continue;
    const hash = createHash('sha256')
      .update(JSON.stringify({ kind: o.kind, name: o.metadata.name, data: o.data ?? null }))
      .digest('hex')
      .slice(0, 10);
    renamed.set(o.metadata.name, `${o.metadata.name}-${hash}`);
    o.metadata.name = `${o.metadata.name}-${hash}`;
  }
  const rename = (ref: Json | undefined) => {
    if (isObject(ref) && typeof ref.name === 'string') ref.name = renamed.get(ref.name) ?? ref.name;
  };
  for (const o of objects) {
    const pod = podSpecOf(o);
    if (!pod) continue;
    for (const volume of (pod.volumes as JsonObject[] | undefined) ?? []) rename(volume.configMap);
    for (const container of podContainers([o])) {
      for (const from of (container.envFrom as JsonObject[] | undefined) ?? []) rename(from.configMapRef);
      for (const env of (container.env as JsonObject[] | undefined) ?? [])
        if (isObject(env.valueFrom)) rename(env.valueFrom.configMapKeyRef);
    }
  }
  return objects;
}

export function toYaml(objects: readonly Manifest[]): string {
  return objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const target = process.argv[2];
  if (!target) {
    console.error('Usage: render.ts <kustomization folder, e.g. overlays/prod>');
    process.exit(2);
  }
  process.stdout.write(toYaml(render(resolve(K8S_DIR, target))));
}
