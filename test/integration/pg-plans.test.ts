// Issue 12: on PostgreSQL, statements with parameters are sent as named prepared statements, so
// each connection parses a text once (db/database.ts, reusePlans). A migration run by another
// process while this one serves can change what a prepared `SELECT *` returns; PostgreSQL then
// refuses the old plan ("cached plan must not change result type"). The statement must be
// prepared again and answer, not fail.
import { afterAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { makeShop } from '../helpers/factories.ts';
import { startTestServer, storeKind, type TestServer } from '../helpers/harness.ts';

let t: TestServer | undefined;
afterAll(async () => {
  await t?.close();
});

describe.runIf(storeKind === 'postgres')('prepared statements on PostgreSQL', () => {
  it('answers after a migration changed the columns of a prepared SELECT *', async () => {
    t = await startTestServer({ seed: false });
    const shop = await makeShop(t);
    const read = () => Promise.all(Array.from({ length: 30 }, () => t!.db.selectFrom('tenants').selectAll().where('id', '=', shop.id).executeTakeFirstOrThrow()));
    // Prepared on every connection of the pool (several times each: PostgreSQL keeps a plan after 5).
    for (let i = 0; i < 6; i++) await read();
    await sql`ALTER TABLE tenants ADD COLUMN added_by_migration text NOT NULL DEFAULT 'x'`.execute(t.db);
    const after = await read();
    expect(after.every((r) => r.id === shop.id && (r as Record<string, unknown>).added_by_migration === 'x')).toBe(true);
    await sql`ALTER TABLE tenants DROP COLUMN added_by_migration`.execute(t.db);
    expect((await read()).every((r) => r.id === shop.id && !('added_by_migration' in r))).toBe(true);
  });
});
