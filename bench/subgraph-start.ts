// npm run bench:subgraph-start: a benchmark, not a test. How long one compiled subgraph started on
// its own (`node dist/<name>.mjs`, the bundle the image runs; `node services/<name>/dist/server.js` for
// builds older than the bundles) takes from process launch to its first
// correct answer, on a PGlite directory it seeded before (so the timing is code loading, PGlite's
// start and migrations checked, not the seed). Compares builds of the hub side by side:
//   npm run bench:subgraph-start -- before=/tmp/old-checkout after=.
// Each argument is label=<repository root with a compiled build>; runs alternate between them so a
// busy machine slows every variant alike. Writes bench/results/subgraph-start-<date>.md.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { bundleScript, REPO_ROOT } from '@nhs-hub/kit/repo';
import { gatewaySignatureFor, gatewaySigner } from '@nhs-hub/kit/platform';
import { freePort, startProcess } from '@nhs-hub/kit/testing';

/** In production a subgraph answers only the gateway's signed calls: the probe signs as the gateway would. */
const GATEWAY_SECRET = 'subgraph-start-bench-gateway-secret-0123456789';
const sign = gatewaySigner(GATEWAY_SECRET);

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SUBGRAPH = process.env.BENCH_SUBGRAPH ?? 'geography';

/** A query each subgraph answers from its database, and what the answer must hold. */
const PROBES: Record<string, { query: string; correct: (data: unknown) => boolean }> = {
  geography: {
    query: '{ stp(code: "QJM") { name } }',
    correct: (data) => (data as { stp?: { name?: string } }).stp?.name === 'Lincolnshire',
  },
  workforce: {
    query:
      '{ _entities(representations: [{ __typename: "Stp", code: "QJM" }]) { ... on Stp { workforceFacts { id } } } }',
    correct: (data) =>
      ((data as { _entities?: { workforceFacts?: unknown[] }[] })._entities?.[0]?.workforceFacts?.length ?? 0) > 0,
  },
};
const probe = PROBES[SUBGRAPH];
if (!probe) throw new Error(`no probe for subgraph ${SUBGRAPH}; known: ${Object.keys(PROBES).join(', ')}`);

const variants = (process.argv.slice(2).length ? process.argv.slice(2) : [`current=${REPO_ROOT}`]).map((arg) => {
  const [label, root] = arg.split('=');
  if (!label || !root) throw new Error(`expected label=<repository root>, got ${arg}`);
  return { label, root: resolve(root) };
});

async function firstAnswer(url: string, deadline: number): Promise<void> {
  for (;;) {
    if (performance.now() > deadline) throw new Error('no answer within 120 s');
    try {
      const request = JSON.stringify({ query: probe?.query });
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...gatewaySignatureFor(sign, new URL(url), 'POST', request) },
        body: request,
      });
      const body = (await res.json()) as { data?: unknown };
      if (body.data && probe?.correct(body.data)) return;
      throw new Error(`unexpected answer: ${JSON.stringify(body).slice(0, 300)}`);
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('unexpected')) throw error;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

/** CPU seconds (user + system) one process has spent, from /proc: it hardly moves with other load. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Wall and CPU seconds from `node dist/<name>.mjs` (or an older build's dist/server.js) to the first correct answer. */
async function startOnce(root: string, dataDir: string): Promise<{ wall: number; cpu: number }> {
  // Given, not PORT=0: the first question goes out as the process is spawned, before it could say where it listens.
  const port = await freePort();
  const started = performance.now();
  // The bundle where the build makes one (scripts/bundle.ts), as the image runs it; older builds had none.
  const bundled = join(root, bundleScript(SUBGRAPH));
  const script = existsSync(bundled) ? bundled : join(root, 'services', SUBGRAPH, 'dist/server.js');
  const server = startProcess({
    label: script,
    args: [script],
    cwd: root,
    env: {
      // Embedded PGlite and the compiled code, whatever this shell has set.
      DATABASE_URL: undefined,
      TEST_DATABASE_URL: undefined,
      NODE_OPTIONS: undefined,
      PORT: String(port),
      PGLITE_DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      NODE_ENV: 'production',
      HUB_GATEWAY_SECRET: GATEWAY_SECRET,
      APOLLO_TELEMETRY_DISABLED: '1',
    },
  });
  const exited = server.exited.then(({ code, signal }) => {
    throw new Error(`${script} exited with ${signal ?? code}: ${server.output().slice(-800)}`);
  });
  // Stopping it below ends it too; only an end before the first answer is a failure.
  exited.catch(() => undefined);
  try {
    await Promise.race([firstAnswer(`http://127.0.0.1:${port}/graphql`, started + 120_000), exited]);
    const pid = server.child.pid;
    return { wall: (performance.now() - started) / 1000, cpu: pid ? cpuSeconds(pid) : Number.NaN };
  } finally {
    await server.stop('SIGTERM');
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

const scratch = mkdtempSync(join(tmpdir(), 'hub-subgraph-start-'));
const wall = new Map<string, number[]>(variants.map((v) => [v.label, []]));
const cpu = new Map<string, number[]>(variants.map((v) => [v.label, []]));
const loadBefore = loadavg()[0] ?? 0;
try {
  // One untimed start each: it creates the PGlite directory and seeds it, so timed starts find it unchanged.
  for (const v of variants) await startOnce(v.root, join(scratch, v.label));
  for (let i = 0; i < RUNS; i++) {
    for (const v of variants) {
      const run = await startOnce(v.root, join(scratch, v.label));
      wall.get(v.label)?.push(run.wall);
      cpu.get(v.label)?.push(run.cpu);
      console.log(`run ${i + 1} ${v.label}: ${run.wall.toFixed(2)} s wall, ${run.cpu.toFixed(2)} CPU s`);
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const commitOf = (root: string) => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    return '?';
  }
};
const date = new Date().toISOString().slice(0, 10);
const report = [
  `# Standalone subgraph start ${date}: ${SUBGRAPH}`,
  '',
  `Machine: ${cpus().length} x ${cpus()[0]?.model.trim() ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; ${RUNS} runs per variant, alternating;`,
  `1-minute load average ${loadBefore.toFixed(1)} before and ${(loadavg()[0] ?? 0).toFixed(1)} after (${cpus().length} cores).`,
  `\`node dist/${SUBGRAPH}.mjs\` (builds without bundles: \`node services/${SUBGRAPH}/dist/server.js\`) on a PGlite directory it seeded before, timed from process launch to`,
  'the first correct answer (seconds). CPU s: user + system time of that process until then (from /proc).',
  '',
  '| variant | commit | wall median | wall min | wall max | CPU s median |',
  '| --- | --- | --- | --- | --- | --- |',
  ...variants.map((v) => {
    const xs = wall.get(v.label) ?? [];
    return `| ${v.label} | ${commitOf(v.root)} | ${median(xs).toFixed(2)} | ${Math.min(...xs).toFixed(2)} | ${Math.max(...xs).toFixed(2)} | ${median(cpu.get(v.label) ?? []).toFixed(2)} |`;
  }),
  '',
].join('\n');
const out = process.env.BENCH_OUT ?? join(REPO_ROOT, `bench/results/subgraph-start-${date}-${SUBGRAPH}.md`);
writeFileSync(out, report);
console.log(`\n${report}\nWritten to ${out}`);
