// Group commit for the embedded SQLite store. SQLite has one writer, and what a short write
// transaction costs here is mostly its COMMIT (writing the changed pages to the WAL: ~0.4 ms on
// this kind of disk, against 15–50 µs for a statement). Transactions asked for at the same moment
// (the logins of 32 concurrent requests, the 100 jobs of one worker pass) therefore share one
// physical transaction: each runs inside its own SAVEPOINT, so one that fails is rolled back alone
// and its caller gets its error; every caller is answered only after the shared COMMIT, so
// "committed" means what it always meant. PostgreSQL runs each in its own transaction, as before
// (its connections work in parallel and it groups the WAL flushes of concurrent commits itself).
//
// Only for short work that touches nothing but the store: a transaction that waited on the network
// would hold up every other one in its group.
import { sql, type Kysely } from 'kysely';
import { isPostgres } from './dialect.ts';

type Work<T> = (trx: Kysely<any>) => Promise<T>;
interface Item {
  work: Work<unknown>;
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

/** Most transactions one COMMIT carries (bounds how long the event loop is held by one group). */
const MAX_GROUP = 256;

const groups = new WeakMap<Kysely<any>, (item: Item) => void>();

function groupFor(db: Kysely<any>): (item: Item) => void {
  let queue: Item[] = [];
  let busy = false;

  async function commitGroup(items: Item[]): Promise<void> {
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      await db.transaction().execute(async (trx) => {
        if (items.length === 1) {
          outcomes.push({ ok: true, value: await items[0]!.work(trx) });
          return;
        }
        for (const item of items) {
          await sql.raw('savepoint g').execute(trx);
          try {
            const value = await item.work(trx);
            await sql.raw('release g').execute(trx);
            outcomes.push({ ok: true, value });
          } catch (error) {
            await sql.raw('rollback to g').execute(trx);
            await sql.raw('release g').execute(trx);
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      // Nothing was committed: every caller learns why (a single one, its own error).
      items.forEach((item, i) => {
        const o = outcomes[i];
        item.reject(o && !o.ok ? o.error : error);
      });
      return;
    }
    items.forEach((item, i) => {
      const o = outcomes[i]!;
      if (o.ok) item.resolve(o.value);
      else item.reject(o.error);
    });
  }

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const items = queue.length <= MAX_GROUP ? queue : queue.slice(0, MAX_GROUP);
      queue = queue.length <= MAX_GROUP ? [] : queue.slice(MAX_GROUP);
      await commitGroup(items);
    }
    busy = false;
  }

  return (item) => {
    queue.push(item);
    if (busy) return;
    busy = true;
    // After the current I/O phase: the requests that arrived together are grouped.
    setImmediate(() => void drain());
  };
}

/**
 * Runs `work` in a transaction: the caller's when `db` already is one, else a fresh one on
 * PostgreSQL, else (SQLite) a transaction shared with the others asked for at the same moment.
 * Resolves after the commit; rejects with `work`'s own error, having rolled back only its writes.
 */
export function inSharedTransaction<T>(db: Kysely<any>, work: Work<T>): Promise<T> {
  if (db.isTransaction) return work(db);
  if (isPostgres(db)) return db.transaction().execute(work);
  let enqueue = groups.get(db);
  if (!enqueue) groups.set(db, (enqueue = groupFor(db)));
  return new Promise<T>((resolve, reject) => enqueue({ work, resolve: resolve as (v: unknown) => void, reject }));
}
