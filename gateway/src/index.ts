/** `@nhs-hub/gateway`: the hub's gateway, for launchers and benchmarks (tests: `@nhs-hub/gateway/testing`). */
export * from './gateway.js';
