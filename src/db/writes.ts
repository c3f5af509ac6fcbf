// Writes collected from many units of work (the jobs of one worker batch) and written together in
// one transaction: one multi-row INSERT per table and one UPDATE per distinct change, instead of a
// statement per row. On PostgreSQL every statement is a round trip, and on both stores each one
// costs Kysely's building and compiling; a batch of 50 login dispatches goes from ~400 statements
// to ~8. Callers add rows synchronously (ids are made by the caller) and `flush` writes them.
//
// On PostgreSQL the whole flush is one statement when it fits (`WITH w0 AS (INSERT …), w1 AS
// (UPDATE …) SELECT 1`): every statement is a round trip and, on this kind of machine, a socket
// write that costs the server ~90 µs of CPU (profiled), so the login requests of one moment are
// one statement instead of one per table inside BEGIN … COMMIT. Sub-statements of one statement
// all see the rows as they were before it, so an update of a row inserted by the same flush (none
// do today) falls back to a statement each; foreign keys are checked at the end of the statement,
// so a child row may come before its parent.
import { sql, type Insertable, type Kysely, type Updateable } from 'kysely';
import { coalesce } from '../lib/coalesce.ts';
import { inBatches, MAX_BOUND_PARAMETERS } from './batches.ts';
import { isPostgres } from './dialect.ts';
import { ofShape } from './prepared.ts';
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

  /** True when there is nothing to write. */
  get #empty(): boolean {
    return this.#inserts.size === 0 && this.#updates.size === 0;
  }

  /**
   * On PostgreSQL, whether `flush` is one statement (then it needs no transaction of its own: one
   * statement is atomic). False on SQLite, where statements cost no round trip, and when empty.
   */
  isOneStatement(db: Kysely<DB>): boolean {
    if (this.#empty || !isPostgres(db)) return false;
    let params = 0;
    for (const rows of this.#inserts.values()) params += rows.length * Object.keys(rows[0]!).length;
    for (const { set, ids } of this.#updates.values()) params += ids.length + Object.keys(set).length;
    if (params > MAX_BOUND_PARAMETERS) return false;
    // An update must see the rows inserted before it: not so within one statement.
    for (const { table, ids } of this.#updates.values()) {
      const rows = this.#inserts.get(table);
      if (rows && ids.some((id) => rows.some((r) => r.id === id))) return false;
    }
    return true;
  }

  /** Writes everything, in the caller's transaction (or alone, when it is one statement); nothing when empty. */
  async flush(trx: Kysely<DB>): Promise<void> {
    const db = trx as unknown as Kysely<any>;
    const inserts = [...this.#inserts].map(([table, rows]) => ({ table, rows, columns: columnsOf(rows) }));
    const updates = [...this.#updates.values()];
    // Rows whose columns differ, or values that are expressions, are built by Kysely each time.
    const plain = (u: { set: Record<string, unknown> }) => Object.values(u.set).every(isPlainValue);
    if (this.isOneStatement(trx)) {
      if (!updates.every(plain) || !inserts.every((i) => i.columns)) {
        await oneStatement(db, inserts, updates).execute();
      } else {
        const values: unknown[] = [];
        const shape = ['with'];
        for (const i of inserts) shape.push(insertShape(i.table, i.columns!, i.rows, values));
        for (const u of updates) shape.push(updateShape(u.table, u.set, u.ids, values));
        await db.executeQuery(
          ofShape(db, shape.join('\u0000'), values, (slot) => {
            let at = 0;
            const slotted = inserts.map(({ table, columns, rows }) => {
              const [r, next] = slotRows(columns!, rows.length, at, slot);
              at = next;
              return { table, rows: r };
            });
            const slottedUpdates = updates.map(({ table, set, ids }) => {
              const [s, i, next] = slotUpdate(set, ids.length, at, slot);
              at = next;
              return { table, set: s, ids: i };
            });
            return oneStatement(db, slotted, slottedUpdates);
          }),
        );
      }
    } else {
      for (const { table, rows, columns } of inserts) {
        for (const chunk of inBatches(rows, Object.keys(rows[0]!).length)) {
          if (!columns) {
            await db.insertInto(table).values(chunk).execute();
            continue;
          }
          const values: unknown[] = [];
          const shape = insertShape(table, columns, chunk, values);
          await db.executeQuery(ofShape(db, shape, values, (slot) => db.insertInto(table).values(slotRows(columns, chunk.length, 0, slot)[0])));
        }
      }
      for (const { table, set, ids } of updates) {
        const compiledOnce = plain({ set });
        for (const chunk of inBatches(ids, 1, Object.keys(set).length)) {
          if (!compiledOnce) {
            await db.updateTable(table).set(set).where('id', 'in', chunk).execute();
            continue;
          }
          const values: unknown[] = [];
          const shape = updateShape(table, set, chunk, values);
          await db.executeQuery(
            ofShape(db, shape, values, (slot) => {
              const [s, idSlots] = slotUpdate(set, chunk.length, 0, slot);
              return db.updateTable(table).set(s).where('id', 'in', idSlots);
            }),
          );
        }
      }
    }
    for (const fn of this.#flushed) fn();
  }
}

/** The writes as one statement: `WITH w0 AS (INSERT …), w1 AS (UPDATE …) SELECT 1` (PostgreSQL). */
function oneStatement(db: Kysely<any>, inserts: { table: Table; rows: Record<string, unknown>[] }[], updates: { table: Table; set: Record<string, unknown>; ids: unknown[] }[]) {
  let q = db as unknown as { with(name: string, part: (qc: Kysely<any>) => unknown): typeof q; selectNoFrom: Kysely<any>['selectNoFrom'] };
  let n = 0;
  for (const { table, rows } of inserts) q = q.with(`w${n++}`, (qc) => qc.insertInto(table).values(rows));
  for (const { table, set, ids } of updates) q = q.with(`w${n++}`, (qc) => qc.updateTable(table).set(set).where('id', 'in', ids));
  return q.selectNoFrom(sql<number>`1`.as('done'));
}

// Building a statement costs more than running it (db/prepared.ts): the writes of one shape —
// the same tables, columns and numbers of rows — are compiled once and reused with new values.

/** The columns every row gives a value (in the first row's order), or null when rows differ. */
function columnsOf(rows: Record<string, unknown>[]): string[] | null {
  const columns = Object.keys(rows[0]!).filter((c) => rows[0]![c] !== undefined);
  for (const row of rows) {
    let given = 0;
    for (const c in row) {
      const v = row[c];
      if (v === undefined) continue;
      if (!isPlainValue(v) || !(c in rows[0]!) || rows[0]![c] === undefined) return null;
      given++;
    }
    if (given !== columns.length) return null;
  }
  return columns;
}

/** A value bound as a parameter as it is (not an expression Kysely would build into the SQL). */
function isPlainValue(v: unknown): boolean {
  return typeof v !== 'function' && !(typeof v === 'object' && v !== null && 'toOperationNode' in v);
}

/** Appends the rows' values (row by row, in column order) and says the insert's shape. */
function insertShape(table: string, columns: string[], rows: Record<string, unknown>[], values: unknown[]): string {
  for (const row of rows) for (const c of columns) values.push(row[c]);
  return `insert ${table} (${columns.join(',')}) ×${rows.length}`;
}

/** Appends the update's values (the columns set, then the ids) and says its shape. */
function updateShape(table: string, set: Record<string, unknown>, ids: string[], values: unknown[]): string {
  const columns = Object.keys(set);
  for (const c of columns) values.push(set[c]);
  values.push(...ids);
  return `update ${table} (${columns.join(',')}) ×${ids.length}`;
}

/** `count` rows of slots from `at` on (matching insertShape's order), and the next free slot. */
function slotRows(columns: string[], count: number, at: number, slot: (i: number) => unknown): [Record<string, unknown>[], number] {
  const rows: Record<string, unknown>[] = [];
  for (let r = 0; r < count; r++) {
    const row: Record<string, unknown> = {};
    for (const c of columns) row[c] = slot(at++);
    rows.push(row);
  }
  return [rows, at];
}

/** The set and the ids as slots from `at` on (matching updateShape's order), and the next free slot. */
function slotUpdate(set: Record<string, unknown>, count: number, at: number, slot: (i: number) => unknown): [Record<string, unknown>, unknown[], number] {
  const s: Record<string, unknown> = {};
  for (const c of Object.keys(set)) s[c] = slot(at++);
  const ids: unknown[] = [];
  for (let i = 0; i < count; i++) ids.push(slot(at++));
  return [s, ids, at];
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
    // PostgreSQL: one statement, alone, when it fits; else a transaction.
    const once = async (adds: Add[]) => {
      const w = new Writes();
      for (const a of adds) a(w);
      if (w.isOneStatement(db)) return w.flush(db);
      await inSharedTransaction(db, (trx) => w.flush(trx));
    };
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
