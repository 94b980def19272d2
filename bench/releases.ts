// npm run bench:releases: a benchmark, not a test. Measures what recording releases costs a load,
// and how fast the change records page, on the real PostgreSQL server (DATABASE_URL, default
// postgres://postgres@127.0.0.1:5432/test) in throw-away schemas, or on embedded PGlite with
// BENCH_PGLITE=1. Writes bench/results/releases-<date>[-pglite].md. Targets (issue 24):
//   a 50,000-row load recording its changes takes ≤ 2x the same load without;
//   changes since a release over 100,000 change records: a page of 100 at p50 ≤ 50 ms;
//   the number of SQL statements is the same whatever the page size.
// Then the same through the gateway: changes(since:) from the releases subgraph over those 100,000
// records (workforce on the recorded schema, the releases subgraph and the gateway, in process).
import './quiet.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import {
  changesSince,
  type HubDatabase,
  loadFile,
  openDatabase,
  prepareSubgraph,
  printSubgraphSdl,
  startSubgraph,
} from '@nhs-hub/kit/subgraph';
import { parse } from 'graphql';
import { loadSubgraph, readGraphConfig, REPO_ROOT } from '../gateway/src/config.js';
import { startGateway } from '../gateway/src/gateway.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 50_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const pglite = process.env.BENCH_PGLITE === '1';
const url = pglite ? undefined : (process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
const lines: string[] = [];
const say = (line = '') => {
  console.log(line);
  lines.push(line);
};

const entry = readGraphConfig().find((e) => e.name === 'workforce');
if (!entry) throw new Error('workforce is not in schema/subgraphs.json');
const workforce = await loadSubgraph(entry);
const loadable = workforce.loadables?.workforce_fact;
if (!loadable) throw new Error('workforce has no loadable workforce_fact');

const dir = mkdtempSync(join(tmpdir(), 'bench-releases-'));
const HEADER = 'id,stp_code,kind,value,unit,qualifier,statement,source_document,source_line';
const csv = (value: number) => {
  const path = join(dir, `rows-${value}.csv`);
  const body = Array.from(
    { length: ROWS },
    (_, i) =>
      `workforce.BENCH.${i},QJM,VACANCY_RATE,${value},PERCENT,≈,high vacancy rate ≈ 9%,seeds/000_647e8cd618725ea4.txt,34`,
  );
  writeFileSync(path, `${HEADER}\n${body.join('\n')}\n`);
  return path;
};
const first = csv(9);
const second = csv(10);

const database: HubDatabase = await openDatabase({ url });
const schemas: string[] = [];
let n = 0;
async function freshSchema(): Promise<string> {
  const schema = `bench_releases_${process.pid}_${n++}`;
  schemas.push(schema);
  await database.dropSchema(schema);
  await prepareSubgraph(workforce, database, schema, false);
  return schema;
}
const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

/** changes(since:) through the gateway over the recorded schema's change records: p50 of a page, statements by page size. */
async function throughTheGateway(schema: string): Promise<void> {
  const releasesEntry = readGraphConfig().find((e) => e.name === 'releases');
  if (!releasesEntry) throw new Error('releases is not in schema/subgraphs.json');
  const releases = await loadSubgraph(releasesEntry);
  const wf = await startSubgraph(workforce, { database, schemaName: schema, port: 0, seed: false });
  const reader = await startSubgraph(releases, { database, port: 0, peers: { workforce: wf.url } });
  const composed = composeServices([
    { name: 'workforce', url: wf.url, typeDefs: parse(printSubgraphSdl(workforce.schema)) },
    { name: 'releases', url: reader.url, typeDefs: parse(printSubgraphSdl(releases.schema)) },
  ]);
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('; '));
  const gateway = await startGateway({
    supergraphSdl: composed.supergraphSdl,
    subgraphUrls: { workforce: wf.url, releases: reader.url },
    port: 0,
  });
  try {
    const query =
      'query($after: String, $first: Int) { changes(since: "workforce.0", first: $first, after: $after) { nodes { release op table key field before after source { file line document documentLine } entity { __typename ... on Stp { code } } } pageInfo { hasNextPage endCursor } } }';
    const ask = async (first: number, after?: string) => {
      const res = await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables: { first, after } }),
      });
      const body = (await res.json()) as { errors?: unknown[]; data?: { changes: { nodes: unknown[] } } };
      if (body.errors || body.data?.changes.nodes.length !== first) throw new Error(JSON.stringify(body).slice(0, 300));
    };
    // Cursors spread over the records, as a client resuming from anywhere has.
    const cursorAt = (id: number) =>
      Buffer.from(JSON.stringify({ v: 1, p: { workforce: [id, 0] } })).toString('base64url');
    const spread = [0, ROWS / 2, ROWS, (ROWS * 3) / 2].map((id) => (id === 0 ? undefined : cursorAt(id)));
    for (let i = 0; i < 20; i++) await ask(100, spread[i % spread.length]);
    const samples: number[] = [];
    for (let i = 0; i < 200; i++) samples.push(await timed(() => ask(100, spread[i % spread.length])));
    const sorted = [...samples].sort((a, b) => a - b);
    const p = (q: number) => (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0).toFixed(2);
    say(
      `| changes(since: "workforce.0") through the gateway over ${(2 * ROWS).toLocaleString('en-GB')} change records, page of 100 (target p50 ≤ 50 ms) | p50 | p95 | p99 |`,
    );
    say('| --- | ---: | ---: | ---: |');
    say(`| 200 pages from cursors spread over the records | ${p(0.5)} ms | ${p(0.95)} ms | ${p(0.99)} ms |`);
    say();
    const counts: string[] = [];
    for (const size of [1, 10, 100, 1_000]) {
      const { statements } = await wf.counter.measure(() => ask(size));
      counts.push(`${size}: ${statements}`);
    }
    say(
      `SQL statements in workforce per page of changes(since:) through the gateway, by page size: ${counts.join(', ')} (one HTTP call to its /releases/changes per page).`,
    );
  } finally {
    await gateway.close();
    await reader.close();
    await wf.close();
  }
}

try {
  say(`# Releases benchmark, ${new Date().toISOString().slice(0, 10)}`);
  say();
  say(
    `${pglite ? 'Embedded PGlite (in memory)' : 'PostgreSQL'}, ${cpus().length} cores shared with other work; workforce_fact, ${ROWS.toLocaleString('en-GB')} rows, median of ${RUNS} runs each, alternating.`,
  );
  say();
  const times = {
    insertWithout: [] as number[],
    insertWith: [] as number[],
    updateWithout: [] as number[],
    updateWith: [] as number[],
  };
  let recorded = '';
  for (let run = 0; run < RUNS; run++) {
    for (const record of [false, true]) {
      const schema = await freshSchema();
      const db = database.forSchema(schema).db;
      const insert = await timed(() => loadFile(db, loadable, first, { record }));
      const update = await timed(() => loadFile(db, loadable, second, { record }));
      (record ? times.insertWith : times.insertWithout).push(insert);
      (record ? times.updateWith : times.updateWithout).push(update);
      if (record) recorded = schema;
    }
  }
  const ms = (x: number) => `${Math.round(x).toLocaleString('en-GB')} ms`;
  const ratio = (a: number[], b: number[]) => (median(a) / median(b)).toFixed(2);
  say('| load of 50,000 rows | without recording | recording every change | ratio (target ≤ 2) |');
  say('| --- | ---: | ---: | ---: |');
  say(
    `| all new (50,000 inserts) | ${ms(median(times.insertWithout))} | ${ms(median(times.insertWith))} | ${ratio(times.insertWith, times.insertWithout)} |`,
  );
  say(
    `| all changed (50,000 updates) | ${ms(median(times.updateWithout))} | ${ms(median(times.updateWith))} | ${ratio(times.updateWith, times.updateWithout)} |`,
  );
  say();

  // The recorded schema now holds 2 x ROWS change records (the inserts, then the updates).
  const scoped = database.forSchema(recorded);
  const samples: number[] = [];
  const after = [0, ROWS / 2, ROWS, (ROWS * 3) / 2];
  for (let i = 0; i < 200; i++) {
    const cursor = after[i % after.length] ?? 0;
    samples.push(await timed(() => changesSince(scoped.db, { sinceRelease: 0, after: cursor, first: 100 })));
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const p = (q: number) => (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0).toFixed(2);
  say(
    `| changes since release 0 over ${(2 * ROWS).toLocaleString('en-GB')} change records, page of 100 | p50 | p95 | p99 |`,
  );
  say('| --- | ---: | ---: | ---: |');
  say(`| 200 pages from cursors spread over the records | ${p(0.5)} ms | ${p(0.95)} ms | ${p(0.99)} ms |`);
  say();
  const counts: string[] = [];
  for (const size of [1, 10, 100, 1_000]) {
    const { statements } = await scoped.counter.measure(() =>
      changesSince(scoped.db, { sinceRelease: 1, first: size }),
    );
    counts.push(`${size}: ${statements}`);
  }
  say(
    `SQL statements per page, by page size: ${counts.join(', ')} (one for the page; a handle's first read also asks whether the release tables exist).`,
  );
  say();
  await throughTheGateway(recorded);
  const date = new Date().toISOString().slice(0, 10);
  const out = join(REPO_ROOT, `bench/results/releases-${date}${pglite ? '-pglite' : ''}.md`);
  writeFileSync(out, `${lines.join('\n')}\n`);
  console.log(`\nWrote ${out}`);
} finally {
  for (const schema of schemas) await database.dropSchema(schema);
  await database.close();
  rmSync(dir, { recursive: true, force: true });
}
