import { defineConfig } from 'vitest/config';

/**
 * Tests run the TypeScript sources, never the compiled dist/: workspace packages export their
 * sources under the `@nhs-hub/source` condition (see each package.json's `exports`).
 */
const SOURCE_CONDITION = '@nhs-hub/source';

/** One vitest configuration for every workspace: real databases take a few seconds to start. */
export default defineConfig({
  // Node's own conditions after ours: 'module' would pick ESM builds that Node itself cannot load.
  ssr: { resolve: { conditions: [SOURCE_CONDITION, 'node', 'development|production'] } },
  test: {
    testTimeout: 30_000,
    hookTimeout: 90_000,
    pool: 'forks',
    // Files run one after another: two cores, and each file starts its own database and servers.
    fileParallelism: false,
    env: {
      APOLLO_TELEMETRY_DISABLED: '1',
      // Processes a test starts with `node --import tsx` resolve the workspace packages to their sources too.
      NODE_OPTIONS: [process.env.NODE_OPTIONS, `--conditions=${SOURCE_CONDITION}`].filter(Boolean).join(' '),
    },
  },
});
