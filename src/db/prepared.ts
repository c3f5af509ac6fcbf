// Queries built and compiled once, then run with new values. Kysely builds an operation tree,
// freezes it and compiles it to SQL on every call; for a query as large as redeeming a link (the
// consuming statement with the matches in it) that was 9 % of the server's CPU under the peer
// harness's VERIFY on PostgreSQL (profiled), and a worker batch's multi-row writes pay it per table.
// Built once with holes where the values go, the SQL text is reused and each call only fills the
// holes — the same text also lets PostgreSQL reuse its plan (db/database.ts names the statements).
import { CompiledQuery, type Kysely } from 'kysely';
import { coalesce } from '../lib/coalesce.ts';

/** Where a value goes: stands in for it while the query is built, and is swapped for it when run. */
class Hole {
  constructor(readonly key: string | number) {}
}

type Compilable = { compile(db: Kysely<any>): CompiledQuery };

/** The compiled query with every hole replaced by its value; constants the builder put in stay. */
function filled(compiled: CompiledQuery, value: (key: string | number) => unknown): CompiledQuery {
  return { ...compiled, parameters: compiled.parameters.map((p) => (p instanceof Hole ? value(p.key) : p)) };
}

/** One compiled text per SQL dialect: a process may hold a SQLite and a PostgreSQL store. */
const dialectOf = (db: Kysely<any>): unknown => db.getExecutor().adapter.constructor;

/**
 * A query with named values: `build` gets one hole per name (use them as the values) and returns
 * the query; it runs once per dialect, on the first call. A hole must be used as a value only —
 * built into the SQL text it would freeze the first call's value.
 */
export function prepared<V extends Record<string, unknown>, R>(build: (db: Kysely<any>, holes: { [K in keyof V]: V[K] }) => Compilable): (db: Kysely<any>, values: V) => Promise<R[]> {
  const byDialect = new Map<unknown, CompiledQuery>();
  return async (db, values) => {
    const dialect = dialectOf(db);
    let compiled = byDialect.get(dialect);
    if (!compiled) {
      const holes = new Proxy({} as { [K in keyof V]: V[K] }, { get: (_t, name) => new Hole(String(name)) });
      byDialect.set(dialect, (compiled = build(db, holes).compile(db)));
    }
    return (
      await db.executeQuery<R>(
        filled(compiled, (name) => {
          if (!(name in values)) throw new Error(`prepared query: no value for ${String(name)}`);
          return values[name as string];
        }),
      )
    ).rows;
  };
}

/**
 * Compiled texts by shape (`ofShape`), the oldest dropped first beyond this many bytes (about: the
 * SQL text and 40 bytes a value; the operation tree Kysely compiled it from is not kept). The
 * request path's shared transactions and the worker's batches come in every size from 1 to a few
 * hundred rows; a text of 256 rows is ~20 KB.
 */
const MAX_SHAPE_BYTES = 4 * 1024 * 1024;
const shapes = new Map<unknown, { byShape: Map<string, CompiledQuery>; bytes: number }>();
const bytesOf = (c: CompiledQuery) => c.sql.length + 40 * c.parameters.length;

/**
 * A statement whose SQL text depends only on `shape` (which tables, columns and how many rows),
 * compiled the first time that shape is seen: `build` gets `slot(i)` to use as the value
 * `values[i]`, and the query returned is that compiled text with `values` filled in.
 */
export function ofShape(db: Kysely<any>, shape: string, values: readonly unknown[], build: (slot: (i: number) => unknown) => Compilable): CompiledQuery {
  const dialect = dialectOf(db);
  let cache = shapes.get(dialect);
  if (!cache) shapes.set(dialect, (cache = { byShape: new Map(), bytes: 0 }));
  let compiled = cache.byShape.get(shape);
  if (!compiled) {
    const full = build((i) => new Hole(i)).compile(db);
    compiled = CompiledQuery.raw(full.sql, full.parameters as unknown[]);
    cache.byShape.set(shape, compiled);
    cache.bytes += bytesOf(compiled);
    for (const [oldest, c] of cache.byShape) {
      if (cache.bytes <= MAX_SHAPE_BYTES) break;
      cache.byShape.delete(oldest);
      cache.bytes -= bytesOf(c);
    }
  }
  return filled(compiled, (i) => values[i as number]);
}

/** How many shapes this store's dialect holds compiled, and their size (see MAX_SHAPE_BYTES). */
export function compiledShapes(db: Kysely<any>): { count: number; bytes: number; maxBytes: number } {
  const cache = shapes.get(dialectOf(db));
  return { count: cache?.byShape.size ?? 0, bytes: cache?.bytes ?? 0, maxBytes: MAX_SHAPE_BYTES };
}

/**
 * Lookups by one key made in the same turn of the event loop, answered by one query (PostgreSQL,
 * where every query is a round trip; lib/coalesce.ts): `compiled` takes the array of keys as its
 * only parameter (`… = any($1)`), and each caller gets the row whose `keyOf` is its key — as it is
 * now, nothing cached.
 */
export function lookupByKeys<R>(db: Kysely<any>, compiled: CompiledQuery, keyOf: (row: R) => string): (key: string) => Promise<R | undefined> {
  return coalesce(async (keys: string[]) => {
    const { rows } = await db.executeQuery<R>({ ...compiled, parameters: [[...new Set(keys)]] });
    const byKey = new Map(rows.map((r) => [keyOf(r), r]));
    return keys.map((k) => byKey.get(k));
  });
}
