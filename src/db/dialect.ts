import { PostgresAdapter, type Kysely } from 'kysely';

/** The few places that must differ between SQLite and PostgreSQL ask this. */
export function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}
