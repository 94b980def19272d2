import type { HubPlugin } from '../plugin.js';

/**
 * The request id (the front door's shell takes the caller's `x-request-id` or makes one) follows
 * the query into every subgraph, so one request's log lines join up across processes.
 */
export function requestIdPlugin(): HubPlugin {
  return { name: 'request-id', forward: (request) => ({ 'x-request-id': request.requestId }) };
}
