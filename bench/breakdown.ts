// npm run bench:breakdown: where each millisecond of a federated StpOverview goes, per hop and
// per process, with the response cache off, at 1 and 10 clients; beside the monolith's p50 from
// the same run. A benchmark, not a test: it writes bench/results/breakdown-<date>.md.
//
// The split comes from the hub's own OpenTelemetry spans (packages/kit/src/platform/tracing.ts): the
// gateway's request span, its client span per subgraph call, each subgraph's request span (which
// continues the call's traceparent) and each SQL statement's span. A sample of the requests is
// traced (parent-based, 1 in 4) while autocannon drives load from another process. Parse,
// validate and plan happen inside the gateway's time before its first subgraph call; the runtime
// caches all three per document, so they are also timed alone, cold, at the end.
//
// Two topologies, as `npm run bench` has them: everything in one process (section 2 of the
// bench, where the 1.45x of 2026-12-06 comes from), then each subgraph and the gateway in a process
// of its own, whose spans reach a small OTLP/HTTP receiver here.
import './quiet.js';
import '@nhs-hub/kit/telemetry';
import { execSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Supergraph } from '@apollo/federation-internals';
import { QueryPlanner, type PlanNode } from '@graphql-hive/router-query-planner';
import type { ExportResult } from '@opentelemetry/core';
import { ParentBasedSampler, type ReadableSpan, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace';
import { supergraphWithUrls } from '@nhs-hub/gateway';
import { startProcess, startTestGraph, stopAllProcesses, tsxArgs } from '@nhs-hub/gateway/testing';
import { startTracing, stopTracing } from '@nhs-hub/kit/tracing';
import { parse, validate } from 'graphql';
import pg from 'pg';
import { loadAllSubgraphs, readGraphConfig, REPO_ROOT } from '../gateway/src/config.js';
import { load, type LoadResult } from './load.js';
import { startMonolith } from './monolith.js';

process.env.TEST_DATABASE_URL ??= process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const DATABASE_URL = process.env.TEST_DATABASE_URL;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const SAMPLE_RATIO = 0.25;
const CLIENTS = [1, 10] as const;

const QUERY = readFileSync(`${REPO_ROOT}schema/operations/StpOverview.graphql`, 'utf8');
const BODY = JSON.stringify({ operationName: 'StpOverview', query: QUERY, variables: { code: 'QJM' } });

const lines: string[] = [];
const say = (line = '') => {
  console.log(line);
  lines.push(line);
};
const ms = (value: number) => (value >= 10 ? value.toFixed(1) : value.toFixed(2));

// ---------------------------------------------------------------------------------------------
// Spans, from either source, in one shape.

interface SpanRecord {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentId: string | undefined;
  /** The hub service that recorded it: `gateway` or a subgraph's name. */
  readonly service: string;
  readonly kind: 'server' | 'client' | 'other';
  readonly name: string;
  /** Milliseconds since the epoch, fractional. */
  readonly start: number;
  readonly end: number;
  /** Set on the gateway's subgraph calls. */
  readonly subgraph: string | undefined;
  readonly sql: boolean;
}

const serviceOf = (name: unknown) => String(name ?? '').replace(/^nhs-hub-/, '');

function fromReadable(span: ReadableSpan): SpanRecord {
  const hr = (t: [number, number]) => t[0] * 1e3 + t[1] / 1e6;
  const { traceId, spanId } = span.spanContext();
  return {
    traceId,
    spanId,
    parentId: span.parentSpanContext?.spanId,
    service: serviceOf(span.resource.attributes['service.name']),
    // @opentelemetry/api's SpanKind: SERVER 1, CLIENT 2.
    kind: span.kind === 1 ? 'server' : span.kind === 2 ? 'client' : 'other',
    name: span.name,
    start: hr(span.startTime),
    end: hr(span.endTime),
    subgraph: typeof span.attributes['hub.subgraph'] === 'string' ? span.attributes['hub.subgraph'] : undefined,
    sql: span.attributes['db.system'] !== undefined,
  };
}

interface OtlpValue {
  stringValue?: string;
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string | number;
  endTimeUnixNano: string | number;
  attributes?: OtlpAttribute[];
}
interface OtlpRequest {
  resourceSpans?: { resource?: { attributes?: OtlpAttribute[] }; scopeSpans?: { spans?: OtlpSpan[] }[] }[];
}

/**
 * The OTLP protobuf message an exporter posts, read with the generated decoder
 * @opentelemetry/otlp-transformer ships (the hub's processes export http/protobuf: their bundled
 * http/json exporter fails to construct, see the result file). Bytes become base64 and 64-bit
 * integers decimal strings, which is all the breakdown needs (ids are only compared).
 */
interface ProtobufType {
  decode(buffer: Uint8Array): unknown;
  toObject(message: unknown, options: { longs: StringConstructor; bytes: StringConstructor }): OtlpRequest;
}
const otlpRoot = createRequire(import.meta.url)('@opentelemetry/otlp-transformer/build/src/generated/root.js') as {
  opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceRequest: ProtobufType } } } } };
};
const ExportTraceServiceRequest = otlpRoot.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
const decodeOtlp = (body: Buffer): OtlpRequest =>
  ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(body), { longs: String, bytes: String });

/** An OTLP/HTTP export request's spans. */
function fromOtlp(request: OtlpRequest): SpanRecord[] {
  const found: SpanRecord[] = [];
  const attribute = (list: OtlpAttribute[] | undefined, key: string) =>
    list?.find((a) => a.key === key)?.value.stringValue;
  const millis = (nanos: string | number) => Number(BigInt(nanos) / 1000n) / 1000;
  for (const resource of request.resourceSpans ?? []) {
    const service = serviceOf(attribute(resource.resource?.attributes, 'service.name'));
    for (const scope of resource.scopeSpans ?? [])
      for (const span of scope.spans ?? [])
        found.push({
          traceId: span.traceId,
          spanId: span.spanId,
          parentId: span.parentSpanId || undefined,
          service,
          // OTLP's SpanKind: SERVER 2, CLIENT 3.
          kind: span.kind === 2 ? 'server' : span.kind === 3 ? 'client' : 'other',
          name: span.name,
          start: millis(span.startTimeUnixNano),
          end: millis(span.endTimeUnixNano),
          subgraph: attribute(span.attributes, 'hub.subgraph'),
          sql: attribute(span.attributes, 'db.system') !== undefined,
        });
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// One trace split into the gateway's own time and each hop's parts.

interface Part {
  readonly key: string;
  readonly process: string;
  readonly ms: number;
}

/** The wall time covered by a set of intervals (parallel work counted once). */
function covered(intervals: readonly { start: number; end: number }[]): number {
  const sorted = [...intervals].sort((a, b) => a.start - b.start);
  let total = 0;
  let from = Number.NEGATIVE_INFINITY;
  let to = Number.NEGATIVE_INFINITY;
  for (const { start, end } of sorted) {
    if (start > to) {
      if (to > from) total += to - from;
      from = start;
      to = end;
    } else to = Math.max(to, end);
  }
  if (to > from) total += to - from;
  return total;
}

// null when the trace is incomplete (a span still in an exporter's queue). Stages are the plan's:
// its Sequence's steps, each with the fetches its Parallel runs together.
type Split = { parts: Part[] } | { shared: number } | null;

/**
 * The parts of one StpOverview request; `shared` (its total) when it made fewer subgraph calls than
 * the plan has fetches: the HTTP executor deduplicates identical in-flight subgraph requests, so a
 * request that arrives while an identical one waits on a subgraph shares that call's answer.
 */
function split(spans: readonly SpanRecord[], plan: readonly (readonly string[])[]): Split {
  const root = spans.find((s) => s.service === 'gateway' && s.kind === 'server' && !s.parentId);
  if (!root?.name.includes('StpOverview')) return null;
  const calls = spans
    .filter((s) => s.service === 'gateway' && s.kind === 'client' && s.parentId === root.spanId)
    .sort((a, b) => a.start - b.start);
  if (calls.length < plan.flat().length) return { shared: root.end - root.start };
  // Each call to the plan's stage for its subgraph, the k-th call of a subgraph to its k-th stage.
  const stages: SpanRecord[][] = plan.map(() => []);
  const seen = new Map<string, number>();
  for (const call of calls) {
    const k = seen.get(call.subgraph ?? '') ?? 0;
    seen.set(call.subgraph ?? '', k + 1);
    const index = plan.map((names, i) => (names.includes(call.subgraph ?? '') ? i : -1)).filter((i) => i >= 0)[k];
    if (index === undefined) return null;
    stages[index]?.push(call);
  }
  const parts: Part[] = [];
  parts.push({
    key: '0. gateway: request in, to its first subgraph call (front door, auth, Yoga, parse/validate/plan cache)',
    process: 'gateway',
    ms: (calls[0]?.start ?? root.start) - root.start,
  });
  let previousEnd = root.start;
  for (const [i, stage] of stages.entries()) {
    const stageStart = Math.min(...stage.map((c) => c.start));
    const stageEnd = Math.max(...stage.map((c) => c.end));
    if (i > 0)
      parts.push({
        key: `${i}.9 gateway: stage ${i} answered, to stage ${i + 1}'s first call (merge, representations)`,
        process: 'gateway',
        ms: stageStart - previousEnd,
      });
    parts.push({
      key: `${i + 1}. stage ${i + 1} wall (${plan[i]?.join(' + ')})`,
      process: 'critical path',
      ms: stageEnd - stageStart,
    });
    if (stage.length > 1)
      parts.push({
        key: `${i + 1}. stage ${i + 1}: its last call starts this long after its first (parallel calls sent one by one)`,
        process: 'gateway',
        ms: Math.max(...stage.map((c) => c.start)) - stageStart,
      });
    for (const call of stage) {
      const server = spans.find((s) => s.kind === 'server' && s.parentId === call.spanId);
      if (!server) return null;
      const sql = spans.filter((s) => s.sql && s.parentId === server.spanId);
      const sqlMs = covered(sql);
      const label = `${i + 1}. ${call.subgraph}`;
      parts.push({
        key: `${label}: whole call, as the gateway sees it`,
        process: 'gateway',
        ms: call.end - call.start,
      });
      parts.push({
        key: `${label}: network, HTTP and queueing (call minus the subgraph's request span)`,
        process: 'both',
        ms: call.end - call.start - (server.end - server.start),
      });
      parts.push({
        key: `${label}: subgraph parse, validate, execute outside SQL`,
        process: call.subgraph ?? '',
        ms: server.end - server.start - sqlMs,
      });
      parts.push({ key: `${label}: SQL (wall, parallel statements once)`, process: call.subgraph ?? '', ms: sqlMs });
      parts.push({
        key: `${label}: SQL, each statement's duration summed (above the wall when statements overlap)`,
        process: call.subgraph ?? '',
        ms: sql.reduce((sum, q) => sum + q.end - q.start, 0),
      });
      parts.push({ key: `${label}: SQL statements`, process: call.subgraph ?? '', ms: sql.length });
      // Each statement in the order it was sent: when it started within the subgraph's request, how long it took.
      [...sql]
        .sort((a, b) => a.start - b.start)
        .forEach((q, k) => {
          parts.push({
            key: `${label}: SQL statement ${k + 1} (${q.name}): starts after the request began`,
            process: call.subgraph ?? '',
            ms: q.start - server.start,
          });
          parts.push({
            key: `${label}: SQL statement ${k + 1} (${q.name}): duration`,
            process: call.subgraph ?? '',
            ms: q.end - q.start,
          });
        });
    }
    previousEnd = stageEnd;
  }
  parts.push({
    key: `${stages.length + 1}. gateway: last subgraph answer, to the answer written (merge, serialise)`,
    process: 'gateway',
    ms: root.end - previousEnd,
  });
  parts.push({
    key: `${stages.length + 2}. total: the gateway's request span`,
    process: 'gateway',
    ms: root.end - root.start,
  });
  return { parts };
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

/** Per part: its median and mean over every complete trace. */
function tabulate(spans: readonly SpanRecord[], heading: string, plan: readonly (readonly string[])[]): void {
  const byTrace = new Map<string, SpanRecord[]>();
  for (const s of spans) {
    const list = byTrace.get(s.traceId);
    if (list) list.push(s);
    else byTrace.set(s.traceId, [s]);
  }
  const values = new Map<string, { process: string; values: number[] }>();
  let complete = 0;
  let incomplete = 0;
  const shared: number[] = [];
  for (const trace of byTrace.values()) {
    const result = split(trace, plan);
    if (!result) {
      incomplete++;
      continue;
    }
    if ('shared' in result) {
      shared.push(result.shared);
      continue;
    }
    complete++;
    for (const part of result.parts) {
      const entry = values.get(part.key) ?? { process: part.process, values: [] };
      entry.values.push(part.ms);
      values.set(part.key, entry);
    }
  }
  say(`#### ${heading}`);
  say();
  say(
    `${complete} traced requests made every one of the plan's ${plan.flat().length} subgraph calls themselves; ${shared.length} shared at least one call with an identical request in flight (the executor's deduplication), their total p50 ${shared.length ? `${ms(median(shared))} ms` : '-'}; ${incomplete} traces left out (a span not yet exported).`,
  );
  say();
  say('| part | process | p50 ms | mean ms |');
  say('| --- | --- | --- | --- |');
  const keys = [...values.keys()].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  for (const key of keys) {
    const entry = values.get(key);
    if (!entry || entry.values.length < complete / 2) continue;
    const mean = entry.values.reduce((a, b) => a + b, 0) / entry.values.length;
    const count = key.endsWith('SQL statements');
    say(
      `| ${key} | ${entry.process} | ${count ? String(median(entry.values)) : ms(median(entry.values))} | ${count ? mean.toFixed(1) : ms(mean)} |`,
    );
  }
  say();
}

const latency = (r: LoadResult) => `p50 ${r.p50Ms} ms, p97.5 ${r.p97_5Ms} ms, ${r.throughputRps} req/s`;

// ---------------------------------------------------------------------------------------------

const commit = execSync('git rev-parse --short HEAD', { cwd: REPO_ROOT }).toString().trim();
say(`# Where a federated StpOverview's milliseconds go, ${new Date().toISOString().slice(0, 10)}`);
say();
say(
  `Machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; commit ${commit}; PostgreSQL at ${new URL(DATABASE_URL).host}; ${SECONDS} s per run; load average at start ${loadavg()
    .map((l) => l.toFixed(2))
    .join(
      ' ',
    )} (other work shares the cores: compare figures within this run, not across runs). StpOverview for QJM, response cache off, load from a separate autocannon process; ${SAMPLE_RATIO * 100}% of requests traced.`,
);
say();
say(
  "How to read the tables: a stage is a step of the query plan; its calls run in parallel, and its wall time is on the critical path. For each call, \"network, HTTP and queueing\" is the gateway's client span minus the subgraph's request span: sockets, HTTP parsing on both sides, and any wait for the event loop of either process. The parts on the critical path (0, each stage wall, each gap between stages, the last gateway part) add up to the total. OpenTelemetry JS stamps a span's start with Date.now() (whole milliseconds) and measures its duration with performance.now(): a duration is exact, a part measured between two spans (0, the gaps, the last gateway part) is off by up to 1 ms in any one request, so for those read the mean, where the rounding averages out.",
);
say();

const definitions = await loadAllSubgraphs();
const collected: SpanRecord[] = [];
const exporter = {
  export(spans: ReadableSpan[], done: (result: ExportResult) => void) {
    for (const span of spans) collected.push(fromReadable(span));
    done({ code: 0 });
  },
  shutdown: () => Promise.resolve(),
  forceFlush: () => Promise.resolve(),
};
// Before any server starts: each subgraph decides at start whether its requests pass the span plugin.
await startTracing({
  exporter,
  processing: 'simple',
  sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(SAMPLE_RATIO) }),
});
const graph = await startTestGraph(definitions);
const schemaOf = (name: string) => graph.subgraphs[name]?.schemaName ?? '';
const monolith = await startMonolith(graph.hub.database.root, {
  geography: schemaOf('geography'),
  organisations: schemaOf('organisations'),
  programmes: schemaOf('programmes'),
  finance: schemaOf('finance'),
});

// ---------------------------------------------------------------------------------------------
// The plan, and what parse, validate and plan cost when nothing is cached.
/** The plan's stages: the subgraphs each step of its Sequence calls (in parallel). */
let stages: string[][] = [];
{
  const planner = new QueryPlanner(graph.supergraphSdl);
  const describePlan = (node: PlanNode | undefined): string => {
    if (!node) return '';
    switch (node.kind) {
      case 'Fetch':
      case 'BatchFetch':
        return node.serviceName;
      case 'Flatten':
        return describePlan(node.node);
      case 'Sequence':
        return `Sequence(${node.nodes.map(describePlan).join(', ')})`;
      case 'Parallel':
        return `Parallel(${node.nodes.map(describePlan).join(', ')})`;
      default:
        return node.kind;
    }
  };
  const stagesOf = (node: PlanNode | undefined): string[][] => {
    if (!node) return [];
    switch (node.kind) {
      case 'Fetch':
      case 'BatchFetch':
        return [[node.serviceName]];
      case 'Flatten':
        return stagesOf(node.node);
      case 'Sequence':
        return node.nodes.flatMap(stagesOf);
      case 'Parallel': {
        const merged: string[][] = [];
        for (const child of node.nodes)
          stagesOf(child).forEach((names, i) => {
            merged[i] = [...(merged[i] ?? []), ...names];
          });
        return merged;
      }
      default:
        return [];
    }
  };
  const timeIt = (runs: number, work: () => unknown) => {
    const started = performance.now();
    for (let i = 0; i < runs; i++) work();
    return (performance.now() - started) / runs;
  };
  const coldPlanMs = timeIt(1, () => planner.plan(QUERY, 'StpOverview', new Set(), 0));
  const plan = planner.plan(QUERY, 'StpOverview', new Set(), 0);
  stages = stagesOf(plan.node);
  const planMs = timeIt(50, () => planner.plan(QUERY, 'StpOverview', new Set(), 0));
  const apiSchema = Supergraph.build(graph.supergraphSdl).apiSchema().toGraphQLJSSchema();
  const document = parse(QUERY);
  const parseMs = timeIt(500, () => parse(QUERY));
  const validateMs = timeIt(200, () => validate(apiSchema, document));
  say('## 1. The query plan, and parse, validate and plan timed alone');
  say();
  say(`Hive Router's plan for StpOverview: ${describePlan(plan.node)}.`);
  say();
  say('| step (in this process, nothing cached) | ms per operation |');
  say('| --- | --- |');
  say(`| graphql-js parse of the document (${QUERY.length} characters) | ${parseMs.toFixed(3)} |`);
  say(`| graphql-js validate against the API schema | ${validateMs.toFixed(3)} |`);
  say(`| Hive Router plan, first call on a new planner | ${coldPlanMs.toFixed(3)} |`);
  say(`| Hive Router plan, again (mean of 50) | ${planMs.toFixed(3)} |`);
  say();
  say(
    "The gateway pays these once per document, not per request: Yoga's parser and validation cache keeps the parsed and validated document, and the router runtime keeps each operation's plan (its operationCache). Per request they cost a cache lookup, inside part 0 of the tables below.",
  );
  say();
}

// ---------------------------------------------------------------------------------------------
// 2. One process.
say('## 2. One process: the subgraphs, the gateway and the monolith together (as section 2 of `npm run bench`)');
say();
const oneProcess: Record<number, { traced: LoadResult; untraced?: LoadResult; monolith?: LoadResult }> = {};
for (const clients of CLIENTS) {
  await load(graph.gatewayUrl, BODY, clients, 1); // warm: plan, connections
  collected.length = 0;
  const traced = await load(graph.gatewayUrl, BODY, clients, SECONDS);
  oneProcess[clients] = { traced };
  tabulate(
    [...collected],
    `${clients} client${clients > 1 ? 's' : ''}: gateway ${latency(traced)} (traced run)`,
    stages,
  );
}
// Tracing off for the rest of this process: the figures without its cost, and the monolith's.
await stopTracing();
for (const clients of CLIENTS) {
  await load(monolith.url, BODY, clients, 1);
  const entry = oneProcess[clients];
  if (!entry) continue;
  entry.untraced = await load(graph.gatewayUrl, BODY, clients, SECONDS);
  entry.monolith = await load(monolith.url, BODY, clients, SECONDS);
}
say('| clients | gateway, traced run | gateway, tracing off | monolith | gateway p50 / monolith p50 (tracing off) |');
say('| --- | --- | --- | --- | --- |');
for (const clients of CLIENTS) {
  const entry = oneProcess[clients];
  if (!entry?.untraced || !entry.monolith) continue;
  say(
    `| ${clients} | ${latency(entry.traced)} | ${latency(entry.untraced)} | ${latency(entry.monolith)} | ${(entry.untraced.p50Ms / Math.max(entry.monolith.p50Ms, 0.5)).toFixed(2)}x |`,
  );
}
say();
await monolith.close();
await graph.close();

// ---------------------------------------------------------------------------------------------
// 3. As deployed: each subgraph and the gateway in a process of its own, spans over OTLP.
say('## 3. As deployed: each subgraph and the gateway in a process of its own, spans over OTLP/HTTP');
say();
say(
  "The processes run the sources under tsx (`npm run dev`'s way), not the bundles: with any OTLP exporter configured, the bundled dist/<name>.mjs exit at start with `TypeError: OTLPTraceExporter is not a constructor` (the bundle's dynamic import of the exporter module yields no such export), so a deployed image with OTEL_EXPORTER_OTLP_ENDPOINT set does not start. Steady-state timings do not depend on how the code was loaded.",
);
say();
const received: SpanRecord[] = [];
const receiver = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    try {
      const body = Buffer.concat(chunks);
      const json = req.headers['content-type']?.includes('json');
      received.push(...fromOtlp(json ? (JSON.parse(body.toString('utf8')) as OtlpRequest) : decodeOtlp(body)));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    } catch (error) {
      res.writeHead(400).end((error as Error).message);
    }
  });
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const otlp = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/v1/traces`;
const tracingEnv = {
  OTEL_TRACES_EXPORTER: 'otlp',
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: otlp,
  OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
  OTEL_TRACES_SAMPLER_ARG: String(SAMPLE_RATIO),
};
const tag = randomBytes(3).toString('hex');
const temp = mkdtempSync(join(tmpdir(), 'hub-breakdown-'));
try {
  const urls: Record<string, string> = {};
  for (const entry of readGraphConfig()) {
    urls[entry.name] = await startProcess({
      label: entry.name,
      args: tsxArgs(join(REPO_ROOT, entry.sdl.replace(/schema\.graphql$/, 'src/server.ts'))),
      cwd: REPO_ROOT,
      env: { LOG_LEVEL: 'warn', DATABASE_URL, HUB_SCHEMA: `bench_${tag}_${entry.name}`, PORT: '0', ...tracingEnv },
    }).ready;
  }
  const supergraphPath = join(temp, 'supergraph.graphql');
  writeFileSync(supergraphPath, supergraphWithUrls(graph.supergraphSdl, urls));
  const gatewayUrl = await startProcess({
    label: 'gateway',
    args: tsxArgs(join(REPO_ROOT, 'gateway/src/server.ts')),
    cwd: REPO_ROOT,
    env: {
      LOG_LEVEL: 'warn',
      HUB_SUPERGRAPH_PATH: supergraphPath,
      PORT: '0',
      HUB_CACHE: 'off',
      HUB_EXPLORER: 'off',
      // One address sending as fast as it is answered: the per-client rate limit would measure itself.
      HUB_RATE_LIMIT_PER_SECOND: '0',
      ...tracingEnv,
    },
  }).ready;
  const monolithUrl = await startProcess({
    label: 'monolith',
    args: tsxArgs(join(REPO_ROOT, 'bench/peer.ts'), 'monolith'),
    cwd: REPO_ROOT,
    env: {
      LOG_LEVEL: 'warn',
      DATABASE_URL,
      BENCH_MONOLITH_SCHEMAS: JSON.stringify(
        Object.fromEntries(
          ['geography', 'organisations', 'programmes', 'finance'].map((n) => [n, `bench_${tag}_${n}`]),
        ),
      ),
    },
  }).ready;
  const deployed: Record<number, { gateway: LoadResult; monolith: LoadResult }> = {};
  /**
   * Until no span has arrived for 2 s. The processes' batch processors send every 5 s or at 512
   * spans, so the last requests' spans arrive well after the load ends.
   */
  const settled = async () => {
    for (let waited = 0, seen = -1; waited < 30_000 && seen !== received.length; waited += 2_000) {
      seen = received.length;
      await new Promise((r) => setTimeout(r, 2_000));
    }
  };
  for (const clients of CLIENTS) {
    await load(gatewayUrl, BODY, clients, 1);
    await settled();
    received.length = 0;
    const gateway = await load(gatewayUrl, BODY, clients, SECONDS);
    await settled();
    tabulate([...received], `${clients} client${clients > 1 ? 's' : ''}: gateway ${latency(gateway)}`, stages);
    await load(monolithUrl, BODY, clients, 1);
    deployed[clients] = { gateway, monolith: await load(monolithUrl, BODY, clients, SECONDS) };
  }
  say('| clients | gateway (traced, 1 in 4) | monolith | gateway p50 / monolith p50 |');
  say('| --- | --- | --- | --- |');
  for (const clients of CLIENTS) {
    const entry = deployed[clients];
    if (!entry) continue;
    say(
      `| ${clients} | ${latency(entry.gateway)} | ${latency(entry.monolith)} | ${(entry.gateway.p50Ms / Math.max(entry.monolith.p50Ms, 0.5)).toFixed(2)}x |`,
    );
  }
  say();
} finally {
  await stopAllProcesses('SIGTERM');
  receiver.close();
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  for (const entry of readGraphConfig()) await client.query(`drop schema if exists bench_${tag}_${entry.name} cascade`);
  await client.end();
  rmSync(temp, { recursive: true, force: true });
}

say(
  `Load average at the end: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}.`,
);
say();

const file = `${REPO_ROOT}bench/results/breakdown-${new Date().toISOString().slice(0, 10)}.md`;
writeFileSync(file, `${lines.join('\n')}\n`);
console.log(`\nWritten to ${file.replace(REPO_ROOT, '')}`);
process.exit(0);
