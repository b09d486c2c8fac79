import type { Job } from '#app/command';

/**
 * The `ttl` job (hourly): items carry `expiresAt` (epoch seconds) where they should disappear by
 * themselves — idempotency records, wrong-code counters, sent outbox entries, job runs. DynamoDB
 * removes them by TTL (deploy/table.json); CloudBase has no TTL, so its store removes them here.
 * On a store that expires items itself the job does nothing.
 */
export const ttlJob: Job = {
  name: 'ttl',
  async run(deps) {
    if (!deps.store.removeExpired) return { removed: 0, nativeTtl: true };
    return { removed: await deps.store.removeExpired(Math.floor(deps.clock.now() / 1000)) };
  },
};
