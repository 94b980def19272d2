import { fileURLToPath } from 'node:url';
import { startProcess } from '@nhs-hub/kit/testing';

export interface LoadOptions {
  readonly url: string;
  /** The POST body of every request. */
  readonly body: string;
  readonly connections: number;
  readonly seconds: number;
  /** The answer every request must get, byte for byte; anything else counts as wrong. */
  readonly expected?: string;
  /** Count 200 answers that carry GraphQL errors (reads every answer, so generates less load). */
  readonly countGraphqlErrors?: boolean;
  /** Requests name this many clients in turn (graphql-client-name load-client-1..N); none when unset. */
  readonly clients?: number;
}

/** autocannon's result, and what load-child.ts counted besides. */
export interface LoadOutput {
  readonly requests: { readonly total: number; readonly average: number };
  readonly latency: { readonly p50: number; readonly p97_5: number; readonly p99: number; readonly max: number };
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  /** Seconds the load ran. */
  readonly duration: number;
  /** Answers other than `expected`. */
  readonly wrong: number;
  readonly graphqlErrors: number;
  /** The first few wrong answers (or, counting GraphQL errors, the first few answers with errors). */
  readonly samples: readonly string[];
}

const LOAD_CHILD = fileURLToPath(new URL('./load-child.ts', import.meta.url));

/**
 * Drives load (autocannon) from a process of its own, so the load generator does not share an
 * event loop with the servers it measures. Loopback only. `started` settles when the clients
 * begin, `done` with the result when they end.
 */
export function startLoad(options: LoadOptions): { started: Promise<void>; done: Promise<LoadOutput> } {
  if (!options.url.startsWith('http://127.0.0.1:')) throw new Error('load only targets loopback');
  const child = startProcess({
    label: 'load generator',
    args: ['--import', 'tsx', LOAD_CHILD, JSON.stringify(options)],
    ready: /load started/,
    readyTimeoutMs: 60_000,
  });
  const started = child.ready.then(() => undefined);
  // A caller that only wants the result never awaits the start.
  started.catch(() => undefined);
  const done = child.exited.then(() => {
    try {
      return JSON.parse(child.stdout()) as LoadOutput;
    } catch (error) {
      throw new Error(`load output unreadable: ${(error as Error).message}: ${child.output().slice(-700)}`);
    }
  });
  return { started, done };
}
