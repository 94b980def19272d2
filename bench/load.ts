import { type LoadOptions, startLoad } from '../packages/topology/src/load.js';

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
  /** The first few answers with GraphQL errors (loadChecked), to say what failed. */
  samples: readonly string[];
}

/**
 * Drives load from a separate process (autocannon), so the load generator does not share an event
 * loop with the servers it measures. Loopback only.
 */
export function load(url: string, body: string, connections: number, seconds: number): Promise<LoadResult> {
  return run({ url, body, connections, seconds });
}

/** As load, but reads every answer and counts GraphQL errors in 200 responses (slower to generate). */
export function loadChecked(url: string, body: string, connections: number, seconds: number): Promise<LoadResult> {
  return run({ url, body, connections, seconds, countGraphqlErrors: true });
}

async function run(options: LoadOptions): Promise<LoadResult> {
  const r = await startLoad(options).done;
  return {
    connections: options.connections,
    requests: r.requests.total,
    throughputRps: Math.round((r.requests.total / r.duration) * 10) / 10,
    p50Ms: r.latency.p50,
    p97_5Ms: r.latency.p97_5,
    p99Ms: r.latency.p99,
    errors: r.errors,
    non2xx: r.non2xx,
    graphqlErrors: r.graphqlErrors,
    samples: r.samples,
  };
}
