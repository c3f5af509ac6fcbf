// Internal jobs: work the worker does after a request has answered (today: matching a login
// request to clients and queueing its message). Each job is completed in the same transaction as
// its effects — a crash between them is impossible — and only by the claim that holds it.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Clock } from '../../lib/clock.ts';
import type { Sealer } from '../../lib/crypto.ts';
import { inSharedTransaction } from '../../db/group-commit.ts';
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
  /**
   * Runs `effects` and completes the job in one transaction. Work that cannot join a database
   * transaction (limits in Redis) is done before calling it. A handler that returns without
   * calling it has nothing to write; the job is completed on its own.
   */
  commit(effects: (trx: Kysely<DB>) => Promise<void>): Promise<void>;
}

export interface JobHandler<K extends JobKind> {
  run(ctx: JobContext<K>): Promise<void>;
  /** Written, with the job's end, when the job is reached after its `notAfter`. */
  expired?(trx: Kysely<DB>, job: Job): Promise<void>;
}
export type JobHandlers = { [K in JobKind]: JobHandler<K> };

/** The claim that ran a job no longer holds it (its lease ran out): its transaction is rolled back. */
class LeaseLost extends Error {}

export function createJobQueue(deps: { sealer: Sealer; notify: () => void }) {
  return {
    /** Queues a job in the caller's transaction; call `notify()` after the commit. */
    async enqueue<K extends JobKind>(trx: Kysely<DB>, j: { kind: K; data: JobKinds[K]; loginRequestId?: string; notAfter?: number; now: number }): Promise<string> {
      const id = newId();
      await jobsRepo(trx).insert({
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
  async function finishAlone(job: Job, status: 'done' | 'expired', effects?: (trx: Kysely<DB>) => Promise<void>) {
    await inSharedTransaction(o.db, async (trx) => {
      await effects?.(trx);
      if (!(await jobsRepo(trx).finish(job, status, o.clock.now()))) throw new LeaseLost();
    });
  }

  async function runOne(job: Job): Promise<void> {
    const handler = o.handlers[job.kind as JobKind] as JobHandler<JobKind> | undefined;
    try {
      if (!handler) throw new Error(`no handler for job kind "${job.kind}"`);
      if (job.not_after !== null && o.clock.now() >= job.not_after) return await finishAlone(job, 'expired', handler.expired ? (trx) => handler.expired!(trx, job) : undefined);
      if (!job.payload_enc) throw new Error('job payload is missing');
      let committed = false;
      await handler.run({
        job,
        data: JSON.parse(o.sealer.open(job.payload_enc)) as JobKinds[JobKind],
        commit: async (effects) => {
          await finishAlone(job, 'done', effects);
          committed = true;
        },
      });
      if (!committed) await finishAlone(job, 'done');
    } catch (err) {
      if (err instanceof LeaseLost) return; // another worker holds it now; nothing was written
      const error = redactSecrets(err instanceof Error ? err.message : String(err)).slice(0, 500);
      o.log.error({ jobId: job.id, kind: job.kind, error }, 'job failed');
      if (job.attempts >= o.maxAttempts) {
        await jobsRepo(o.db).finish(job, 'failed', o.clock.now(), error);
      } else {
        await jobsRepo(o.db).retryLater(job, error, o.clock.now() + o.backoffMs(job.attempts));
      }
    }
  }

  return {
    /**
     * Claims one batch of due jobs and runs them together (their commits share one transaction on
     * SQLite, db/group-commit.ts); returns how many it ran, 0 when none was due.
     */
    async runBatch(): Promise<number> {
      const batch = await jobsRepo(o.db).claimDue(o.clock.now(), o.batchSize ?? 50, o.leaseMs);
      await Promise.all(batch.map(runOne));
      return batch.length;
    },
  };
}
export type JobRunner = ReturnType<typeof createJobRunner>;
