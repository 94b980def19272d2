import type { IncomingHttpHeaders } from 'node:http';
import {
  type Attributes,
  type Context,
  context,
  createContextKey,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
  type Tracer,
} from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, Sampler, SpanExporter, TracerProvider } from '@opentelemetry/sdk-trace';
import type { CompiledQuery, DatabaseConnection, Dialect } from 'kysely';
import type { HubEnv } from './env.js';

/**
 * OpenTelemetry traces from the gateway through each subgraph to its SQL statements.
 *
 * Off unless configured: until startTracing() runs, every hook here is one boolean test and the
 * SDK is not even loaded. Each service (the gateway, each subgraph) traces with a provider of its own
 * so that its spans carry its own service.name even when `npm start` runs them all in one process.
 */

/** What a process traces with: where spans go and which traces are kept. */
export interface TracingSettings {
  readonly exporter: SpanExporter;
  /** 'batch' for production exporters; 'simple' exports each span as it ends (tests read them at once). */
  readonly processing?: 'batch' | 'simple';
  readonly sampler?: Sampler;
  /** Attributes every service's resource carries; a `service.name` here overrides the hub's own names. */
  readonly resource?: Attributes;
}

type TraceSdk = typeof import('@opentelemetry/sdk-trace');
type ResourcesModule = typeof import('@opentelemetry/resources');

interface TracingState {
  readonly settings: TracingSettings;
  readonly sdk: TraceSdk;
  readonly resources: ResourcesModule;
  readonly providers: Map<string, TracerProvider>;
  readonly tracers: Map<string, Tracer>;
}

let state: TracingState | null = null;

/** Whether this process traces. Hooks test it before doing any work so that off costs nothing. */
export function tracingOn(): boolean {
  return state !== null;
}

/** The OpenTelemetry context key saying which hub service a piece of work belongs to (for SQL spans). */
const SERVICE = createContextKey('nhs-hub.service');

/** Starts tracing for this process. Call before any server starts; a second call is refused. */
export async function startTracing(settings: TracingSettings): Promise<void> {
  if (state) throw new Error('Tracing is already on in this process');
  const [{ AsyncLocalStorageContextManager }, { W3CTraceContextPropagator }, sdk, resources] = await Promise.all([
    commonJs(import('@opentelemetry/context-async-hooks')),
    commonJs(import('@opentelemetry/core')),
    commonJs(import('@opentelemetry/sdk-trace')),
    commonJs(import('@opentelemetry/resources')),
  ]);
  // AsyncLocalStorage carries the request's span through awaits, DataLoader batches and the
  // database driver's queue, so a SQL statement finds the subgraph request that caused it.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  state = { settings, sdk, resources, providers: new Map(), tracers: new Map() };
}

/**
 * Starts tracing as the standard OTEL_* variables say, or does nothing when they say nothing:
 * traces are on when OTEL_TRACES_EXPORTER is otlp or console, or an OTLP endpoint is set, unless
 * OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none. Returns whether tracing is on.
 */
export async function startTracingFromEnv(env: HubEnv): Promise<boolean> {
  const kind = tracesExporterOf(env);
  if (!kind) return false;
  const sdk = await commonJs(import('@opentelemetry/sdk-trace'));
  const exporter = kind === 'console' ? new sdk.ConsoleSpanExporter() : await otlpExporter(env);
  await startTracing({ exporter, processing: 'batch', sampler: samplerOf(sdk, env) });
  return true;
}

/** Where OTEL_* says traces go, or undefined when they say nothing (or say off). */
export function tracesExporterOf(env: HubEnv): 'otlp' | 'console' | undefined {
  if (env.OTEL_SDK_DISABLED || env.OTEL_TRACES_EXPORTER === 'none') return undefined;
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
  return env.OTEL_TRACES_EXPORTER ?? (endpoint ? 'otlp' : undefined);
}

/**
 * The OTLP/HTTP exporter, sending where the validated settings say; headers, timeout, compression
 * and certificates it reads from OTEL_EXPORTER_OTLP_* itself.
 */
async function otlpExporter(env: HubEnv): Promise<SpanExporter> {
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  // The spec: a signal's own endpoint is used as given; the shared one gets /v1/traces appended.
  const url = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (base ? `${base.replace(/\/$/, '')}/v1/traces` : undefined);
  const config = url ? { url } : {};
  // The spec's default protocol is http/protobuf; collectors take both on port 4318.
  const protocol = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf';
  const { OTLPTraceExporter } = await commonJs(
    protocol === 'http/json'
      ? import('@opentelemetry/exporter-trace-otlp-http')
      : import('@opentelemetry/exporter-trace-otlp-proto'),
  );
  return new OTLPTraceExporter(config);
}

/**
 * A CommonJS package's exports, by name. Node gives them so; esbuild's bundles (dist/*.mjs) give
 * the OpenTelemetry packages' getter-defined exports under `default` only, and every bundled
 * process configured for tracing stopped at start ("TraceIdRatioBasedSampler is not a constructor").
 */
async function commonJs<T extends object>(loading: Promise<T>): Promise<T> {
  const module = await loading;
  const wrapped: unknown = Reflect.get(module, 'default');
  return typeof wrapped === 'object' && wrapped !== null ? { ...wrapped, ...module } : module;
}

function samplerOf(sdk: TraceSdk, env: HubEnv): Sampler {
  const { AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler, TraceIdRatioBasedSampler } = sdk;
  const ratio = new TraceIdRatioBasedSampler(env.OTEL_TRACES_SAMPLER_ARG ?? 1);
  switch (env.OTEL_TRACES_SAMPLER) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio;
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

/** How long a stopping process waits for its last spans to leave: well inside Kubernetes' 30 s grace. */
const FINAL_FLUSH_MS = 5_000;

/**
 * Sends every pending span, then stops tracing (a process's last step, and each tracing test's).
 * A collector that is down or slow costs at most FINAL_FLUSH_MS and never fails the shutdown: the
 * spans are lost, the process still exits cleanly.
 */
export async function stopTracing(): Promise<void> {
  if (!state) return;
  const { providers, settings } = state;
  state = null;
  const flushed = (async () => {
    await Promise.allSettled([...providers.values()].map((p) => p.forceFlush({ timeoutMillis: FINAL_FLUSH_MS })));
    await Promise.allSettled([...providers.values()].map((p) => p.shutdown()));
    await settings.exporter.shutdown();
  })().catch((error: unknown) => {
    console.error(`Traces not sent at shutdown: ${error instanceof Error ? error.message : String(error)}`);
  });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([flushed, new Promise((resolve) => (timer = setTimeout(resolve, FINAL_FLUSH_MS).unref()))]);
  clearTimeout(timer);
  trace.disable();
  propagation.disable();
  context.disable();
}

/** The tracer of one hub service: `gateway`, or a subgraph's name. */
function tracerFor(service: string): Tracer {
  if (!state) return trace.getTracer('nhs-hub');
  const known = state.tracers.get(service);
  if (known) return known;
  const { sdk, settings } = state;
  const { detectResources, envDetector, resourceFromAttributes } = state.resources;
  // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (read by envDetector) win over the hub's own names.
  const resource = resourceFromAttributes({
    'service.name': `nhs-hub-${service}`,
    'service.namespace': 'nhs-hub',
    ...settings.resource,
  }).merge(detectResources({ detectors: [envDetector] }));
  const provider = new sdk.TracerProvider({
    resource,
    ...(settings.sampler ? { sampler: settings.sampler } : {}),
    spanProcessors: [
      settings.processing === 'simple'
        ? new sdk.SimpleSpanProcessor({ exporter: sharedExporter(settings.exporter) })
        : new sdk.BatchSpanProcessor({ exporter: sharedExporter(settings.exporter) }),
    ],
  });
  const tracer = provider.getTracer('@nhs-hub/kit');
  state.providers.set(service, provider);
  state.tracers.set(service, tracer);
  return tracer;
}

/** Every provider exports through the one exporter; only stopTracing shuts it down, once. */
function sharedExporter(exporter: SpanExporter): SpanExporter {
  return {
    export: (spans: ReadableSpan[], done: (result: ExportResult) => void) => exporter.export(spans, done),
    shutdown: () => Promise.resolve(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
}

// ---------------------------------------------------------------------------------------------
// Server spans: the gateway's request span and each subgraph's, continuing the caller's traceparent.

/** A server span and the context that carries it, for work done on behalf of one request. */
export interface RequestTrace {
  readonly span: Span;
  readonly context: Context;
}

/**
 * Starts the server span of one HTTP request to a hub service, continuing the caller's trace when
 * the request carries a W3C `traceparent`. Undefined when tracing is off.
 */
export function startRequestTrace(
  service: string,
  request: { method?: string | undefined; url?: string | undefined; headers: IncomingHttpHeaders },
): RequestTrace | undefined {
  if (!state) return undefined;
  const parent = propagation.extract(ROOT_CONTEXT, request.headers);
  const method = request.method ?? 'GET';
  const path = (request.url ?? '/').split('?')[0] ?? '/';
  const span = tracerFor(service).startSpan(
    `${method} ${path}`,
    {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': method, 'url.path': path, 'hub.service': service },
    },
    parent,
  );
  return { span, context: trace.setSpan(parent, span).setValue(SERVICE, service) };
}

/** Names a request span after its GraphQL operation, once the document has parsed. */
export function nameOperation(span: Span | undefined, type: string, name: string | null | undefined): void {
  if (!span) return;
  span.updateName(name ? `${type} ${name}` : type);
  span.setAttribute('graphql.operation.type', type);
  if (name) span.setAttribute('graphql.operation.name', name);
}

/** Marks a request span failed with the GraphQL error codes its answer carried. */
export function markErrors(span: Span | undefined, errorCodes: readonly string[]): void {
  if (!span || errorCodes.length === 0) return;
  const codes = [...new Set(errorCodes)];
  span.setAttribute('graphql.error.codes', codes);
  span.setStatus({ code: SpanStatusCode.ERROR, message: codes.join(', ') });
}

/** Ends a request span with its HTTP status and the GraphQL error codes its answer carried. */
export function endRequestTrace(
  request: RequestTrace | undefined,
  status: number,
  errorCodes: readonly string[] = [],
): void {
  if (!request) return;
  const { span } = request;
  span.setAttribute('http.response.status_code', status);
  if (errorCodes.length > 0) markErrors(span, errorCodes);
  else if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${status}` });
  span.end();
}

/** The span of the request being served, if it is traced (for Apollo plugins, which run inside it). */
export function activeSpan(): Span | undefined {
  return state ? trace.getSpan(context.active()) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Client spans: the gateway's call to a subgraph.

/**
 * Starts the client span of one subgraph call under `parent` and writes its `traceparent` into
 * `headers`. Returns the function that ends it, or undefined when tracing is off.
 */
export function startSubgraphCallTrace(
  parent: Context | undefined,
  subgraph: string,
  url: URL,
  method: string,
  headers: Record<string, string | number>,
): ((outcome: { status?: number; error?: Error }) => void) | undefined {
  if (!state) return undefined;
  const from = parent ?? context.active();
  const span = tracerFor('gateway').startSpan(
    `${method} ${subgraph}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'hub.subgraph': subgraph,
        'http.request.method': method,
        'server.address': url.hostname,
        'server.port': url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80,
        'url.full': url.href,
      },
    },
    from,
  );
  propagation.inject(trace.setSpan(from, span), headers);
  return ({ status, error }) => {
    if (status !== undefined) span.setAttribute('http.response.status_code', status);
    if (error) {
      span.recordException(error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    } else if (status !== undefined && status >= 400) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${status}` });
    }
    span.end();
  };
}

// ---------------------------------------------------------------------------------------------
// SQL spans.

/**
 * Runs one SQL statement inside a span of its own, a child of the request that issued it. The
 * statement text goes on the span with its $n placeholders, never the values bound to them (they
 * can be personal data). Statements outside any traced request (migrations, seeding) are not traced.
 */
export function traceStatement<T>(sqlText: string, run: () => Promise<T>): Promise<T> {
  if (!state) return run();
  const active = context.active();
  const service = active.getValue(SERVICE);
  if (typeof service !== 'string' || !trace.getSpan(active)) return run();
  const operation = /^\s*(\w+)/.exec(sqlText)?.[1]?.toUpperCase() ?? 'SQL';
  const table = /\bfrom\s+(?:"?\w+"?\.)?"?(\w+)"?/i.exec(sqlText)?.[1];
  const span = tracerFor(service).startSpan(
    table ? `${operation} ${table}` : operation,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'db.system': 'postgresql',
        'db.system.name': 'postgresql',
        'db.operation.name': operation,
        ...(table ? { 'db.collection.name': table } : {}),
        'db.statement': sqlText,
        'db.query.text': sqlText,
      },
    },
    active,
  );
  return run().then(
    (result) => {
      span.end();
      return result;
    },
    (error: unknown) => {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      span.end();
      throw error;
    },
  );
}

/** Runs `work` in a request's trace context (or as it is, when the request is not traced). */
export function withinTrace<T>(requestTrace: RequestTrace | undefined, work: () => T): T {
  return requestTrace ? context.with(requestTrace.context, work) : work();
}

const traced = new WeakSet<DatabaseConnection>();

/**
 * The dialect with every statement traced (see traceStatement). At the driver rather than in a
 * Kysely plugin because only the driver sees the compiled SQL text, and here it works alike on
 * PGlite and on `pg` (instrumentation-pg would miss PGlite). Off, a statement pays one test.
 */
export function tracedDialect(dialect: Dialect): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createDriver: () => {
      const driver = dialect.createDriver();
      const acquire = driver.acquireConnection.bind(driver);
      driver.acquireConnection = async () => {
        const connection = await acquire();
        if (!traced.has(connection)) {
          traced.add(connection);
          const execute = connection.executeQuery.bind(connection);
          connection.executeQuery = <R>(query: CompiledQuery) => traceStatement(query.sql, () => execute<R>(query));
        }
        return connection;
      };
      return driver;
    },
  };
}
