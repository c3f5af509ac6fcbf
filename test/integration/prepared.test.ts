// Issue 12: statements built once and reused with new values (db/prepared.ts). Reusing a compiled
// text must never reuse a value: every call writes and reads exactly what it was given, and a
// statement of another shape (more rows, other columns) gets a text of its own.
import { afterEach, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { compiledShapes, ofShape, prepared } from '../../src/db/prepared.ts';
import { Writes } from '../../src/db/writes.ts';
import { inSharedTransaction } from '../../src/db/group-commit.ts';
import type { DB } from '../../src/db/schema.ts';
import { startTestServer, storeKind, type TestServer } from '../helpers/harness.ts';

const servers: TestServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});
async function store(): Promise<Kysely<DB>> {
  const t = await startTestServer({ seed: false });
  servers.push(t);
  return t.db;
}
const limits = (db: Kysely<DB>, prefix: string) =>
  db.selectFrom('rate_limits').select(['key', 'points', 'expire']).where('key', 'like', `${prefix}%`).orderBy('key').execute();

describe(`queries compiled once (${storeKind})`, () => {
  it('prepared: built once, each call answered with its own values', async () => {
    const db = await store();
    await db
      .insertInto('rate_limits')
      .values([
        { key: 'p:a', points: 1, expire: 10 },
        { key: 'p:b', points: 2, expire: 20 },
      ])
      .execute();
    let builds = 0;
    const byKey = prepared<{ key: string; min: number }, { key: string; points: number }>((qdb, v) => {
      builds++;
      return qdb.selectFrom('rate_limits').select(['key', 'points']).where('key', '=', v.key).where('points', '>=', v.min);
    });
    expect(await byKey(db, { key: 'p:a', min: 0 })).toEqual([{ key: 'p:a', points: 1 }]);
    expect(await byKey(db, { key: 'p:b', min: 0 })).toEqual([{ key: 'p:b', points: 2 }]);
    expect(await byKey(db, { key: 'p:b', min: 3 })).toEqual([]);
    expect(builds).toBe(1);
    // A value the caller forgot is an error, not the value of an earlier call.
    await expect(byKey(db, { key: 'p:a' } as never)).rejects.toThrow(/no value for min/);
  });

  it('ofShape: one text per shape, every call with its own values', async () => {
    const db = await store();
    let builds = 0;
    const insert = (rows: { key: string; points: number; expire: number | null }[]) => {
      const values = rows.flatMap((r) => [r.key, r.points, r.expire]);
      return db.executeQuery(
        ofShape(db as Kysely<any>, `test insert ×${rows.length}`, values, (slot) => {
          builds++;
          return db.insertInto('rate_limits').values(rows.map((_, i) => ({ key: slot(3 * i) as string, points: slot(3 * i + 1) as number, expire: slot(3 * i + 2) as number | null })));
        }),
      );
    };
    await insert([{ key: 's:1', points: 1, expire: null }]);
    await insert([{ key: 's:2', points: 2, expire: 200 }]);
    await insert([
      { key: 's:3', points: 3, expire: 300 },
      { key: 's:4', points: 4, expire: null },
    ]);
    expect(builds).toBe(2); // one row, then two rows
    expect(await limits(db, 's:')).toEqual([
      { key: 's:1', points: 1, expire: null },
      { key: 's:2', points: 2, expire: 200 },
      { key: 's:3', points: 3, expire: 300 },
      { key: 's:4', points: 4, expire: null },
    ]);
  });

  it('ofShape: the compiled texts kept stay under their byte budget, the oldest dropped first', async () => {
    const db = (await store()) as Kysely<any>;
    // Shapes of 1…400 rows of four values: ~17 MB of texts and values, counted as above, if all were kept.
    for (let rows = 1; rows <= 400; rows++) {
      const values = Array.from({ length: rows * 4 }, (_, i) => i);
      const q = ofShape(db, `budget test ×${rows}`, values, (slot) => db.selectNoFrom((eb) => Array.from({ length: rows * 4 }, (_, i) => eb.val(slot(i)).as(`v${i}`))));
      expect(q.parameters).toEqual(values);
    }
    const kept = compiledShapes(db);
    expect(kept.bytes).toBeLessThanOrEqual(kept.maxBytes);
    expect(kept.bytes).toBeGreaterThan(kept.maxBytes / 2);
    // The newest shape is still there: asking for it again builds nothing.
    let built = false;
    ofShape(db, 'budget test ×400', [], () => ((built = true), db.selectNoFrom((eb) => eb.val(1).as('x'))));
    expect(built).toBe(false);
  });

  it('Writes: batches of the same shape write their own rows and updates; rows with other columns get the defaults', async () => {
    const db = await store();
    const flush = (fill: (w: Writes) => void) =>
      inSharedTransaction(db, async (trx) => {
        const w = new Writes();
        fill(w);
        await w.flush(trx);
      });
    for (const round of [1, 2, 3]) {
      await flush((w) => {
        w.insert('rate_limits', { key: `w:${round}:a`, points: round, expire: round * 100 }, { key: `w:${round}:b`, points: round * 10, expire: null });
        w.insert('audit_events', { tenant_id: null, client_id: null, actor: 'system', action: `test.round${round}`, subject_id: `r${round}`, data: JSON.stringify({ round }), ip: null, created_at: round });
      });
    }
    expect(await limits(db, 'w:')).toEqual([
      { key: 'w:1:a', points: 1, expire: 100 },
      { key: 'w:1:b', points: 10, expire: null },
      { key: 'w:2:a', points: 2, expire: 200 },
      { key: 'w:2:b', points: 20, expire: null },
      { key: 'w:3:a', points: 3, expire: 300 },
      { key: 'w:3:b', points: 30, expire: null },
    ]);
    const audit = await db.selectFrom('audit_events').select(['action', 'subject_id', 'data', 'created_at']).where('action', 'like', 'test.round%').orderBy('created_at').execute();
    expect(audit).toEqual([1, 2, 3].map((r) => ({ action: `test.round${r}`, subject_id: `r${r}`, data: JSON.stringify({ round: r }), created_at: r })));

    // Updates of the same shape, each with its own ids and values.
    const jobs = ['j1', 'j2', 'j3'];
    await flush((w) => w.insert('jobs', ...jobs.map((id) => ({ id, kind: 'test', login_request_id: null, payload_enc: null, status: 'queued' as const, run_after: 0, attempts: 0, locked_until: null, not_after: null, last_error: null, created_at: 0 }))));
    await flush((w) => w.update('jobs', 'j1', { status: 'done', attempts: 1 }));
    await flush((w) => w.update('jobs', 'j3', { status: 'failed', attempts: 7 }));
    expect(await db.selectFrom('jobs').select(['id', 'status', 'attempts']).where('id', 'in', jobs).orderBy('id').execute()).toEqual([
      { id: 'j1', status: 'done', attempts: 1 },
      { id: 'j2', status: 'queued', attempts: 0 },
      { id: 'j3', status: 'failed', attempts: 7 },
    ]);

    // A row that leaves a column out gets the column's default (here NULL), as Kysely builds it.
    await flush((w) => w.insert('rate_limits', { key: 'w:x:full', points: 5, expire: 5 }, { key: 'w:x:short', points: 6 } as never));
    expect(await limits(db, 'w:x:')).toEqual([
      { key: 'w:x:full', points: 5, expire: 5 },
      { key: 'w:x:short', points: 6, expire: null },
    ]);
    // An expression in an update is built into the statement each time, not frozen.
    await flush((w) => w.update('jobs', 'j2', { attempts: sql<number>`attempts + 5` as never }));
    await flush((w) => w.update('jobs', 'j2', { attempts: sql<number>`attempts + 2` as never }));
    expect((await db.selectFrom('jobs').select('attempts').where('id', '=', 'j2').executeTakeFirstOrThrow()).attempts).toBe(7);
  });
});
