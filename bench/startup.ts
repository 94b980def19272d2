// npm run bench:startup: a benchmark, not a test. How long `npm start` (`node dist/hub.mjs`, the
// bundle of the compiled hub that scripts/bundle.ts makes) takes from the command to the first
// answer of StpOverview, on embedded PGlite:
//   fresh      a new database directory: initdb, migrations and the seed of every subgraph
//   unchanged  the same directory again: data unchanged since the last seed, so no reseed
// Targets: unchanged <= 3 s, fresh <= 6 s. Uses its own PGlite directory (never .pglite/hub) and the
// ports of schema/subgraphs.json and 4000, which must be free. Writes bench/results/startup-<date>.md.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { startProcess } from '@nhs-hub/kit/testing';
import { portOf, REPO_ROOT, readGraphConfig } from '@nhs-hub/kit/repo';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const TARGETS = { unchanged: 3, fresh: 6 } as const;
const query = readFileSync(join(REPO_ROOT, 'schema/operations/StpOverview.graphql'), 'utf8');
const ports = [4000, ...readGraphConfig().map(portOf)];

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function firstAnswer(deadline: number): Promise<void> {
  for (;;) {
    if (performance.now() > deadline) throw new Error('no answer within 60 s');
    try {
      const res = await fetch('http://127.0.0.1:4000/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables: { code: 'QJM' } }),
      });
      const body = (await res.json()) as { data?: { stp?: { name?: string } } };
      if (body.data?.stp?.name === 'Lincolnshire') return;
      throw new Error(`unexpected answer: ${JSON.stringify(body).slice(0, 300)}`);
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('unexpected')) throw error;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

/**
 * CPU seconds (user + system) spent so far by every process of a process group (npm, sh, node),
 * from /proc. Unlike wall time it hardly moves when other work shares the cores.
 */
function groupCpuSeconds(group: number): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      // Fields after the command name, which sits in parentheses and may contain spaces.
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      if (Number(fields[2]) !== group) continue;
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // The process ended while we looked.
    }
  }
  return ticks / 100;
}

/** Wall and CPU seconds from `npm start` to the first correct answer. */
async function startOnce(dataDir: string): Promise<{ wall: number; cpu: number }> {
  for (const port of ports)
    if (!(await portFree(port))) throw new Error(`port ${port} is in use: stop the hub running there first`);
  const started = performance.now();
  const npm = startProcess({
    label: 'npm start',
    command: 'npm',
    args: ['start', '--silent'],
    cwd: REPO_ROOT,
    // Embedded PGlite and the compiled code, whatever this shell has set.
    env: {
      DATABASE_URL: undefined,
      TEST_DATABASE_URL: undefined,
      NODE_OPTIONS: undefined,
      PGLITE_DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
    },
    // npm, sh and the hub: stopped together, and their CPU time summed by group.
    group: true,
  });
  const exited = npm.exited.then(({ code }) => {
    throw new Error(`npm start exited with ${code}: ${npm.output().slice(-800)}`);
  });
  // Stopping it below ends it too; only an end before the first answer is a failure.
  exited.catch(() => undefined);
  try {
    await Promise.race([firstAnswer(started + 60_000), exited]);
    const pid = npm.child.pid;
    return { wall: (performance.now() - started) / 1000, cpu: pid ? groupCpuSeconds(pid) : Number.NaN };
  } finally {
    await npm.stop('SIGTERM');
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

execFileSync('npm', ['run', 'build', '--silent'], { cwd: REPO_ROOT, stdio: 'inherit' });
const results: Record<keyof typeof TARGETS, number[]> = { fresh: [], unchanged: [] };
const cpu: Record<keyof typeof TARGETS, number[]> = { fresh: [], unchanged: [] };
// Wall-clock figures mean little on a busy machine: the load average goes into the report beside them.
const loadBefore = loadavg()[0] ?? 0;
const root = mkdtempSync(join(tmpdir(), 'hub-startup-'));
try {
  for (let i = 0; i < RUNS; i++) {
    const dir = join(root, `run${i}`, 'pglite');
    for (const name of ['fresh', 'unchanged'] as const) {
      const { wall, cpu: used } = await startOnce(dir);
      results[name].push(wall);
      cpu[name].push(used);
    }
    console.log(
      `run ${i + 1}: fresh ${results.fresh.at(-1)?.toFixed(2)} s (${cpu.fresh.at(-1)?.toFixed(2)} CPU s), unchanged ${results.unchanged.at(-1)?.toFixed(2)} s (${cpu.unchanged.at(-1)?.toFixed(2)} CPU s)`,
    );
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}

const date = new Date().toISOString().slice(0, 10);
const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
const row = (name: keyof typeof TARGETS) => {
  const xs = results[name];
  const m = median(xs);
  return `| ${name} | ${m.toFixed(2)} | ${Math.min(...xs).toFixed(2)} | ${Math.max(...xs).toFixed(2)} | ${median(cpu[name]).toFixed(2)} | ${TARGETS[name]} | ${m <= TARGETS[name] ? 'met' : 'MISSED'} |`;
};
const report = [
  `# Start-up benchmark ${date}`,
  '',
  `Machine: ${cpus().length} x ${cpus()[0]?.model.trim() ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; commit ${commit}; ${RUNS} runs each;`,
  `1-minute load average ${loadBefore.toFixed(1)} before and ${(loadavg()[0] ?? 0).toFixed(1)} after (${cpus().length} cores).`,
  '`npm start` (node dist/hub.mjs, the bundled compiled hub) on embedded PGlite, timed from the command to the first',
  'correct answer of StpOverview(QJM) through the gateway (seconds). Other work on the machine adds noise.',
  '',
  '| database | wall median | wall min | wall max | CPU s (median) | target (wall) | |',
  '| --- | --- | --- | --- | --- | --- | --- |',
  row('unchanged'),
  row('fresh'),
  '',
  'fresh: a new PGlite directory (initdb, migrations, every seed). unchanged: the same directory started again;',
  'the seed fingerprints match, so nothing is reseeded. CPU s: user + system time of npm and the hub until',
  'that answer (from /proc): less sensitive to other load than wall time, but not a wall-time prediction',
  '(Node and PGlite use several threads; contention inflates it too). Targets are for an idle machine.',
  'Rerun: `npm run bench:startup` (BENCH_RUNS=n).',
  '',
].join('\n');
const out = join(REPO_ROOT, `bench/results/startup-${date}.md`);
writeFileSync(out, report);
console.log(`\n${report}\nWritten to ${out}`);
