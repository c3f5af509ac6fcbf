// Internal jobs: work the worker does after a request has answered (today: matching a login
// request to clients and queueing its message). Each job is completed in the same transaction as
// its effects — a crash between them is impossible — and only by the claim that holds it. A batch
// of jobs is prepared at once and its writes go in one transaction, a statement per table.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Clock } from '../../lib/clock.ts';
import type { Sealer } from '../../lib/crypto.ts';
import { inSharedTransaction } from '../../db/group-commit.ts';
import { Writes } from '../../db/writes.ts';
import { newId } from '../../lib/ids.ts';
import { redactSecrets } from '../../lib/redact.ts';
import { jobsRepo, type Job } from './jobs.repo.ts';

/** Job kind → the data it carries (sealed at rest: it may hold a live link). */
export interface JobKinds {
  'login-dispatch': { token: string; code: string };
}
export type JobKind = keyof JobKinds;

export interface JobContext<K extends JobKind> {
  job: Job;
  data: JobKinds[K];
}

/**
 * What a job will write. Everything that reads, or takes from limits that may live in Redis, is
 * done before (in `prepare`); the writes are then committed with the job's completion — together
 * with the other jobs of its batch, in one transaction — so a crash can neither lose a job's result
 * nor run it twice.
 */
export interface Prepared {
  /** Adds the job's rows (called inside the transaction; may be called again if it is retried alone). */
  write?(w: Writes): void;
  /** After the commit. */
  committed?(): void;
  /** The writes were not committed and the job will run again: give back what `prepare` took. */
  abandoned?(): Promise<void>;
}

export interface JobHandler<K extends JobKind> {
  prepare(ctx: JobContext<K>): Promise<Prepared>;
  /** Written, with the job's end, when the job is reached after its `notAfter`. */
  expired?(job: Job, w: Writes): void;
}
export type JobHandlers = { [K in JobKind]: JobHandler<K> };

/** The claim that ran a job no longer holds it (its lease ran out): its transaction is rolled back. */
class LeaseLost extends Error {}

/** A job whose writes are ready to commit. */
interface Ready {
  job: Job;
  status: 'done' | 'expired';
  prepared: Prepared;
}

export function createJobQueue(deps: { sealer: Sealer; notify: () => void }) {
  return {
    /** Queues a job with a batch of writes (db/writes.ts); call `notify()` after the commit. */
    add<K extends JobKind>(w: Writes, j: { kind: K; data: JobKinds[K]; loginRequestId?: string; notAfter?: number; now: number }): string {
      const id = newId();
      w.insert('jobs', {
        id,
        kind: j.kind,
        login_request_id: j.loginRequestId ?? null,
        payload_enc: deps.sealer.seal(JSON.stringify(j.data)),
        status: 'queued',
        attempts: 0,
        run_after: j.now,
        locked_until: null,
        not_after: j.notAfter ?? null,
        last_error: null,
        created_at: j.now,
        finished_at: null,
      });
      return id;
    },
    notify: deps.notify,
  };
}
export type JobQueue = ReturnType<typeof createJobQueue>;

export function createJobRunner(o: {
  db: Kysely<DB>;
  clock: Clock;
  sealer: Sealer;
  handlers: JobHandlers;
  log: { error(o: object, m: string): void };
  leaseMs: number;
  maxAttempts: number;
  backoffMs: (attempt: number) => number;
  batchSize?: number;
}) {
  async function failed(job: Job, err: unknown): Promise<void> {
    const error = redactSecrets(err instanceof Error ? err.message : String(err)).slice(0, 500);
    o.log.error({ jobId: job.id, kind: job.kind, error }, 'job failed');
    if (job.attempts >= o.maxAttempts) {
      await jobsRepo(o.db).finish(job, 'failed', o.clock.now(), error);
    } else {
      await jobsRepo(o.db).retryLater(job, error, o.clock.now() + o.backoffMs(job.attempts));
    }
  }

  async function prepare(job: Job): Promise<Ready | null> {
    const handler = o.handlers[job.kind as JobKind] as JobHandler<JobKind> | undefined;
    try {
      if (!handler) throw new Error(`no handler for job kind "${job.kind}"`);
      if (job.not_after !== null && o.clock.now() >= job.not_after) return { job, status: 'expired', prepared: { write: handler.expired ? (w) => handler.expired!(job, w) : undefined } };
      if (!job.payload_enc) throw new Error('job payload is missing');
      const prepared = await handler.prepare({ job, data: JSON.parse(o.sealer.open(job.payload_enc)) as JobKinds[JobKind] });
      return { job, status: 'done', prepared };
    } catch (err) {
      await failed(job, err);
      return null;
    }
  }

  /** The jobs' writes and their completion, in one transaction (shared with others on SQLite). */
  async function commit(items: Ready[]): Promise<void> {
    await inSharedTransaction(o.db, async (trx) => {
      const w = new Writes();
      for (const x of items) x.prepared.write?.(w);
      await w.flush(trx);
      const now = o.clock.now();
      for (const status of ['done', 'expired'] as const) {
        const jobs = items.filter((x) => x.status === status).map((x) => x.job);
        if ((await jobsRepo(trx).finishMany(jobs, status, now)) !== jobs.length) throw new LeaseLost();
      }
    });
    for (const x of items) x.prepared.committed?.();
  }

  /**
   * Commits a batch; when that fails (a job's writes threw, or a lease ran out), each job is tried
   * alone, so one job cannot hold back the others and the one at fault is the one retried.
   */
  async function commitBatch(items: Ready[]): Promise<void> {
    try {
      await commit(items);
    } catch (err) {
      if (items.length > 1) {
        await Promise.all(items.map((x) => commitBatch([x])));
        return;
      }
      const x = items[0]!;
      await x.prepared.abandoned?.();
      if (!(err instanceof LeaseLost)) await failed(x.job, err); // lost: another worker holds it now; nothing was written
    }
  }

  return {
    /**
     * Claims one batch of due jobs, prepares them together (their reads coalesce, lib/coalesce.ts)
     * and commits their writes in one transaction; returns how many it ran, 0 when none was due.
     */
    async runBatch(): Promise<number> {
      const batch = await jobsRepo(o.db).claimDue(o.clock.now(), o.batchSize ?? 50, o.leaseMs);
      const ready = (await Promise.all(batch.map(prepare))).filter((x): x is Ready => x !== null);
      if (ready.length) await commitBatch(ready);
      return batch.length;
    },
  };
}
export type JobRunner = ReturnType<typeof createJobRunner>;
