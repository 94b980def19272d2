/**
 * `@nhs-hub/kit/platform`: what every hub process needs, gateway and subgraphs alike: validated
 * environment, logging, tracing, the HTTP server shell (health, request id, body limit), bearer
 * tokens and scopes, error codes, heap tuning and the response-cache purge a data load sends.
 * Nothing here knows GraphQL federation; the gateway's own code lives in gateway/.
 */
export * from './auth.js';
export * from './cache-purge.js';
export * from './dev-token.js';
export * from './env.js';
export * from './errors.js';
export * from './graphql-http.js';
export * from './heap.js';
export * from './observability.js';
export * from './scalars.js';
export * from './server.js';
export * from './tracing.js';
export * from './client-address.js';
export * from './gateway-signature.js';
export * from './limits.js';
export * from './data-version.js';
