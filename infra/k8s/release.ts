import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readGraphConfig } from '@nhs-hub/kit/repo';
import { isMap, isSeq, parseDocument } from 'yaml';
import { IMAGE, migrateJob } from './generate.js';
import { K8S_DIR } from './render.js';

/**
 * Sets the release an overlay deploys, in its kustomization files (comments kept): the image tag,
 * and the name suffix and version label of its migrate Jobs (`<overlay>/migrate/`). A Job is
 * immutable and runs once, so every release needs Jobs of its own name: naming them for the
 * image tag gives each rollout its own migrate run, while applying the same release again leaves
 * its finished Jobs alone. Written as a command so the runbook needs only kubectl, not the
 * standalone kustomize binary (`kustomize edit` has no kubectl equivalent).
 *
 *   npm run release -w @nhs-hub/infra -- infra/k8s/overlays/prod <version>   (from the repository root)
 */

/** The label selecting one release's migrate Jobs (infra/README.md waits on it). */
export const RELEASE_LABEL = 'app.kubernetes.io/version';
/** A Job's name ends up in a label of its pods, so it must be a DNS label: 63 characters at most. */
const MAX_JOB_NAME = 63;
/** What both an image tag and a Job name (DNS subdomain) accept, in one spelling. */
const VERSION = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;

export interface Release {
  /** The image tag of the overlay's `images` entry for the hub's image. */
  readonly tag: string | undefined;
  /** The migrate Jobs' name suffix, without its leading '-'. */
  readonly suffix: string | undefined;
  /** Their RELEASE_LABEL. */
  readonly label: string | undefined;
}

const files = (overlay: string) => ({
  kustomization: join(overlay, 'kustomization.yaml'),
  migrate: join(overlay, 'migrate', 'kustomization.yaml'),
});

/** Why `version` cannot name a release, or null when it can. */
export function versionProblem(
  version: string,
  subgraphs: readonly string[] = readGraphConfig().map((s) => s.name),
): string | null {
  if (!VERSION.test(version))
    return `release '${version}': use lowercase letters, digits, '.' and '-', starting and ending with a letter or digit`;
  const longest = subgraphs.map((name) => `${migrateJob(name)}-${version}`).sort((a, b) => b.length - a.length)[0];
  if (longest && longest.length > MAX_JOB_NAME)
    return `release '${version}': Job ${longest} would be longer than ${MAX_JOB_NAME} characters`;
  return null;
}

/** What the overlay in `overlay` deploys now. */
export function releaseOf(overlay: string): Release {
  const kustomization = parseDocument(readFileSync(files(overlay).kustomization, 'utf8'));
  const migrate = parseDocument(readFileSync(files(overlay).migrate, 'utf8'));
  const images = kustomization.get('images');
  const image = isSeq(images) ? images.items.find((i) => isMap(i) && i.get('name') === IMAGE) : undefined;
  const tag = isMap(image) ? image.get('newTag') : undefined;
  const suffix = migrate.get('nameSuffix');
  const label = migrate.getIn(['labels', 0, 'pairs', RELEASE_LABEL]);
  return {
    tag: typeof tag === 'string' ? tag : undefined,
    suffix: typeof suffix === 'string' && suffix.startsWith('-') ? suffix.slice(1) : undefined,
    label: typeof label === 'string' ? label : undefined,
  };
}

/** Points the overlay in `overlay` at release `version`; throws, writing nothing, if it cannot name one. */
export function setRelease(overlay: string, version: string): void {
  const problem = versionProblem(version);
  if (problem) throw new Error(problem);
  const paths = files(overlay);
  const kustomization = parseDocument(readFileSync(paths.kustomization, 'utf8'));
  const images = kustomization.get('images');
  const index = isSeq(images) ? images.items.findIndex((i) => isMap(i) && i.get('name') === IMAGE) : -1;
  if (index < 0) throw new Error(`${paths.kustomization}: no images entry named ${IMAGE}`);
  kustomization.setIn(['images', index, 'newTag'], version);
  const migrate = parseDocument(readFileSync(paths.migrate, 'utf8'));
  migrate.set('nameSuffix', `-${version}`);
  migrate.setIn(['labels', 0, 'pairs', RELEASE_LABEL], version);
  writeFileSync(paths.kustomization, kustomization.toString({ lineWidth: 0 }));
  writeFileSync(paths.migrate, migrate.toString({ lineWidth: 0 }));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const [target, version] = process.argv.slice(2);
  if (!target || !version) {
    console.error('Usage: release.ts <overlay, e.g. infra/k8s/overlays/prod> <version, e.g. the image tag>');
    process.exit(2);
  }
  try {
    // Relative to where npm was run (INIT_CWD), as the runbook's $OVERLAY is; else to infra/k8s.
    const from = process.env.INIT_CWD ?? process.cwd();
    const overlay = [resolve(from, target), resolve(K8S_DIR, target)].find((dir) =>
      existsSync(join(dir, 'kustomization.yaml')),
    );
    if (!overlay) throw new Error(`${target}: no kustomization.yaml there (from ${from}) nor under ${K8S_DIR}`);
    setRelease(overlay, version);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
  console.log(`${target}: image ${IMAGE}:${version}, migrate Jobs <subgraph>-migrate-${version}`);
}
