// The worker keeps PostgreSQL's table statistics fresh where autovacuum has not (db/statistics.ts):
// a store that grew from empty must not keep being planned as an empty one. Runs on SQLite too,
// where there is nothing to refresh.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sql } from 'kysely';
import { refreshStatistics } from '../../src/db/statistics.ts';
import { makeClient, makeShop } from '../helpers/factories.ts';
import { startTestServer, storeKind, type TestServer } from '../helpers/harness.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => t?.close());

const stats = async () =>
  (
    await sql<{ reltuples: number; changed: number; analyzed: boolean }>`
      SELECT c.reltuples::float8 AS reltuples, s.n_mod_since_analyze::int AS changed, s.last_analyze IS NOT NULL AS analyzed
      FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
      WHERE s.schemaname = current_schema() AND s.relname = 'clients'`.execute(t.db)
  ).rows[0]!;

describe(`table statistics (${storeKind})`, () => {
  it.runIf(storeKind === 'sqlite')('has nothing to refresh on SQLite', async () => {
    expect(await refreshStatistics(t.db)).toEqual([]);
  });

  it.runIf(storeKind === 'postgres')('analyzes a table that grew past autovacuum’s threshold, from the worker, once', async () => {
    // Autovacuum (off on this machine, on in most) must not get there first during the test.
    await sql`ALTER TABLE clients SET (autovacuum_enabled = false)`.execute(t.db);
    const shop = await makeShop(t);
    for (let i = 0; i < 120; i++) await makeClient(t, shop.id);
    // Each session's counts reach the statistics views when it flushes them (up to ~10 s on).
    for (let i = 0; i < 150 && (await stats()).changed < 120; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await stats()).changed).toBeGreaterThanOrEqual(120);
    expect((await stats()).analyzed).toBe(false);

    t.clock.advance(60_000);
    await t.worker.runOnce();
    await vi.waitFor(async () => expect((await stats()).analyzed).toBe(true), { timeout: 10_000, interval: 50 }); // beside the deliveries
    const after = await stats();
    expect(after.reltuples).toBeGreaterThanOrEqual(120);
    expect(after.changed).toBe(0);
    // Nothing is stale any more: a second look analyzes nothing.
    expect(await refreshStatistics(t.db)).not.toContain('clients');
  });
});
