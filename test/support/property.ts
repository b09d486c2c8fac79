/**
 * Per-test timeout of property tests (fast-check). Their runs are CPU-bound: on a loaded machine
 * (parallel integration runs on 2 cores) they can take longer than vitest's 5 s default, so each
 * gets this generous explicit timeout instead; what they check (runs, generators) is unchanged.
 */
export const PROPERTY_TIMEOUT_MS = 60_000;
