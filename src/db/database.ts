// Opens the configured store: an embedded SQLite file by default, PostgreSQL when configured.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { CompiledQuery, Kysely, PostgresDialect, SqliteDialect, SqliteDriver, sql, type DatabaseConnection, type Driver } from 'kysely';
import type { Config } from '../config.ts';
import { startCheckpointer } from './checkpointer.ts';
import type { DB } from './schema.ts';

export type Database = Kysely<DB>;

export interface OpenOptions {
  /** SQLite file: checkpoint the write-ahead log from a thread (long-lived processes; db/checkpointer.ts). */
  backgroundCheckpoints?: boolean;
  /** Told when the checkpoint thread reports a failure (it keeps trying; the main connection's backstop stays). */
  onCheckpointError?: (message: string) => void;
}

export async function openDatabase(store: Config['database'], o: OpenOptions = {}): Promise<Database> {
  if (store.kind === 'sqlite') {
    if (store.path !== ':memory:') mkdirSync(dirname(store.path), { recursive: true });
    const file = new SQLite(store.path);
    file.pragma('journal_mode = WAL');
    file.pragma('synchronous = NORMAL');
    file.pragma('foreign_keys = ON');
    file.pragma('busy_timeout = 5000');
    const db = new Kysely<DB>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(file) }) });
    if (store.path !== ':memory:') {
      // A second, read-only connection for the per-request session check: in WAL mode it reads
      // the last committed state without waiting behind (or seeing into) an open transaction.
      const reader = new SQLite(store.path, { readonly: true, fileMustExist: true });
      reader.pragma('busy_timeout = 5000');
      readers.set(db, reader);
      const checkpointer = o.backgroundCheckpoints ? startCheckpointer(file, { onError: o.onCheckpointError }) : undefined;
      const destroy = db.destroy.bind(db);
      db.destroy = async () => {
        await checkpointer?.stop();
        reader.close();
        await destroy();
      };
    }
    return db;
  }
  // Loaded only when PostgreSQL is configured (memory: an SQLite process never holds the driver).
  const { default: pg } = await import('pg');
  // int8 (bigint) columns hold epoch milliseconds: well inside Number's exact range.
  pg.types.setTypeParser(20, (v: string) => Number(v));
  const schema = store.schema;
  const pool = new pg.Pool({
    connectionString: store.url,
    max: 10,
    connectionTimeoutMillis: 5000,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  pool.on('connect', (client) => reusePlans(client));
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  try {
    if (schema) await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(schema)}`.execute(db);
    else await sql`SELECT 1`.execute(db);
  } catch (err) {
    await db.destroy();
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(`Cannot reach PostgreSQL at ${redactUrl(store.url)}: ${why}`);
  }
  return db;
}

/**
 * Write transactions start with BEGIN IMMEDIATE: the write lock is taken up front, so when another
 * process (a second web process, `servicio worker`) holds it, SQLite's busy timeout makes this one
 * wait its turn. A plain (deferred) BEGIN reads first and fails with "database is locked" the
 * moment it tries to write after another process did (it cannot wait: its snapshot is stale).
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}
class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: ConstructorParameters<typeof SqliteDialect>[0];
  constructor(config: ConstructorParameters<typeof SqliteDialect>[0]) {
    super(config);
    this.#config = config;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

/**
 * PostgreSQL parses and plans every unnamed statement it is sent; for the short statements this
 * application runs (point lookups, small inserts) that is a large part of the server's work. The
 * statements with parameters are sent as named prepared statements instead — one per SQL text and
 * connection, at most 500 per connection (beyond that, unnamed as before) — so each connection
 * parses a text once and PostgreSQL can keep its plan. A plan invalidated in a way PostgreSQL
 * cannot repair (a migration changed the columns a prepared `SELECT *` returns, while this process
 * ran) is prepared again under a new name, once.
 */
function reusePlans(client: import('pg').PoolClient, max = 500): void {
  const names = new Map<string, string>();
  let next = 0;
  const query = client.query.bind(client) as (...a: unknown[]) => Promise<unknown>;
  const named = (text: string, values: unknown[]) => query({ name: names.get(text)!, text, values });
  (client as { query: unknown }).query = (text: unknown, values?: unknown, ...rest: unknown[]) => {
    if (typeof text !== 'string' || !Array.isArray(values) || values.length === 0 || rest.length > 0) return query(text, values, ...rest);
    if (!names.has(text)) {
      if (names.size >= max) return query(text, values);
      names.set(text, `p${next++}`);
    }
    return named(text, values).catch((err: { code?: string; message?: string }) => {
      if (err?.code !== '0A000' || !/cached plan/.test(err.message ?? '')) throw err;
      names.set(text, `p${next++}`);
      return named(text, values);
    });
  };
}

const readers = new WeakMap<Kysely<DB>, SQLite.Database>();

/** The read-only SQLite connection beside `db`, when there is one (hot-path reads only). */
export function sqliteReader(db: Kysely<DB>): SQLite.Database | undefined {
  return readers.get(db);
}

/**
 * Kysely prepares every query afresh; on SQLite preparing costs far more than running a point
 * lookup. Queries are built from fixed shapes with bound parameters, so the SQL texts repeat and
 * their prepared statements can be reused (bounded, oldest dropped first).
 */
function withStatementCache(file: SQLite.Database, max = 500): SQLite.Database {
  const cache = new Map<string, SQLite.Statement>();
  const prepare = file.prepare.bind(file);
  return new Proxy(file, {
    get(target, prop, receiver) {
      if (prop !== 'prepare') return Reflect.get(target, prop, receiver);
      return (source: string) => {
        let stmt = cache.get(source);
        if (!stmt) {
          stmt = prepare(source);
          if (cache.size >= max) cache.delete(cache.keys().next().value!);
          cache.set(source, stmt);
        }
        return stmt;
      };
    },
  });
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'DATABASE_URL';
  }
}
