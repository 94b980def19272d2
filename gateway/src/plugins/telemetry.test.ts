import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatewayMetrics, MAX_OPERATION_LABELS } from '../metrics.js';
import { startTracing, stopTracing } from '@nhs-hub/kit/tracing';
import { startGateway } from '../gateway.js';
import { postGraphQL, startProcess, startTestGraph, type TestGraph, tsxArgs } from '../testing.js';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { getMetricsFromIterator, type PromHistogramData, type PromMetric, type PromMetrics } from 'prom2javascript';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadAllSubgraphs, REPO_ROOT } from '../config.js';

/**
 * Telemetry the ecosystem reads: one trace per request from the gateway through every subgraph it
 * calls down to their SQL statements, exported over OTLP when OTEL_* says so, and Prometheus metrics.
 */
const STP_OVERVIEW = readFileSync(`${REPO_ROOT}schema/operations/StpOverview.graphql`, 'utf8');
const SPAN_KIND = { SERVER: 1, CLIENT: 2 } as const;
/** OTLP numbers span kinds from 1 (internal), one above the API's enum. */
const OTLP_SPAN_KIND = { SERVER: 2, CLIENT: 3 } as const;
const CALLED_BY_STP_OVERVIEW = ['finance', 'geography', 'organisations', 'programmes'];

const exporter = new InMemorySpanExporter();
let graph: TestGraph;
beforeAll(async () => {
  // Tracing starts before the servers, as in every hub process; 'simple' hands each span over as it ends.
  await startTracing({ exporter, processing: 'simple' });
  graph = await startTestGraph(await loadAllSubgraphs());
});
afterAll(async () => {
  await graph?.close();
  await stopTracing();
});
beforeEach(() => exporter.reset());

const serviceOf = (span: ReadableSpan) => span.resource.attributes['service.name'];
const idOf = (span: ReadableSpan) => span.spanContext().spanId;
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

const labelled = (labels: Record<string, string>) => (point: { labels: Record<string, string> }) =>
  Object.entries(labels).every(([k, v]) => point.labels[k] === v);
const sample = (metric: PromMetric | undefined, labels: Record<string, string>): number => {
  const points = (metric?.data ?? []) as { labels: Record<string, string>; value?: number }[];
  return points.find(labelled(labels))?.value ?? 0;
};
const histogram = (metric: PromMetric | undefined, labels: Record<string, string>) =>
  metric?.type === 'histogram' ? (metric.data as PromHistogramData[]).find(labelled(labels)) : undefined;

/** Spans end just after the answer is written; wait for the one that ends last (the gateway's). */
async function finishedSpans(done: (spans: ReadableSpan[]) => boolean): Promise<ReadableSpan[]> {
  for (let i = 0; i < 100; i += 1) {
    const spans = exporter.getFinishedSpans();
    if (done(spans)) return spans;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`Spans never arrived: ${exporter.getFinishedSpans().map((s) => s.name)}`);
}

describe('traces', () => {
  it('follows one StpOverview from the gateway through each subgraph to its SQL statements', async () => {
    const { status, body } = await postGraphQL(graph.gatewayUrl, STP_OVERVIEW, { code: 'QJM' });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const spans = await finishedSpans((all) =>
      all.some((s) => serviceOf(s) === 'nhs-hub-gateway' && !s.parentSpanContext),
    );

    // One trace.
    expect(new Set(spans.map((s) => s.spanContext().traceId)).size).toBe(1);

    const [root, ...others] = spans.filter((s) => !s.parentSpanContext);
    expect(others).toEqual([]);
    expect(root).toBeDefined();
    if (!root) return;
    expect(serviceOf(root)).toBe('nhs-hub-gateway');
    expect(root.kind).toBe(SPAN_KIND.SERVER);
    expect(root.name).toBe('query StpOverview');
    expect(root.attributes).toMatchObject({
      'graphql.operation.name': 'StpOverview',
      'graphql.operation.type': 'query',
      'http.response.status_code': 200,
    });

    // The gateway's call to each subgraph is a client span under its request span...
    const calls = spans.filter((s) => serviceOf(s) === 'nhs-hub-gateway' && s.kind === SPAN_KIND.CLIENT);
    for (const call of calls) expect(parentOf(call)).toBe(idOf(root));
    const called = [...new Set(calls.map((c) => String(c.attributes['hub.subgraph'])))].sort();
    expect(called).toEqual(expect.arrayContaining(CALLED_BY_STP_OVERVIEW));

    for (const call of calls) {
      const subgraph = String(call.attributes['hub.subgraph']);
      expect(call.attributes['http.response.status_code']).toBe(200);
      // ...which the subgraph continues from the traceparent it was sent...
      const served = spans.filter((s) => parentOf(s) === idOf(call));
      expect(served).toHaveLength(1);
      const server = served[0];
      if (!server) continue;
      expect(serviceOf(server)).toBe(`nhs-hub-${subgraph}`);
      expect(server.kind).toBe(SPAN_KIND.SERVER);
      expect(server.name).toMatch(/^query/);
      // ...and every SQL statement it ran is a span of its own under the subgraph's request.
      const statements = spans.filter((s) => parentOf(s) === idOf(server));
      expect(statements.length, `${subgraph} ran no traced SQL`).toBeGreaterThan(0);
      for (const statement of statements) {
        expect(serviceOf(statement)).toBe(`nhs-hub-${subgraph}`);
        expect(statement.kind).toBe(SPAN_KIND.CLIENT);
        expect(statement.attributes['db.system']).toBe('postgresql');
        const text = String(statement.attributes['db.statement']);
        expect(text).toMatch(/^\s*select\b/i);
        // The text only: the STP code travels as a bound parameter and never reaches the span.
        expect(text).not.toContain('QJM');
      }
    }
    // Every span is one of those: nothing else happened in this trace, nothing is orphaned.
    const subgraphSpans = spans.filter((s) => calls.some((c) => parentOf(s) === idOf(c)));
    const sqlSpans = spans.filter((s) => s.attributes['db.system'] === 'postgresql');
    expect(spans.length).toBe(1 + calls.length + subgraphSpans.length + sqlSpans.length);
  });

  it('marks the call to a subgraph that cannot be reached, in its span and in the metrics', async () => {
    const gateway = await startGateway({
      supergraphSdl: graph.supergraphSdl,
      subgraphUrls: {
        ...Object.fromEntries(Object.entries(graph.subgraphs).map(([name, s]) => [name, s.url])),
        // Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
        finance: 'http://127.0.0.1:9/graphql',
      },
    });
    try {
      const { status, body } = await postGraphQL(gateway.url, STP_OVERVIEW, { code: 'QJM' });
      expect(status).toBe(200);
      expect(body.errors?.length).toBeGreaterThan(0);
      const spans = await finishedSpans((all) => all.some((s) => s.name === 'query StpOverview'));
      const call = spans.find((s) => s.attributes['hub.subgraph'] === 'finance');
      expect(call?.status).toMatchObject({ code: 2, message: expect.stringContaining('unreachable') });
      const root = spans.find((s) => s.name === 'query StpOverview');
      expect(root?.status.code).toBe(2);
      expect(root?.attributes['graphql.error.codes']).toEqual(body.errors?.map((e) => e.extensions?.code));

      const res = await fetch(gateway.url.replace(/\/graphql$/, '/metrics'));
      const metrics = await getMetricsFromIterator((await res.text()).split('\n').values());
      expect(sample(metrics.hub_gateway_subgraph_requests_total, { subgraph: 'finance', status: 'error' })).toBe(1);
      expect(sample(metrics.hub_gateway_subgraph_requests_total, { subgraph: 'geography', status: '200' })).toBe(1);
      for (const code of new Set(body.errors?.map((e) => String(e.extensions?.code)))) {
        expect(sample(metrics.hub_gateway_errors_total, { operation: 'StpOverview', code })).toBeGreaterThan(0);
      }
    } finally {
      await gateway.close();
    }
  });

  it('continues a trace the caller started (W3C traceparent)', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const { status } = await postGraphQL(graph.gatewayUrl, '{ stp(code: "QJM") { name } }', undefined, {
      traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
    });
    expect(status).toBe(200);
    const spans = await finishedSpans((all) => all.some((s) => parentOf(s) === '00f067aa0ba902b7'));
    const root = spans.find((s) => parentOf(s) === '00f067aa0ba902b7');
    expect(root?.name).toBe('query');
    expect(new Set(spans.map((s) => s.spanContext().traceId))).toEqual(new Set([traceId]));
  });

  it('sends spans over OTLP from a gateway process configured only by OTEL_* variables', async () => {
    const received: OtlpSpan[] = [];
    const receiver = await otlpReceiver((spans) => received.push(...spans));
    const dir = mkdtempSync(join(tmpdir(), 'hub-otel-'));
    const supergraphPath = join(dir, 'supergraph.graphql');
    writeFileSync(supergraphPath, graph.supergraphSdl);
    const subgraphUrls = Object.fromEntries(
      Object.entries(graph.subgraphs).map(([name, s]) => [`SUBGRAPH_${name.toUpperCase()}_URL`, s.url]),
    );
    const gateway = startProcess({
      label: 'gateway',
      args: tsxArgs(join(REPO_ROOT, 'gateway/src/server.ts')),
      cwd: REPO_ROOT,
      env: {
        LOG_LEVEL: 'silent',
        PORT: '0',
        ...subgraphUrls,
        HUB_SUPERGRAPH_PATH: supergraphPath,
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.port}`,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test',
      },
    });
    try {
      const { status, body } = await postGraphQL(await gateway.ready, STP_OVERVIEW, { code: 'QJM' });
      expect(status).toBe(200);
      expect(body.errors).toBeUndefined();
      // SIGTERM: the gateway drains, then flushes its batched spans before it exits.
      expect(await gateway.stop('SIGTERM')).toEqual({ code: 0, signal: null });

      const root = received.find((s) => s.kind === OTLP_SPAN_KIND.SERVER && !s.parentSpanId);
      expect(root).toMatchObject({ name: 'query StpOverview', service: 'nhs-hub-gateway' });
      expect(root?.resource['deployment.environment.name']).toBe('test');
      const calls = received.filter((s) => s.kind === OTLP_SPAN_KIND.CLIENT);
      expect(calls.map((c) => c.attributes['hub.subgraph'])).toEqual(expect.arrayContaining(CALLED_BY_STP_OVERVIEW));
      for (const call of calls) expect(call).toMatchObject({ traceId: root?.traceId, parentSpanId: root?.spanId });
      // The subgraphs here run in the test process (traced in memory): they joined the gateway's trace.
      const served = exporter.getFinishedSpans().filter((s) => s.kind === SPAN_KIND.SERVER);
      expect(served.length).toBeGreaterThanOrEqual(CALLED_BY_STP_OVERVIEW.length);
      for (const span of served) {
        expect(span.spanContext().traceId).toBe(root?.traceId);
        expect(calls.map((c) => c.spanId)).toContain(parentOf(span));
      }
    } finally {
      await gateway.stop('SIGKILL');
      await new Promise<void>((resolve) => receiver.server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('GET /metrics', () => {
  const metricsUrl = () => graph.gatewayUrl.replace(/\/graphql$/, '/metrics');

  /** Scrapes /metrics and parses it as Prometheus does: a line the text format does not allow fails the test. */
  async function scrape(): Promise<{ contentType: string | null; metrics: PromMetrics }> {
    const res = await fetch(metricsUrl());
    expect(res.status).toBe(200);
    const text = await res.text();
    return {
      contentType: res.headers.get('content-type'),
      metrics: await getMetricsFromIterator(text.split('\n').values()),
    };
  }
  it('counts requests, latency and errors per operation and calls per subgraph, in Prometheus text format', async () => {
    const before = await scrape();
    for (let i = 0; i < 2; i += 1) {
      const { body } = await postGraphQL(graph.gatewayUrl, STP_OVERVIEW, { code: 'QJM' });
      expect(body.errors).toBeUndefined();
    }
    const invalid = await postGraphQL(graph.gatewayUrl, '{ stp(code: "QJM") { noSuchField } }');
    expect(invalid.status).toBe(400);
    const unparsed = await postGraphQL(graph.gatewayUrl, '{ stp(code: "QJM") { name }');
    expect(unparsed.status).toBe(400);
    const after = await scrape();

    expect(after.contentType).toContain('version=0.0.4');
    const grew = (name: string, labels: Record<string, string>) =>
      sample(after.metrics[name], labels) - sample(before.metrics[name], labels);

    expect(after.metrics.hub_gateway_requests_total?.type).toBe('counter');
    expect(grew('hub_gateway_requests_total', { operation: 'StpOverview', status: '200' })).toBe(2);
    expect(grew('hub_gateway_requests_total', { operation: 'anonymous', status: '400' })).toBe(1);
    expect(grew('hub_gateway_requests_total', { operation: 'unparsed', status: '400' })).toBe(1);
    expect(grew('hub_gateway_errors_total', { operation: 'anonymous', code: 'GRAPHQL_VALIDATION_FAILED' })).toBe(1);
    expect(grew('hub_gateway_errors_total', { operation: 'unparsed', code: 'GRAPHQL_PARSE_FAILED' })).toBe(1);
    for (const subgraph of CALLED_BY_STP_OVERVIEW) {
      expect(grew('hub_gateway_subgraph_requests_total', { subgraph, status: '200' })).toBeGreaterThanOrEqual(2);
    }

    // Histograms: cumulative buckets up to +Inf, which equals the count (the parser checks that too).
    const latency = histogram(after.metrics.hub_gateway_request_duration_seconds, { operation: 'StpOverview' });
    const latencyBefore = histogram(before.metrics.hub_gateway_request_duration_seconds, { operation: 'StpOverview' });
    expect(latency).toBeDefined();
    if (!latency) return;
    expect(latency.count - (latencyBefore?.count ?? 0)).toBe(2);
    expect(latency.buckets['+Inf']).toBe(latency.count);
    expect(latency.sum).toBeGreaterThan(0);
    const counts = Object.entries(latency.buckets)
      .sort(([a], [b]) => (a === '+Inf' ? 1 : b === '+Inf' ? -1 : Number(a) - Number(b)))
      .map(([, n]) => n);
    expect(counts.length).toBeGreaterThan(10);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    for (const subgraph of CALLED_BY_STP_OVERVIEW) {
      const calls = histogram(after.metrics.hub_gateway_subgraph_request_duration_seconds, { subgraph });
      expect(calls?.count, subgraph).toBeGreaterThanOrEqual(2);
    }
    // The process's own: CPU, memory, event loop.
    expect(after.metrics.process_cpu_user_seconds_total?.type).toBe('counter');
    expect(after.metrics.nodejs_eventloop_lag_seconds?.type).toBe('gauge');
  });

  it('names an answer from the response cache after its operation, as when it was first parsed', async () => {
    const gateway = await startGateway({
      supergraphSdl: graph.supergraphSdl,
      subgraphUrls: Object.fromEntries(Object.entries(graph.subgraphs).map(([name, s]) => [name, s.url])),
      cache: { ttlMs: 60_000 },
    });
    try {
      for (let i = 0; i < 3; i += 1) {
        const { body } = await postGraphQL(gateway.url, STP_OVERVIEW, { code: 'QJM' });
        expect(body.errors).toBeUndefined();
      }
      const res = await fetch(gateway.url.replace(/\/graphql$/, '/metrics'));
      const metrics = await getMetricsFromIterator((await res.text()).split('\n').values());
      expect(sample(metrics.hub_gateway_requests_total, { operation: 'StpOverview', status: '200' })).toBe(3);
      expect(sample(metrics.hub_gateway_requests_total, { operation: 'unparsed' })).toBe(0);
      // Asked once: the other two were answered from the cache.
      expect(sample(metrics.hub_gateway_subgraph_requests_total, { subgraph: 'finance', status: '200' })).toBe(1);
    } finally {
      await gateway.close();
    }
  });

  it('keeps the operation label bounded however many names callers invent', () => {
    const metrics = new GatewayMetrics();
    for (let i = 0; i < MAX_OPERATION_LABELS; i += 1) expect(metrics.operationLabel(`Op${i}`)).toBe(`Op${i}`);
    expect(metrics.operationLabel('OneTooMany')).toBe('other');
    expect(metrics.operationLabel('Op0')).toBe('Op0');
    expect(metrics.operationLabel(undefined)).toBe('anonymous');
  });
});

// ---------------------------------------------------------------------------------------------

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  service: unknown;
  resource: Record<string, unknown>;
  attributes: Record<string, unknown>;
}

interface OtlpKeyValue {
  key: string;
  value: Record<string, unknown>;
}
interface OtlpTraceRequest {
  resourceSpans?: {
    resource?: { attributes?: OtlpKeyValue[] };
    scopeSpans?: {
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind: number;
        attributes?: OtlpKeyValue[];
      }[];
    }[];
  }[];
}

const flatten = (attributes: OtlpKeyValue[] = []) =>
  Object.fromEntries(attributes.map(({ key, value }) => [key, Object.values(value)[0]]));

/** An OTLP/HTTP receiver (JSON encoding) on a loopback port of its own, as a collector would be. */
async function otlpReceiver(onSpans: (spans: OtlpSpan[]) => void): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.url !== '/v1/traces' || !req.headers['content-type']?.includes('application/json')) {
        res.statusCode = 404;
        return res.end();
      }
      const request = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpTraceRequest;
      for (const resourceSpans of request.resourceSpans ?? []) {
        const resource = flatten(resourceSpans.resource?.attributes);
        for (const scope of resourceSpans.scopeSpans ?? []) {
          onSpans(
            (scope.spans ?? []).map((span) => ({
              traceId: span.traceId,
              spanId: span.spanId,
              ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
              name: span.name,
              kind: span.kind,
              service: resource['service.name'],
              resource,
              attributes: flatten(span.attributes),
            })),
          );
        }
      }
      res.setHeader('content-type', 'application/json');
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}
