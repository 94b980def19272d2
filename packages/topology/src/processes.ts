import { bundleScript, REPO_ROOT, readDataSubgraphs, readGraphConfig } from '@nhs-hub/kit/repo';
import { type StartedProcess, startProcess, tsxArgs } from '@nhs-hub/kit/testing';

export { REPO_ROOT };

/** The subgraph names, in the one list the gateway composes from. */
export function subgraphNames(): string[] {
  return readGraphConfig().map((s) => s.name);
}

/**
 * The subgraphs with tables: each gets a database role, and the topology runs two replicas of each
 * behind nginx and kills one. The releases subgraph owns nothing and is on no path the topology's
 * query takes; its own tests (services/releases) start it with the data subgraphs it reads.
 */
export function dataSubgraphNames(): string[] {
  return readDataSubgraphs().map((s) => s.name);
}

/**
 * Tests run the sources (a stale dist/ can never be what is tested); `npm run bench:topology` sets
 * TOPOLOGY_COMPILED=1 after building, so its restart times are those of the image's bundles
 * (`node dist/<name>.mjs`, scripts/bundle.ts).
 */
const compiled = (): boolean => process.env.TOPOLOGY_COMPILED === '1';
export const subgraphScript = (name: string): string =>
  compiled() ? `${REPO_ROOT}${bundleScript(name)}` : `${REPO_ROOT}services/${name}/src/server.ts`;
export const gatewayScript = (): string =>
  compiled() ? `${REPO_ROOT}${bundleScript('gateway')}` : `${REPO_ROOT}gateway/src/server.ts`;

export interface SpawnOptions {
  readonly label: string;
  readonly script: string;
  /** After the script: a command such as `migrate`. */
  readonly args?: readonly string[];
  readonly env: Record<string, string | undefined>;
  /** How long to wait for the ready line before giving up. */
  readonly readyTimeoutMs?: number;
}

/** A hub process (a subgraph replica or a gateway replica), one process each as deployed. */
export function spawnService(options: SpawnOptions): StartedProcess {
  return startProcess({
    label: options.label,
    // A compiled script (a workspace's dist/*.js, a bundle's dist/*.mjs) runs on node alone, as in the image.
    args: /\.m?js$/.test(options.script)
      ? [options.script, ...(options.args ?? [])]
      : tsxArgs(options.script, ...(options.args ?? [])),
    cwd: REPO_ROOT,
    // Request logs would cost CPU the load needs; start-up lines are plain stdout and still print.
    env: { LOG_LEVEL: 'silent', ...options.env },
    readyTimeoutMs: options.readyTimeoutMs,
  });
}

/**
 * A hub process's one-shot command, as a migrate Job runs it (`node dist/<name>.mjs migrate`):
 * resolves with its output once it has exited 0, and fails with that output otherwise.
 */
export async function runJob(options: SpawnOptions): Promise<string> {
  const job = spawnService(options);
  const { code, signal } = await job.exited;
  if (code !== 0) throw new Error(`${options.label} failed (${signal ?? code}): ${job.output().slice(-1500)}`);
  return job.output();
}
