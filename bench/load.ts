import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface LoadResult {
  connections: number;
  requests: number;
  throughputRps: number;
  p50Ms: number;
  p97_5Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
  /** 200 answers that carried GraphQL errors (only counted by loadChecked). */
  graphqlErrors: number;
}

const AUTOCANNON = fileURLToPath(new URL('../node_modules/autocannon/autocannon.js', import.meta.url));
const LOAD_CHILD = fileURLToPath(new URL('./load-child.ts', import.meta.url));

/**
 * Drives load from a separate process (autocannon), so the load generator does not share an event
 * loop with the servers it measures. Loopback only.
 */
export function load(url: string, body: string, connections: number, seconds: number): Promise<LoadResult> {
  return run(url, connections, [
    AUTOCANNON,
    '-j',
    '-c',
    String(connections),
    '-d',
    String(seconds),
    '-m',
    'POST',
    '-H',
    'content-type=application/json',
    '-b',
    body,
    url,
  ]);
}

/** As load, but reads every answer and counts GraphQL errors in 200 responses (slower to generate). */
export function loadChecked(url: string, body: string, connections: number, seconds: number): Promise<LoadResult> {
  return run(url, connections, ['--import', 'tsx', LOAD_CHILD, JSON.stringify({ url, body, connections, seconds })]);
}

function run(url: string, connections: number, args: string[]): Promise<LoadResult> {
  if (!url.startsWith('http://127.0.0.1:')) throw new Error('load only targets loopback');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.on('error', reject);
    child.on('close', () => {
      try {
        const r = JSON.parse(out) as {
          requests: { total: number; average: number };
          latency: { p50: number; p97_5: number; p99: number };
          errors: number;
          non2xx: number;
          duration: number;
          graphqlErrors?: number;
        };
        resolve({
          connections,
          requests: r.requests.total,
          throughputRps: Math.round((r.requests.total / r.duration) * 10) / 10,
          p50Ms: r.latency.p50,
          p97_5Ms: r.latency.p97_5,
          p99Ms: r.latency.p99,
          errors: r.errors,
          non2xx: r.non2xx,
          graphqlErrors: r.graphqlErrors ?? 0,
        });
      } catch (error) {
        reject(new Error(`autocannon output unreadable: ${(error as Error).message}: ${out.slice(0, 200)}`));
      }
    });
  });
}
