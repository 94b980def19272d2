import type { ServerResponse } from 'node:http';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** Seconds; loopback subgraph calls take under a millisecond, a cold headline query a few hundred. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Distinct operation names kept as labels before the rest are counted together as `other`. */
export const MAX_OPERATION_LABELS = 200;

/** The operation label of a request whose document never parsed (or never came: a bad APQ hash, a 401). */
export const UNPARSED_OPERATION = 'unparsed';
export const ANONYMOUS_OPERATION = 'anonymous';
export const OTHER_OPERATIONS = 'other';

/**
 * The gateway's Prometheus metrics, in a registry of its own (each gateway in a process counts for
 * itself; tests start several). Served at GET /metrics in the text format 0.0.4.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly #operations = new Set<string>();
  readonly #requests = new Counter({
    name: 'hub_gateway_requests_total',
    help: 'GraphQL requests answered by the gateway, by operation name and HTTP status.',
    labelNames: ['operation', 'status'] as const,
    registers: [this.registry],
  });
  readonly #duration = new Histogram({
    name: 'hub_gateway_request_duration_seconds',
    help: 'Time from a GraphQL request arriving at the gateway to its answer being sent, by operation name.',
    labelNames: ['operation'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly #errors = new Counter({
    name: 'hub_gateway_errors_total',
    help: 'GraphQL errors in the gateway’s answers, by operation name and error code.',
    labelNames: ['operation', 'code'] as const,
    registers: [this.registry],
  });
  readonly #subgraphRequests = new Counter({
    name: 'hub_gateway_subgraph_requests_total',
    help: 'Calls from the gateway to a subgraph, by subgraph and HTTP status (error: no answer; timeout: none in time).',
    labelNames: ['subgraph', 'status'] as const,
    registers: [this.registry],
  });
  readonly #subgraphDuration = new Histogram({
    name: 'hub_gateway_subgraph_request_duration_seconds',
    help: 'Time the gateway waited for a subgraph to answer, by subgraph.',
    labelNames: ['subgraph'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /**
   * The label for an operation that parsed: its name, or `anonymous`. Names come from documents
   * callers write, so past MAX_OPERATION_LABELS distinct names the rest share `other` and a caller
   * inventing names cannot grow the series without bound.
   */
  operationLabel(name: string | null | undefined): string {
    if (!name) return ANONYMOUS_OPERATION;
    if (this.#operations.has(name)) return name;
    if (this.#operations.size >= MAX_OPERATION_LABELS) return OTHER_OPERATIONS;
    this.#operations.add(name);
    return name;
  }

  recordRequest(operation: string, status: number, seconds: number, errorCodes: readonly string[]): void {
    this.#requests.inc({ operation, status: String(status) });
    this.#duration.observe({ operation }, seconds);
    for (const code of errorCodes) this.#errors.inc({ operation, code });
  }

  recordSubgraphCall(subgraph: string, status: number | 'error' | 'timeout', seconds: number): void {
    this.#subgraphRequests.inc({ subgraph, status: String(status) });
    this.#subgraphDuration.observe({ subgraph }, seconds);
  }

  async respond(res: ServerResponse): Promise<void> {
    const text = await this.registry.metrics();
    res.statusCode = 200;
    res.setHeader('content-type', this.registry.contentType);
    res.setHeader('cache-control', 'no-store');
    res.end(text);
  }
}
