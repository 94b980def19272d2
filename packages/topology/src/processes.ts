import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { REPO_ROOT, readGraphConfig } from '@nhs-hub/kit/repo';

export { REPO_ROOT };

/** The subgraph names, in the one list the gateway composes from. */
export function subgraphNames(): string[] {
  return readGraphConfig().map((s) => s.name);
}

export const subgraphScript = (name: string): string => `${REPO_ROOT}services/${name}/src/server.ts`;
export const GATEWAY_SCRIPT = `${REPO_ROOT}gateway/src/server.ts`;

/** A hub process (a subgraph replica or a gateway replica) started exactly as it is deployed. */
export interface ServiceProcess {
  readonly label: string;
  readonly child: ChildProcess;
  /** Date.now() at spawn, comparable with nginx's $msec. */
  readonly spawnedAt: number;
  /** The URL the process printed when it began serving. */
  readonly ready: Promise<string>;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  readonly exited: Promise<number | null>;
  /** Sends a signal and waits for the process to end. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface SpawnOptions {
  readonly label: string;
  readonly script: string;
  readonly env: Record<string, string | undefined>;
  /** How long to wait for the ready line before giving up. */
  readonly readyTimeoutMs?: number;
}

const READY = /ready at (http:\/\/\S+)/;

/** Every process started here, so a test's afterAll can end the ones still running. */
const started = new Set<ServiceProcess>();

export function spawnService(options: SpawnOptions): ServiceProcess {
  const spawnedAt = Date.now();
  const child = spawn(process.execPath, ['--conditions=@nhs-hub/source', '--import', 'tsx', options.script], {
    cwd: REPO_ROOT,
    // Request logs would cost CPU the load needs; start-up lines are plain stdout and still print.
    env: { ...process.env, LOG_LEVEL: 'silent', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))),
  );
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(`${options.label} not ready after ${options.readyTimeoutMs ?? 60_000} ms: ${out.slice(-800)}`),
        ),
      options.readyTimeoutMs ?? 60_000,
    );
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const url = READY.exec(out)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve(url);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${options.label} exited with ${code} before it was ready: ${out.slice(-800)}`));
    });
  });
  // A rejection nobody awaited (a replica killed on purpose) must not fail the test run.
  ready.catch(() => undefined);
  const service: ServiceProcess = {
    label: options.label,
    child,
    spawnedAt,
    ready,
    output: () => out,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const code = await exited;
      started.delete(service);
      return code;
    },
  };
  started.add(service);
  void exited.then(() => started.delete(service));
  return service;
}

/** Ends every process spawnService started that is still running. */
export async function stopAll(): Promise<void> {
  await Promise.all([...started].map((s) => s.stop('SIGKILL')));
}

/**
 * A free loopback port. Replicas behind nginx need ports known before they start (nginx's
 * upstreams are static) and the same port again when restarted.
 */
const handedOut = new Set<number>();
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await unusedPort();
    // The kernel may offer a just-released port again; one handed out here must stay distinct.
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

function unusedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Lines of a process's output that match, e.g. which replica seeded. */
export function linesMatching(service: ServiceProcess, pattern: RegExp): string[] {
  return service
    .output()
    .split('\n')
    .filter((line) => pattern.test(line));
}
