import { defineConfig } from 'vitest/config';

/** One vitest configuration for every workspace: real databases take a few seconds to start. */
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 90_000,
    pool: 'forks',
    // Files run one after another: two cores, and each file starts its own database and servers.
    fileParallelism: false,
    env: { APOLLO_TELEMETRY_DISABLED: '1' },
  },
});
