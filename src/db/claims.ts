// The due rows of a leased queue (jobs, outbox messages), for a claim's `UPDATE … WHERE id IN (…)`:
// rows whose worker's lease ran out, then queued rows in due order — two index walks on
// (status, due column), each stopping after `limit` rows, each `FOR UPDATE SKIP LOCKED` on
// PostgreSQL so workers never take the same row (SQLite has one writer). One OR-ed condition made
// both stores read and sort every queued row on every claim: at a backlog of 3,000 the lookup took
// ~300 µs on SQLite instead of ~30, growing with the backlog.
import type { Kysely } from 'kysely';
import { isPostgres } from './dialect.ts';
import type { DB } from './schema.ts';

export function dueIds(db: Kysely<DB>, q: { table: 'jobs' | 'outbox_messages'; leased: string; dueColumn: string }, now: number, limit: number) {
  const d = db as unknown as Kysely<any>;
  const pg = isPostgres(db);
  const walk = (status: string, column: string, op: '<' | '<=') =>
    d.selectFrom(q.table).select('id').where('status', '=', status).where(column, op, now).orderBy(column).limit(limit).$if(pg, (s) => s.forUpdate().skipLocked());
  const stale = walk(q.leased, 'locked_until', '<');
  const queued = walk('queued', q.dueColumn, '<=');
  return d.selectFrom(d.selectFrom(stale.as('s')).select('id').unionAll(d.selectFrom(queued.as('q')).select('id')).as('d')).select('id').limit(limit);
}
