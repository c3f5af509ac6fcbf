// rate-limiter-flexible backed by our own store through Kysely, so the same limiter runs on the
// embedded SQLite (sharing its single writer) and on PostgreSQL (shared by every instance).
import { createRequire } from 'node:module';
import { sql, type Kysely } from 'kysely';
import { RateLimiterRes, type RateLimiterStoreAbstract as StoreAbstractType } from 'rate-limiter-flexible';
import { isPostgres } from '../../db/dialect.ts';
import { inSharedTransaction } from '../../db/group-commit.ts';
import type { DB } from '../../db/schema.ts';
import type { Clock } from '../../lib/clock.ts';
import { coalesce } from '../../lib/coalesce.ts';
import { inBatches } from '../../db/batches.ts';

// The library implements each store by extending this class, which its index does not export.
const StoreAbstract = createRequire(import.meta.url)('rate-limiter-flexible/lib/RateLimiterStoreAbstract.js') as typeof StoreAbstractType;

interface Row {
  points: number;
  expire: number | null;
}

export class RateLimiterKysely extends StoreAbstract {
  private readonly db: Kysely<DB>;
  private readonly clock: Clock;

  constructor(opts: { db: Kysely<DB>; clock: Clock; keyPrefix: string; points: number; duration: number }) {
    super({ storeClient: opts.db, keyPrefix: opts.keyPrefix, points: opts.points, duration: opts.duration });
    this.db = opts.db;
    this.clock = opts.clock;
  }

  _getRateLimiterRes(_key: string, changedPoints: number, row: Row): RateLimiterRes {
    const consumed = Number(row.points);
    const res = new RateLimiterRes(
      Math.max(this.points - consumed, 0),
      row.expire === null ? -1 : Math.max(Number(row.expire) - this.clock.now(), 0),
      consumed,
      consumed === changedPoints,
    );
    return res;
  }

  /** One atomic statement: start a new window when the old one ended, else add to it. */
  async _upsert(key: string, points: number, msDuration: number, forceExpire = false): Promise<Row> {
    const now = this.clock.now();
    const expire = msDuration > 0 ? now + msDuration : null;
    if (forceExpire) {
      return onStore(this.db, (db) => db.insertInto('rate_limits').values({ key, points, expire }).onConflict((oc) => oc.column('key').doUpdateSet({ points, expire })).returning(['points', 'expire']).executeTakeFirstOrThrow());
    }
    return upserterFor(this.db)({ key, points, expire, now });
  }

  async _get(key: string): Promise<Row | null> {
    const row = await this.db.selectFrom('rate_limits').select(['points', 'expire']).where('key', '=', key).executeTakeFirst();
    if (!row || (row.expire !== null && row.expire <= this.clock.now())) return null;
    return row;
  }

  async _delete(key: string): Promise<boolean> {
    const r = await this.db.deleteFrom('rate_limits').where('key', '=', key).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}

/**
 * One statement's worth of work: on PostgreSQL on its own (autocommit: a transaction would add two
 * round trips), on SQLite in the transaction shared with the other writes of the moment
 * (db/group-commit.ts).
 */
function onStore<T>(db: Kysely<DB>, work: (db: Kysely<DB>) => Promise<T>): Promise<T> {
  return isPostgres(db) ? work(db) : inSharedTransaction(db, work);
}

interface Count {
  key: string;
  points: number;
  expire: number | null;
  now: number;
}

/**
 * The counts asked for in one turn of the event loop (the two limits of each login in a worker
 * batch, the per-IP limits of concurrent requests) go in one multi-row upsert. A key asked for
 * twice in a turn is counted in a second statement: one statement may not update a row twice.
 *
 * Every statement takes its rows in key order. On PostgreSQL two upserts running at once (two
 * turns, two processes) that took the same rows in different orders deadlocked, and the statement
 * PostgreSQL chose to fail took every request counted in it down with a 500.
 */
const upserters = new WeakMap<Kysely<DB>, (c: Count) => Promise<Row>>();
function upserterFor(db: Kysely<DB>): (c: Count) => Promise<Row> {
  let upsert = upserters.get(db);
  if (upsert) return upsert;
  const once = async (trx: Kysely<DB>, counts: Count[]): Promise<Map<string, Row>> => {
    const now = Math.max(...counts.map((c) => c.now));
    const live = sql`(rate_limits.expire IS NULL OR rate_limits.expire > ${now})`;
    const out = new Map<string, Row>();
    const ordered = [...counts].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const chunk of inBatches(ordered, 3, 1)) {
      const rows = await trx
        .insertInto('rate_limits')
        .values(chunk.map(({ key, points, expire }) => ({ key, points, expire })))
        .onConflict((oc) =>
          oc.column('key').doUpdateSet({
            points: sql<number>`CASE WHEN ${live} THEN rate_limits.points + excluded.points ELSE excluded.points END`,
            expire: sql<number | null>`CASE WHEN ${live} THEN rate_limits.expire ELSE excluded.expire END`,
          }),
        )
        .returning(['key', 'points', 'expire'])
        .execute();
      for (const r of rows) out.set(r.key, { points: r.points, expire: r.expire });
    }
    return out;
  };
  upsert = coalesce(async (counts: Count[]) => {
    const results: Row[] = new Array(counts.length);
    let todo = counts.map((c, i) => ({ c, i }));
    while (todo.length) {
      const seen = new Set<string>();
      const round: typeof todo = [];
      const later: typeof todo = [];
      for (const x of todo) (seen.has(x.c.key) ? later : (seen.add(x.c.key), round)).push(x);
      const rows = await onStore(db, (trx) => once(trx, round.map((x) => x.c)));
      for (const x of round) results[x.i] = rows.get(x.c.key)!;
      todo = later;
    }
    return results;
  });
  upserters.set(db, upsert);
  return upsert;
}

/** Removes windows that ended (one of the delivery worker's chores). */
export async function purgeExpiredLimits(db: Kysely<DB>, now: number): Promise<void> {
  await db.deleteFrom('rate_limits').where('expire', '<', now).execute();
}
