import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/**
 * Child processes for tests and benchmarks: a subgraph, a gateway, a benchmark peer or a load
 * generator started in a process of its own, as it is deployed. Reached through
 * `@nhs-hub/kit/testing` only: nothing the hub runs in production spawns processes.
 */

/** How a process ended: a code when it exited, a signal when it was killed. */
export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface StartProcessOptions {
  /** Names the process in errors. */
  readonly label: string;
  /** Arguments to `command`. */
  readonly args: readonly string[];
  /** The program; this process's node binary when absent. */
  readonly command?: string;
  readonly cwd?: string;
  /** Variables laid over this process's environment; an undefined value leaves one out. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** false: `env` is all the process gets, as in a container, and nothing of this shell leaks in. */
  readonly inheritEnv?: boolean;
  /** The line saying it serves; `ready` resolves to its first group (the URL). */
  readonly ready?: RegExp;
  /** How long to wait for that line; 60 s unless given. */
  readonly readyTimeoutMs?: number;
  /**
   * A process group of its own, signalled as a whole: `npm start` runs the hub in a grandchild,
   * which a signal to npm alone would leave running. Its pid is then the group's id.
   */
  readonly group?: boolean;
}

export interface StartedProcess {
  readonly label: string;
  readonly child: ChildProcess;
  /** Date.now() at spawn, comparable with other clocks' milliseconds (nginx's $msec). */
  readonly spawnedAt: number;
  /** The ready line's first group; rejects when the process ends or times out before printing it. */
  readonly ready: Promise<string>;
  /** Everything it wrote to stdout and stderr so far, interleaved. */
  output(): string;
  /** Its stdout alone, for a process that answers in JSON there. */
  stdout(): string;
  /** Settles once it has ended and its output is all read. */
  readonly exited: Promise<ProcessExit>;
  /** Sends the signal (unless it has ended already) and waits for the end. */
  stop(signal?: NodeJS.Signals): Promise<ProcessExit>;
}

/** What subgraphs ("subgraph ready at"), gateways ("Gateway ready at") and bench peers print when they serve. */
export const READY_LINE = /ready at (http:\/\/\S+)/;

/** Node's arguments for a TypeScript entry point run from source, as `npm run dev` runs the hub. */
export function tsxArgs(script: string, ...rest: readonly string[]): string[] {
  return ['--conditions=@nhs-hub/source', '--import', 'tsx', script, ...rest];
}

const running = new Set<StartedProcess>();
const TAIL = 1500;

export function startProcess(options: StartProcessOptions): StartedProcess {
  const spawnedAt = Date.now();
  const child = spawn(options.command ?? process.execPath, options.args, {
    cwd: options.cwd,
    env: { ...(options.inheritEnv === false ? {} : process.env), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.group === true,
  });
  let all = '';
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    all += chunk.toString();
    out += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    all += chunk.toString();
  });
  // 'close', not 'exit': only then is the last of its output read.
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => {
      all += `\n${error.message}`;
      // A process that could not be spawned never closes.
      if (child.pid === undefined) resolve({ code: null, signal: null });
    });
  });
  let closed = false;
  void exited.then(() => {
    closed = true;
  });
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
  const ready = new Promise<string>((resolve, reject) => {
    const pattern = options.ready ?? READY_LINE;
    const timer = setTimeout(
      () => reject(new Error(`${options.label} not ready after ${readyTimeoutMs} ms: ${all.slice(-TAIL)}`)),
      readyTimeoutMs,
    );
    const look = () => {
      const match = pattern.exec(all);
      if (!match) return;
      clearTimeout(timer);
      child.stdout.off('data', look);
      child.stderr.off('data', look);
      resolve(match[1] ?? match[0]);
    };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${options.label} ended (${signal ?? code}) before it was ready: ${all.slice(-TAIL)}`));
    });
  });
  // Nobody waits for the readiness of a process killed on purpose; that must not fail a test run.
  ready.catch(() => undefined);
  const started: StartedProcess = {
    label: options.label,
    child,
    spawnedAt,
    ready,
    output: () => all,
    stdout: () => out,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (closed) return exited;
      if (options.group && child.pid !== undefined) {
        // Its leader may have ended while the rest of the group still holds the output open.
        try {
          process.kill(-child.pid, signal);
        } catch {
          // The whole group has ended already.
        }
      } else if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  running.add(started);
  void exited.then(() => running.delete(started));
  return started;
}

/**
 * Ends every process startProcess started that is still running, for an afterAll or a finally.
 * SIGKILL unless told otherwise: what is left over at the end is not under test and must not
 * hold the run up.
 */
export async function stopAllProcesses(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  await Promise.all([...running].map((p) => p.stop(signal)));
}

/** The lines of a process's output that match, e.g. the one saying which replica seeded. */
export function linesMatching(started: StartedProcess, pattern: RegExp): string[] {
  return started
    .output()
    .split('\n')
    .filter((line) => pattern.test(line));
}

/**
 * A free loopback port, for a process that must be given its port rather than take one with PORT=0
 * and say which: replicas behind nginx (its upstreams are static, and a restarted replica gets the
 * same port again), or a process a benchmark asks from the moment it is spawned.
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
