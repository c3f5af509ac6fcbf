// Opens the configured store: an embedded SQLite file by default, PostgreSQL when configured.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import type { Config } from '../config.ts';
import type { DB } from './schema.ts';

export type Database = Kysely<DB>;

// int8 (bigint) columns hold epoch milliseconds: well inside Number's exact range.
pg.types.setTypeParser(20, (v) => Number(v));

export async function openDatabase(store: Config['database']): Promise<Database> {
  if (store.kind === 'sqlite') {
    if (store.path !== ':memory:') mkdirSync(dirname(store.path), { recursive: true });
    const file = new SQLite(store.path);
    file.pragma('journal_mode = WAL');
    file.pragma('synchronous = NORMAL');
    file.pragma('foreign_keys = ON');
    file.pragma('busy_timeout = 5000');
    return new Kysely<DB>({ dialect: new SqliteDialect({ database: file }) });
  }
  const schema = store.schema;
  const pool = new pg.Pool({
    connectionString: store.url,
    max: 10,
    connectionTimeoutMillis: 5000,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
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

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'DATABASE_URL';
  }
}
