import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import {
  endRequestTrace,
  nameOperation,
  rootLogger,
  startRequestTrace,
  startSubgraphCallTrace,
  withinTrace,
} from '@nhs-hub/kit/platform';
import { getOperationAST } from 'graphql';
import { ANONYMOUS_OPERATION, GatewayMetrics } from '../metrics.js';
import { type HubPlugin, type HubRequest, hubRequestOf } from '../plugin.js';
import type { SubgraphCallObserver } from './subgraph-timeouts/fetch.js';

export const METRICS_PATH = '/metrics';

/** Telemetry, with the observer its subgraph calls report to and the registry served at /metrics (null: off). */
export interface TelemetryPlugin extends HubPlugin {
  readonly metrics: GatewayMetrics | null;
  readonly observe: SubgraphCallObserver;
}

/**
 * What every request leaves behind: one JSON log line, Prometheus counts and latencies by operation
 * (and by subgraph for each subgraph call), and, when tracing is on, a server span whose children
 * are the subgraph calls. Operations are named by the document itself once it parses.
 */
export function telemetryPlugin(options: { metrics: boolean }): TelemetryPlugin {
  const metrics = options.metrics ? new GatewayMetrics() : null;
  const log = rootLogger.child({ service: 'gateway' });
  const name = (request: HubRequest, type: string, operationName: string | null | undefined) => {
    request.operation = metrics ? metrics.operationLabel(operationName) : (operationName ?? ANONYMOUS_OPERATION);
    nameOperation(request.trace?.span, type, operationName);
  };
  const naming: GatewayPlugin = {
    onParams: ({ params, context }) => {
      const hub = hubRequestOf(context);
      if (hub) hub.operationName = params.operationName ?? null;
    },
    onValidate: ({ params, context }) => {
      const hub = hubRequestOf(context);
      const operation = hub && getOperationAST(params.documentAST, hub.operationName);
      if (hub && operation) name(hub, operation.operation, operation.name?.value);
    },
  };
  return {
    name: 'telemetry',
    metrics,
    async frontDoor(request, next) {
      const started = performance.now();
      request.trace = startRequestTrace('gateway', request.req);
      // A request that threw is answered 500 by the shell, after this step has returned.
      let status = 500;
      try {
        await withinTrace(request.trace, next);
        status = request.res.statusCode;
      } finally {
        const seconds = (performance.now() - started) / 1000;
        metrics?.recordRequest(request.operation, status, seconds, request.errors);
        endRequestTrace(request.trace, status, request.errors);
        log.info(
          {
            requestId: request.requestId,
            operationName: request.operationName,
            status,
            durationMs: Math.round(seconds * 10_000) / 10,
            errors: request.errors,
          },
          'graphql request',
        );
      }
    },
    runtime: [naming],
    // Each call is timed for the metrics and, when traced, gets a client span whose traceparent the
    // subgraph continues. The parent comes from the context Hive hands over, not from
    // AsyncLocalStorage alone, so a span is never lost to a scheduler that drops it.
    observe: ({ subgraph, url, method, headers, context }) => {
      const endSpan = startSubgraphCallTrace(hubRequestOf(context)?.trace?.context, subgraph, url, method, headers);
      if (!metrics && !endSpan) return undefined;
      const started = performance.now();
      return (outcome) => {
        const status = outcome.status ?? (outcome.timedOut ? 'timeout' : 'error');
        metrics?.recordSubgraphCall(subgraph, status, (performance.now() - started) / 1000);
        endSpan?.(outcome);
      };
    },
    adminRoutes: metrics
      ? { [METRICS_PATH]: (request) => (request.req.method === 'GET' ? metrics.respond(request.res) : undefined) }
      : {},
  };
}
