// Writes collected from many units of work (the jobs of one worker batch) and written together in
// one transaction: one multi-row INSERT per table and one UPDATE per distinct change, instead of a
// statement per row. On PostgreSQL every statement is a round trip, and on both stores each one
// costs Kysely's building and compiling; a batch of 50 login dispatches goes from ~400 statements
// to ~8. Callers add rows synchronously (ids are made by the caller) and `flush` writes them.
import type { Insertable, Kysely, Updateable } from 'kysely';
import { coalesce } from '../lib/coalesce.ts';
import { inBatches } from './batches.ts';
import { inSharedTransaction } from './group-commit.ts';
import type { DB } from './schema.ts';

type Table = keyof DB & string;
type TablesWithId = { [T in Table]: DB[T] extends { id: unknown } ? T : never }[Table];

export class Writes {
  /** Rows per table, in the order the tables were first added (a parent before its children). */
  readonly #inserts = new Map<Table, Record<string, unknown>[]>();
  /** Ids per (table, change): rows given the very same change are updated by one statement. */
  readonly #updates = new Map<string, { table: Table; set: Record<string, unknown>; ids: string[] }>();
  readonly #flushed: (() => void)[] = [];

  insert<T extends Table>(table: T, ...rows: Insertable<DB[T]>[]): void {
    if (rows.length === 0) return;
    const list = this.#inserts.get(table);
    if (list) list.push(...(rows as Record<string, unknown>[]));
    else this.#inserts.set(table, [...(rows as Record<string, unknown>[])]);
  }

  /** Sets columns of the row with this id (after every insert of the batch). */
  update<T extends TablesWithId>(table: T, id: string, set: Updateable<DB[T]>): void {
    const key = `${table}\u0000${JSON.stringify(set)}`;
    const group = this.#updates.get(key);
    if (group) group.ids.push(id);
    else this.#updates.set(key, { table, set: set as Record<string, unknown>, ids: [id] });
  }

  /** Called once the rows are written (still inside the transaction), e.g. to tell listeners. */
  onFlushed(fn: () => void): void {
    this.#flushed.push(fn);
  }

  /** Writes everything, in the caller's transaction. */
  async flush(trx: Kysely<DB>): Promise<void> {
    const db = trx as unknown as Kysely<any>;
    for (const [table, rows] of this.#inserts) {
      for (const chunk of inBatches(rows, Object.keys(rows[0]!).length)) await db.insertInto(table).values(chunk).execute();
    }
    for (const { table, set, ids } of this.#updates.values()) {
      for (const chunk of inBatches(ids, 1, Object.keys(set).length)) await db.updateTable(table).set(set).where('id', 'in', chunk).execute();
    }
    for (const fn of this.#flushed) fn();
  }
}

type Add = (w: Writes) => void;
const queues = new WeakMap<Kysely<DB>, (add: Add) => Promise<unknown>>();

/**
 * Writes that need nothing back from the store (a login request, its job and its audit row; a
 * development-outbox copy) given at the same moment by many callers — the concurrent requests of
 * one turn of the event loop — are written in one transaction, a multi-row statement per table.
 * Every caller is answered after the commit. If the shared transaction fails, each caller's writes
 * are tried alone, so one caller at fault fails alone. Inside a transaction, writes join it.
 */
export async function writeTogether(db: Kysely<DB>, add: Add): Promise<void> {
  if (db.isTransaction) {
    const w = new Writes();
    add(w);
    return w.flush(db);
  }
  let queue = queues.get(db);
  if (!queue) {
    // SQLite: in the transaction shared with the other writes of the moment (db/group-commit.ts).
    const once = (adds: Add[]) =>
      inSharedTransaction(db, async (trx) => {
        const w = new Writes();
        for (const a of adds) a(w);
        await w.flush(trx);
      });
    queue = coalesce(async (adds: Add[]): Promise<unknown[]> => {
      try {
        await once(adds);
        return adds.map(() => null);
      } catch (err) {
        if (adds.length === 1) return [err];
        return Promise.all(adds.map((a) => once([a]).then(() => null, (e: unknown) => e)));
      }
    });
    queues.set(db, queue);
  }
  const error = await queue(add);
  if (error) throw error;
}
