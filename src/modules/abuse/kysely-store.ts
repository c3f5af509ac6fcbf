// rate-limiter-flexible backed by our own store through Kysely, so the same limiter runs on the
// embedded SQLite (sharing its single writer) and on PostgreSQL (shared by every instance).
import { createRequire } from 'node:module';
import { sql, type Kysely } from 'kysely';
import { RateLimiterRes, type RateLimiterStoreAbstract as StoreAbstractType } from 'rate-limiter-flexible';
import { isPostgres } from '../../db/dialect.ts';
import { inSharedTransaction } from '../../db/group-commit.ts';
import type { DB } from '../../db/schema.ts';
import type { Clock } from '../../lib/clock.ts';

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
    const live = sql`(rate_limits.expire IS NULL OR rate_limits.expire > ${now})`;
    // SQLite: in the transaction shared with the other writes of the moment (db/group-commit.ts).
    const upsert = (db: Kysely<DB>) => db
      .insertInto('rate_limits')
      .values({ key, points, expire })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet(
          forceExpire
            ? { points, expire }
            : {
                points: sql<number>`CASE WHEN ${live} THEN rate_limits.points + excluded.points ELSE excluded.points END`,
                expire: sql<number | null>`CASE WHEN ${live} THEN rate_limits.expire ELSE excluded.expire END`,
              },
        ),
      )
      .returning(['points', 'expire'])
      .executeTakeFirstOrThrow();
    return isPostgres(this.db) ? upsert(this.db) : inSharedTransaction(this.db, upsert);
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

/** Removes windows that ended (called by the delivery worker's housekeeping). */
export async function purgeExpiredLimits(db: Kysely<DB>, now: number): Promise<void> {
  await db.deleteFrom('rate_limits').where('expire', '<', now).execute();
}
