import type { Kysely, Selectable } from 'kysely';
import { dueIds } from '../../db/claims.ts';
import type { DB, JobsTable } from '../../db/schema.ts';

export type Job = Selectable<JobsTable>;

export function jobsRepo(db: Kysely<DB>) {
  return {
    /**
     * Claims due jobs with a lease (a crashed worker's jobs come back after it). PostgreSQL locks
     * the candidates with SKIP LOCKED so workers never claim the same job; SQLite has one writer.
     */
    async claimDue(now: number, limit: number, leaseMs: number): Promise<Job[]> {
      const due = dueIds(db, { table: 'jobs', leased: 'running', dueColumn: 'run_after' }, now, limit);
      return db
        .updateTable('jobs')
        .set((eb) => ({ status: 'running', locked_until: now + leaseMs, attempts: eb('attempts', '+', 1) }))
        .where('id', 'in', due)
        .returningAll()
        .execute();
    },

    /**
     * Ends a job — in the transaction of its effects. Only the claim that still holds the job
     * (same attempt count) may: false means the lease ran out and another worker has it.
     */
    async finish(job: Pick<Job, 'id' | 'attempts'>, status: 'done' | 'failed' | 'expired', now: number, error: string | null = null): Promise<boolean> {
      const r = await db
        .updateTable('jobs')
        .set({ status, finished_at: now, locked_until: null, payload_enc: null, last_error: error })
        .where('id', '=', job.id)
        .where('status', '=', 'running')
        .where('attempts', '=', job.attempts)
        .executeTakeFirst();
      return r.numUpdatedRows === 1n;
    },

    /**
     * Ends many jobs in one statement, with the same rule as `finish`: returns how many were still
     * held by these claims (fewer than given means some lease ran out).
     */
    async finishMany(jobs: readonly Pick<Job, 'id' | 'attempts'>[], status: 'done' | 'expired', now: number): Promise<number> {
      if (jobs.length === 0) return 0;
      const r = await db
        .updateTable('jobs')
        .set({ status, finished_at: now, locked_until: null, payload_enc: null, last_error: null })
        .where('id', 'in', jobs.map((j) => j.id))
        .where('status', '=', 'running')
        .where((eb) => eb.or(jobs.map((j) => eb.and([eb('id', '=', j.id), eb('attempts', '=', j.attempts)]))))
        .executeTakeFirst();
      return Number(r.numUpdatedRows);
    },

    async retryLater(job: Pick<Job, 'id' | 'attempts'>, error: string, runAfter: number): Promise<void> {
      await db.updateTable('jobs').set({ status: 'queued', last_error: error, run_after: runAfter, locked_until: null }).where('id', '=', job.id).where('status', '=', 'running').where('attempts', '=', job.attempts).execute();
    },

    /** Queued and running jobs, and the age of the oldest (for /metrics). */
    async backlog(now: number) {
      const r = await db
        .selectFrom('jobs')
        .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.min('created_at').as('oldest')])
        .where('status', 'in', ['queued', 'running'])
        .executeTakeFirstOrThrow();
      return { count: Number(r.n), oldestAgeMs: r.oldest === null ? 0 : now - Number(r.oldest) };
    },
  };
}
