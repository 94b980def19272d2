/**
 * `@nhs-hub/kit` is an alias of `@nhs-hub/kit/subgraph`, kept so an import written before the entry
 * points were named still works. New code names its entry point: `./subgraph` in a subgraph,
 * `./platform` for what every process needs (the gateway included), `./testing` in tests.
 */
export * from './subgraph.js';
