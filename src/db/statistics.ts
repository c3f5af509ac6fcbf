// PostgreSQL plans every query from its statistics of the tables (rows, distinct values), which
// only ANALYZE refreshes. Autovacuum does that once a table has changed by 50 rows + 10 % since the
// last time — but only where it is on and has come round (every minute by default); a store that
// grew from empty with nobody analyzing it keeps the statistics of an empty table, and PostgreSQL
// then plans the sign-in lookups as scans: every client of a shop instead of the email index (a
// worker batch's lookup: 2,502 rows read per shop; 11.6 → 1.9 ms a batch once analyzed, in
// PostgreSQL's statement log under the peer harness, where autovacuum is off). The worker checks
// every few seconds and analyzes its own tables past the same threshold autovacuum uses (its
// settings, read from the server), so whichever comes first does it and the other finds nothing
// to do. SQLite plans without gathered statistics here: nothing to do.
import { sql, type Kysely } from 'kysely';
import { isPostgres } from './dialect.ts';
import type { DB } from './schema.ts';

/** Analyzes this schema's tables whose statistics are stale by autovacuum's own rule; returns their names. */
export async function refreshStatistics(db: Kysely<DB>): Promise<string[]> {
  if (!isPostgres(db)) return [];
  // Only tables this role owns (ours: it ran the migrations) — PostgreSQL would skip any other with
  // a warning, and a schema shared with another application holds its tables too.
  const { rows } = await sql<{ name: string }>`
    SELECT s.relname AS name FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
    WHERE s.schemaname = current_schema() AND pg_has_role(c.relowner, 'USAGE')
      AND s.n_mod_since_analyze > current_setting('autovacuum_analyze_threshold')::int
        + current_setting('autovacuum_analyze_scale_factor')::float8 * greatest(c.reltuples, 0)`.execute(db);
  // SKIP_LOCKED: a table another session is analyzing (autovacuum, a second worker) is left to it.
  for (const { name } of rows) await sql`ANALYZE (SKIP_LOCKED) ${sql.id(name)}`.execute(db);
  return rows.map((r) => r.name);
}
