import { defineConfig } from 'vitest/config';
import { E2eSequencer } from './test/support/e2e-sequencer.ts';

// Unit tests sit beside the code (pure, milliseconds); integration and end-to-end tests live
// under test/ and share one DynamoDB Local started by the global setup.
export default defineConfig({
  test: {
    silent: 'passed-only',
    // The e2e files share one stack and one business clock: they run in a fixed order (test/support/e2e-sequencer.ts).
    sequence: { sequencer: E2eSequencer },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['shared/**/*.test.ts', 'functions/**/*.test.ts', 'scripts/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/support/stack-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 240_000,
          fileParallelism: false,
        },
      },
      {
        // The merchant console in Chromium (chromium-headless-shell + playwright-core) against the local stack.
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          globalSetup: ['test/browser/setup.ts'],
          // The page answers as fast as the stack does; 20 s before a poll gives up.
          expect: { poll: { timeout: 20_000, interval: 100 } },
          testTimeout: 120_000,
          hookTimeout: 240_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
