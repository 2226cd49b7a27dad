import { defineConfig } from 'vitest/config';

// The machine has two cores; model-heavy test files run two at a time at most. Tests load real models and
// start real servers, so their timeouts are generous (no test asserts on time).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Browser and server tests poll for what the page shows; a loaded two-core machine needs more than a second.
    expect: { poll: { timeout: 15_000, interval: 50 } },
  },
});
