// npm run bench:defer: a benchmark, not a test. What the gateway's second runtime (the one built on
// the first `@defer` or `@stream` request, gateway/src/plugins/defer-stream.ts) costs: the gateway's
// resident memory before and after it is built, the time of the first deferred request (which builds
// it) against the next ones, and StpOverview undeferred before and after (the Rust planner's path,
// which must not change). The gateway runs in a process of its own (gateway/src/server.ts from
// source), the subgraphs in this one; RSS is read from /proc, and compared with a twin gateway that
// answers as many requests, none deferred (RSS grows with traffic alone as the heap settles).
// Writes bench/results/defer-stream-<date>.md.
import './quiet.js';
import { execSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { supergraphWithUrls } from '@nhs-hub/gateway';
import { startProcess, startTestGraph, stopAllProcesses, tsxArgs } from '@nhs-hub/gateway/testing';
import { loadAllSubgraphs, REPO_ROOT } from '../gateway/src/config.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);
const overview = readFileSync(join(REPO_ROOT, 'schema/operations/StpOverview.graphql'), 'utf8');
/** StpOverview with its finance part deferred, as gateway/src/plugins/defer-stream.test.ts asks it. */
const deferred = overview
  .replace('    financialGap {', '    ... @defer(label: "finance") {\n    financialGap {')
  .replace(/( {4}gapPerHeadDerived \{\n[^}]*\})/, '$1\n    }');
if (deferred === overview) throw new Error('StpOverview changed: the deferred document is no longer made from it');

const rssMb = (pid: number) => {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Math.round(Number(kb) / 1024);
};
const settle = () => new Promise((r) => setTimeout(r, 3_000));
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/** One request's time to its last byte (a multipart answer's last part), checked for the answer it must be. */
async function timed(url: string, query: string, multipart: boolean): Promise<number> {
  const start = performance.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: multipart ? 'multipart/mixed' : 'application/json' },
    body: JSON.stringify({ query, variables: { code: 'QJM' } }),
  });
  const text = await res.text();
  const took = performance.now() - start;
  const ok = res.ok && text.includes('Lincolnshire') && text.includes('"combinedGbpM":"182"');
  if (!ok || (multipart && !res.headers.get('content-type')?.startsWith('multipart/mixed')))
    throw new Error(`unexpected answer (${res.status}): ${text.slice(0, 300)}`);
  return took;
}
const p50 = async (url: string, query: string, multipart: boolean) => {
  const times: number[] = [];
  for (let i = 0; i < REQUESTS; i++) times.push(await timed(url, query, multipart));
  return median(times);
};

interface Run {
  rssWarm: number;
  rssBuilt: number;
  rssAfter: number;
  /** The same gateway's twin, never asked a deferred document, after as many requests. */
  rssControl: number;
  first: number;
  deferredP50: number;
  before: number;
  after: number;
}

/** A fresh gateway process: its URL and pid. */
async function startGateway(supergraphPath: string) {
  const gateway = startProcess({
    label: 'gateway',
    args: tsxArgs(join(REPO_ROOT, 'gateway/src/server.ts')),
    cwd: REPO_ROOT,
    env: {
      LOG_LEVEL: 'warn',
      HUB_SUPERGRAPH_PATH: supergraphPath,
      PORT: '0',
      HUB_CACHE: 'off',
      HUB_EXPLORER: 'off',
      HUB_RATE_LIMIT_PER_SECOND: '0',
    },
  });
  const url = await gateway.ready;
  await settle();
  return { url, pid: gateway.child.pid ?? 0, stop: () => gateway.stop() };
}

const graph = await startTestGraph(await loadAllSubgraphs());
const temp = mkdtempSync(join(tmpdir(), 'hub-defer-'));
const runs: Run[] = [];
try {
  const urls = Object.fromEntries(Object.entries(graph.subgraphs).map(([name, s]) => [name, s.url]));
  const supergraphPath = join(temp, 'supergraph.graphql');
  writeFileSync(supergraphPath, supergraphWithUrls(graph.supergraphSdl, urls));
  for (let run = 0; run < RUNS; run++) {
    // The control: undeferred requests only, as many as the measured gateway answers in all.
    const control = await startGateway(supergraphPath);
    for (let i = 0; i < 3; i++) await p50(control.url, overview, false);
    await settle();
    const rssControl = rssMb(control.pid);
    await control.stop();

    const gateway = await startGateway(supergraphPath);
    const before = await p50(gateway.url, overview, false);
    await settle();
    const rssWarm = rssMb(gateway.pid);
    const first = await timed(gateway.url, deferred, true);
    await settle();
    const rssBuilt = rssMb(gateway.pid);
    const deferredP50 = await p50(gateway.url, deferred, true);
    const after = await p50(gateway.url, overview, false);
    await settle();
    const rssAfter = rssMb(gateway.pid);
    await gateway.stop();
    runs.push({ rssWarm, rssBuilt, rssAfter, rssControl, first, deferredP50, before, after });
    console.log(JSON.stringify(runs.at(-1)));
  }
} finally {
  await stopAllProcesses();
  await graph.close();
  rmSync(temp, { recursive: true, force: true });
}

const col = (pick: (r: Run) => number, digits = 0) => {
  const values = runs.map(pick);
  return `${median(values).toFixed(digits)} (${Math.min(...values).toFixed(digits)}-${Math.max(...values).toFixed(digits)})`;
};
const date = new Date().toISOString().slice(0, 10);
const commit = execSync('git rev-parse --short HEAD', { cwd: REPO_ROOT }).toString().trim();
const report = `# @defer and @stream: the second runtime's cost, ${date}

Machine: ${cpus().length} x ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; commit ${commit};
${RUNS} runs, each a fresh gateway process (gateway/src/server.ts from source through tsx, response cache off) in
front of every subgraph (in the benchmark's process, PGlite); 1-minute load average ${loadavg()[0]?.toFixed(1)} at the end.
Requests one at a time; p50 of ${REQUESTS}. Median (min-max) over the runs.

| | gateway RSS, MB |
| --- | --- |
| after ${REQUESTS} StpOverview (Rust planner) | ${col((r) => r.rssWarm)} |
| after the first deferred StpOverview (second runtime built) | ${col((r) => r.rssBuilt)} |
| after ${REQUESTS} more deferred and ${REQUESTS} undeferred | ${col((r) => r.rssAfter)} |
| the control: a twin gateway after ${3 * REQUESTS} undeferred StpOverview, never asked a deferred one | ${col((r) => r.rssControl)} |
| **added by the second runtime, built**: after the first deferred request, less before it | **${col((r) => r.rssBuilt - r.rssWarm)}** |
| **added by the second runtime, in use**: after ${REQUESTS} deferred requests, less the control | **${col((r) => r.rssAfter - r.rssControl)}** |

| | ms |
| --- | --- |
| StpOverview undeferred, p50, before any deferred request | ${col((r) => r.before, 1)} |
| the first deferred StpOverview (builds the second runtime), to its last part | ${col((r) => r.first)} |
| deferred StpOverview, p50, to its last part | ${col((r) => r.deferredP50, 1)} |
| StpOverview undeferred, p50, after the deferred ones | ${col((r) => r.after, 1)} |

Rerun: \`npm run bench:defer\` (BENCH_RUNS=n, BENCH_REQUESTS=n).
`;
writeFileSync(join(REPO_ROOT, `bench/results/defer-stream-${date}.md`), report);
console.log(report);
