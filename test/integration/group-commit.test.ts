// Issue 12: transactions asked for at the same moment share one COMMIT on SQLite
// (db/group-commit.ts). Sharing must not change what a transaction means: each one's writes land
// or vanish as a whole, one that fails takes nobody else's writes with it, and nobody is told
// "done" before the commit.
import { afterEach, describe, expect, it } from 'vitest';
import SQLite from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { openStore } from '../../src/compose.ts';
import { inSharedTransaction } from '../../src/db/group-commit.ts';
import { writeTogether, Writes } from '../../src/db/writes.ts';
import { newId } from '../../src/lib/ids.ts';
import { makeClient, makeShop } from '../helpers/factories.ts';
import { sqliteReader } from '../../src/db/database.ts';
import type { DB } from '../../src/db/schema.ts';
import { startTestServer, storeKind, testEnv, type TestServer } from '../helpers/harness.ts';

const servers: TestServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

/** Writes one rate-limit row (a table with no foreign keys) — a stand-in for any short write. */
const write = (trx: Kysely<DB>, key: string) => trx.insertInto('rate_limits').values({ key, points: 1, expire: null }).execute();
const keys = async (t: TestServer, prefix: string) =>
  (await t.db.selectFrom('rate_limits').select('key').where('key', 'like', `${prefix}%`).orderBy('key').execute()).map((r) => r.key);

describe(`shared transactions (${storeKind})`, () => {
  it('one that fails is rolled back alone: the others commit, each caller gets its own outcome', async () => {
    const t = await startTestServer({ seed: false });
    servers.push(t);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        inSharedTransaction(t.db, async (trx) => {
          await write(trx, `g1:${String(i).padStart(2, '0')}:a`);
          await write(trx, `g1:${String(i).padStart(2, '0')}:b`);
          if (i % 5 === 3) throw new Error(`refused ${i}`);
          return i * 10;
        }),
      ),
    );
    outcomes.forEach((o, i) => {
      if (i % 5 === 3) expect(o).toEqual({ status: 'rejected', reason: new Error(`refused ${i}`) });
      else expect(o).toEqual({ status: 'fulfilled', value: i * 10 });
    });
    // Both writes of every transaction that succeeded, and neither write of one that failed.
    const expected = Array.from({ length: 20 }, (_, i) => i)
      .filter((i) => i % 5 !== 3)
      .flatMap((i) => [`g1:${String(i).padStart(2, '0')}:a`, `g1:${String(i).padStart(2, '0')}:b`]);
    expect(await keys(t, 'g1:')).toEqual(expected);
  });

  it('a failed write statement rolls back only its own transaction', async () => {
    const t = await startTestServer({ seed: false });
    servers.push(t);
    const outcomes = await Promise.allSettled([
      inSharedTransaction(t.db, (trx) => write(trx, 'g2:first')),
      // The same key twice: the primary key refuses the second insert, after the first landed.
      inSharedTransaction(t.db, async (trx) => {
        await write(trx, 'g2:dup-then');
        await write(trx, 'g2:first');
      }),
      inSharedTransaction(t.db, (trx) => write(trx, 'g2:last')),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await keys(t, 'g2:')).toEqual(['g2:first', 'g2:last']);
  });

  it("inside a caller's transaction it joins it, and is rolled back with it", async () => {
    const t = await startTestServer({ seed: false });
    servers.push(t);
    await expect(
      t.db.transaction().execute(async (trx) => {
        await inSharedTransaction(trx, (inner) => write(inner, 'g3:joined'));
        expect(await trx.selectFrom('rate_limits').select('key').where('key', '=', 'g3:joined').executeTakeFirst()).toEqual({ key: 'g3:joined' });
        throw new Error('the caller gives up');
      }),
    ).rejects.toThrow('the caller gives up');
    expect(await keys(t, 'g3:')).toEqual([]);
  });

  it.runIf(storeKind === 'sqlite')('concurrent transactions share a few commits, and each caller is answered after its rows are committed', async () => {
    const t = await startTestServer({ seed: false });
    servers.push(t);
    const file = (sqliteReader(t.db) as SQLite.Database).name;
    // Another connection: data_version moves once per commit made by other connections.
    const other = new SQLite(file, { readonly: true });
    try {
      const version = () => other.pragma('data_version', { simple: true }) as number;
      const before = version();
      await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          await inSharedTransaction(t.db, (trx) => write(trx, `g4:${String(i).padStart(2, '0')}`));
          // Answered: the row is already visible to a connection outside the group.
          expect((other.prepare('select count(*) as n from rate_limits where key = ?').get(`g4:${String(i).padStart(2, '0')}`) as { n: number }).n).toBe(1);
        }),
      );
      expect(await keys(t, 'g4:')).toHaveLength(50);
      // Fifty transactions asked for at once: one commit (a second if a group filled up), not fifty.
      expect(version() - before).toBeLessThanOrEqual(2);
      expect(version() - before).toBeGreaterThanOrEqual(1);
    } finally {
      other.close();
    }
  });

  // writeTogether (db/writes.ts): the rows of concurrent callers go in one multi-row statement per
  // table. A statement carrying everyone's rows fails as a whole, so each caller is then tried alone.
  it('rows written together: a caller whose row is refused fails alone, the others land', async () => {
    const t = await startTestServer({ seed: false });
    servers.push(t);
    await write(t.db, 'g4:taken');
    const outcomes = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) =>
        writeTogether(t.db, (w) => {
          w.insert('rate_limits', { key: `g4:${String(i).padStart(2, '0')}`, points: i, expire: null });
          if (i === 7) w.insert('rate_limits', { key: 'g4:taken', points: 1, expire: null }); // the primary key refuses it
          if (i === 11) throw new Error('cannot build its rows');
        }),
      ),
    );
    outcomes.forEach((o, i) => expect(o.status).toBe(i === 7 || i === 11 ? 'rejected' : 'fulfilled'));
    expect((outcomes[11] as PromiseRejectedResult).reason).toEqual(new Error('cannot build its rows'));
    const landed = Array.from({ length: 30 }, (_, i) => i).filter((i) => i !== 7 && i !== 11);
    expect(await keys(t, 'g4:')).toEqual([...landed.map((i) => `g4:${String(i).padStart(2, '0')}`), 'g4:taken']);
    // Each landed row is its caller's own (points = its index), visible once the caller is answered.
    const points = await t.db.selectFrom('rate_limits').select(['key', 'points']).where('key', 'like', 'g4:__').execute();
    expect(points.every((r) => r.points === Number(r.key.slice(3)))).toBe(true);
  });
});

// On PostgreSQL a flush that fits is one statement (WITH … INSERT …, … UPDATE … SELECT 1), run on
// its own without BEGIN/COMMIT: it must still be all or nothing, a child row may come before its
// parent, and an update applies to a row that was there before.
describe.runIf(storeKind === 'postgres')('writes in one statement (postgres)', () => {
  it('lands whole or not at all, parents and children in any order, with its updates', async () => {
    const t = await startTestServer({ seed: false });
    servers.push(t);
    const shop = await makeShop(t);
    const client = await makeClient(t, shop.id);
    const tenantRow = await t.db.selectFrom('tenants').selectAll().where('id', '=', shop.id).executeTakeFirstOrThrow();
    const clientRow = await t.db.selectFrom('clients').selectAll().where('id', '=', client.id).executeTakeFirstOrThrow();
    const copy = (n: number) => {
      const w = new Writes();
      const tenantId = newId();
      w.insert('clients', { ...clientRow, id: newId(), tenant_id: tenantId, email: `copy${n}@example.com` }); // the child first
      w.insert('tenants', { ...tenantRow, id: tenantId, slug: `copy-${n}` });
      w.update('tenants', shop.id, { name: `Renamed ${n}` });
      return { w, tenantId };
    };
    const ok = copy(1);
    expect(ok.w.isOneStatement(t.db)).toBe(true);
    await ok.w.flush(t.db);
    expect((await t.db.selectFrom('clients').select('email').where('tenant_id', '=', ok.tenantId).execute()).map((r) => r.email)).toEqual(['copy1@example.com']);
    expect((await t.db.selectFrom('tenants').select('name').where('id', '=', shop.id).executeTakeFirstOrThrow()).name).toBe('Renamed 1');

    const bad = copy(2);
    await write(t.db, 'one-statement:taken');
    bad.w.insert('rate_limits', { key: 'one-statement:taken', points: 1, expire: null }); // the primary key refuses it
    await expect(bad.w.flush(t.db)).rejects.toThrow(/duplicate key/);
    expect(await t.db.selectFrom('tenants').select('id').where('id', '=', bad.tenantId).execute()).toEqual([]);
    expect(await t.db.selectFrom('clients').select('id').where('tenant_id', '=', bad.tenantId).execute()).toEqual([]);
    expect((await t.db.selectFrom('tenants').select('name').where('id', '=', shop.id).executeTakeFirstOrThrow()).name).toBe('Renamed 1');
  });
});

describe.runIf(storeKind === 'sqlite')('checkpoints from a thread (sqlite)', () => {
  it('a long-lived process has its write-ahead log copied into the database file by the thread, not by its commits', async () => {
    const { env, dir } = testEnv();
    const file = join(dir, 'test.db');
    const db = await openStore(loadConfig(env), { backgroundCheckpoints: true });
    try {
      const before = statSync(file).size;
      // ~2.4 MB of rows (~600 pages): below SQLite's default mark (1,000 pages) and far below the
      // main connection's own (16,000), so only the thread can have copied them into the file.
      for (let i = 0; i < 6; i++) {
        await inSharedTransaction(db, (trx) => trx.insertInto('rate_limits').values(Array.from({ length: 50 }, (_, j) => ({ key: `${i}:${j}:${'x'.repeat(4000)}`, points: 1, expire: null }))).execute());
      }
      await expect.poll(() => statSync(file).size, { timeout: 5000, interval: 100 }).toBeGreaterThan(before + 2_000_000);
      expect(await db.selectFrom('rate_limits').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).toEqual({ n: 300 });
    } finally {
      await db.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
