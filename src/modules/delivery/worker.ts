// The delivery worker: claims due outbox messages, renders and sends them, and records every
// outcome in the audit log in the same transaction as the status change.
import type { Kysely } from 'kysely';
import type { FastifyBaseLogger } from 'fastify';
import { inSharedTransaction } from '../../db/group-commit.ts';
import type { DB } from '../../db/schema.ts';
import type { Clock } from '../../lib/clock.ts';
import type { Sealer } from '../../lib/crypto.ts';
import { maskIdentifier } from '../../lib/mask.ts';
import { redactSecrets } from '../../lib/redact.ts';
import { auditRepo, perShop } from '../audit/audit.repo.ts';
import { DeliveryError, type Channels } from './channels.ts';
import { deliveryEventsRepo } from './delivery-events.repo.ts';
import { outboxRepo, type OutboxMessage } from './outbox.repo.ts';
import type { Outbox } from './outbox.service.ts';
import { fromName, render, type TemplateData, type TemplateName } from './templates/index.ts';

export interface WorkerOptions {
  db: Kysely<DB>;
  channels: Channels;
  sealer: Sealer;
  clock: Clock;
  outbox: Outbox;
  log: Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>;
  pollMs: number;
  maxAttempts?: number;
  leaseMs?: number;
  batchSize?: number;
  /** Batches in flight at once in this process (WORKER_LANES): see drain(). */
  lanes?: number;
  /** Internal jobs (modules/jobs), run by the same passes: they may queue messages. */
  jobs?: { runBatch(): Promise<number> };
  /**
   * Periodic work started by the worker's passes, each at most every `everyMs` and never twice at
   * once (expired rate-limit windows, table statistics…). Chores run beside the deliveries, not
   * before them: an ANALYZE of a big table must not hold back a sign-in link.
   */
  chores?: { everyMs: number; run(): Promise<void> }[];
  /** Called after a message was given up (failed for good, or expired unsent), e.g. to refund budgets. */
  onUndelivered?: (m: OutboxMessage) => Promise<void>;
}

/** Exponential backoff with ±20 % jitter: 5 s, 10 s, 20 s … capped at 10 minutes. */
export function backoffMs(attempt: number, random = Math.random): number {
  const base = Math.min(5_000 * 2 ** Math.max(0, attempt - 1), 600_000);
  return Math.round(base * (0.8 + 0.4 * random()));
}

export function createDeliveryWorker(o: WorkerOptions) {
  const maxAttempts = o.maxAttempts ?? 8;
  const leaseMs = o.leaseMs ?? 120_000;
  const batchSize = o.batchSize ?? 50;
  const lanes = o.lanes ?? 4;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let again = false;
  let stopped = true;
  let unsubscribe: (() => void) | undefined;
  const chores = (o.chores ?? []).map((c) => ({ ...c, last: -Infinity, running: undefined as Promise<void> | undefined }));

  /** What happened to one message of a batch, recorded with the others in one transaction. */
  interface Outcome {
    m: OutboxMessage;
    action: 'delivery.sent' | 'delivery.failed' | 'delivery.attempt_failed' | 'delivery.expired';
    data: Record<string, unknown>;
    /** Sent: recorded with the batch's other sent messages in one statement. */
    sent?: { provider: string; providerId: string | null };
    /** Any other status change (rare: retries, failures, expiries), one statement each. */
    change?(trx: Kysely<DB>): Promise<void>;
    /** Given up for good (failed or expired unsent): told after the commit (refunds). */
    undelivered?: boolean;
  }

  /**
   * Records a batch's outcomes in one transaction: one statement for the messages sent (each other
   * status change its own), one for the delivery events and one for the audit rows (every shop a
   * message concerns).
   */
  async function recordAll(outcomes: Outcome[]): Promise<void> {
    await inSharedTransaction(o.db, async (trx) => {
      const at = o.clock.now();
      await outboxRepo(trx).markSentMany(outcomes.flatMap((x) => (x.sent ? [{ id: x.m.id, ...x.sent }] : [])), at);
      for (const x of outcomes) await x.change?.(trx);
      await deliveryEventsRepo(trx).recordMany(
        outcomes.map(({ m, action, data }) => ({
          messageId: m.id,
          kind: action.replace(/^delivery\./, ''),
          detail: typeof data.error === 'string' ? data.error : typeof data.provider === 'string' ? data.provider : null,
          at,
        })),
      );
      const tenants = await outboxRepo(trx).tenantsOfMany(outcomes.map((x) => x.m));
      await auditRepo(trx).record(
        ...outcomes.flatMap(({ m, action, data }) =>
          perShop(
            {
              actor: 'system' as const,
              action,
              subjectId: m.login_request_id ?? m.id,
              data: { message: m.id, channel: m.channel, to: maskIdentifier(m.channel === 'sms' ? 'phone' : 'email', m.to_address), attempt: m.attempts, ...data },
              at,
            },
            tenants.get(m.id) ?? [],
          ),
        ),
      );
    });
  }

  async function send(m: OutboxMessage): Promise<{ provider: string; providerId: string | null }> {
    if (!m.payload_enc) throw new DeliveryError('message payload is missing', true);
    const template = m.template as TemplateName;
    const data = JSON.parse(o.sealer.open(m.payload_enc)) as TemplateData[TemplateName];
    const r = render(template, data);
    if (m.channel === 'sms') return o.channels.sms({ outboxId: m.id, to: m.to_address, body: r.sms });
    return o.channels.email({ outboxId: m.id, to: m.to_address, fromName: fromName(template, data), subject: r.subject, text: r.text, html: r.html });
  }

  /** Sends one message (or finds it too late to) and says what to record; records nothing itself. */
  async function processOne(m: OutboxMessage): Promise<Outcome> {
    if (m.send_before !== null && o.clock.now() >= m.send_before) {
      return { m, action: 'delivery.expired', data: {}, change: (trx) => outboxRepo(trx).markFinal(m.id, 'expired', 'the link expired before it could be sent'), undelivered: true };
    }
    try {
      const sent = await send(m);
      return { m, action: 'delivery.sent', data: { provider: sent.provider }, sent };
    } catch (err) {
      const permanent = err instanceof DeliveryError ? err.permanent : false;
      const error = redactSecrets(err instanceof Error ? err.message : String(err)).slice(0, 500);
      if (permanent || m.attempts >= maxAttempts) {
        o.log.warn({ outboxId: m.id, error }, 'message failed for good');
        return { m, action: 'delivery.failed', data: { error }, change: (trx) => outboxRepo(trx).markFinal(m.id, 'failed', error), undelivered: true };
      }
      const next = o.clock.now() + backoffMs(m.attempts);
      o.log.info({ outboxId: m.id, error, next }, 'message will be retried');
      return { m, action: 'delivery.attempt_failed', data: { error }, change: (trx) => outboxRepo(trx).markRetry(m.id, error, next) };
    }
  }

  /**
   * A batch: send each message, then record every outcome together. Messages that went out must
   * not be counted as failed sends when only the *recording* fails (that would send them again):
   * the record is tried a few times; if the store stays away, the lease brings them back (at
   * least once).
   */
  async function processBatch(batch: OutboxMessage[]): Promise<void> {
    const outcomes = await Promise.all(batch.map(processOne));
    for (let attempt = 1; ; attempt++) {
      try {
        await recordAll(outcomes);
        break;
      } catch (err) {
        if (attempt >= 3) {
          o.log.error({ outboxIds: batch.map((m) => m.id), err }, 'could not record a batch of deliveries; sent messages may be sent again after the lease');
          return;
        }
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    }
    for (const x of outcomes) if (x.undelivered) await o.onUndelivered?.(x.m);
  }

  /**
   * A batch of jobs, then a batch of messages, in turn, until both are empty: under a steady stream
   * of logins the messages of the jobs already run go out while new jobs keep arriving (jobs first,
   * all of them, would hold every message back until the stream stopped).
   *
   * A pass starts with one lane; every full batch a lane claims opens one more, up to `lanes`. A
   * batch spends most of its time waiting — on the SMTP server's replies, on the store's round
   * trips — so while one lane waits another renders and sends. Claims are atomic (SKIP LOCKED on
   * PostgreSQL, single statements on SQLite), so lanes never take the same job or message.
   */
  async function drain(): Promise<number> {
    for (const c of chores) {
      if (c.running || o.clock.now() - c.last < c.everyMs) continue;
      c.last = o.clock.now();
      // A chore that fails is logged and tried again at its next turn; the messages go out meanwhile.
      c.running = c
        .run()
        .catch((err: unknown) => o.log.warn({ err }, 'a worker chore failed'))
        .finally(() => (c.running = undefined));
    }
    let total = 0;
    // Every lane's failure is caught as the lane starts (one lane failing while the pass still
    // waits on another must not be an unhandled rejection); the pass then fails with the first.
    const failures: unknown[] = [];
    const open: Promise<void>[] = [];
    const openLane = () => open.push(lane().catch((err: unknown) => void failures.push(err)));
    const lane = async (): Promise<void> => {
      for (;;) {
        const jobs = (await o.jobs?.runBatch()) ?? 0;
        const batch = await outboxRepo(o.db).claimDue(o.clock.now(), batchSize, leaseMs);
        if ((jobs >= batchSize || batch.length >= batchSize) && open.length < lanes) openLane();
        if (batch.length) await processBatch(batch);
        total += jobs + batch.length;
        if (jobs === 0 && batch.length === 0) return;
      }
    };
    openLane();
    for (let i = 0; i < open.length; i++) await open[i];
    if (failures.length) throw failures[0];
    return total;
  }

  /** Runs one drain; concurrent calls share it and schedule one more pass. */
  function runOnce(): Promise<number> {
    if (running) {
      again = true;
      return running;
    }
    running = drain()
      .catch((err) => {
        o.log.error({ err }, 'delivery worker pass failed');
        return 0;
      })
      .finally(() => {
        running = undefined;
        if (again && !stopped) {
          again = false;
          void runOnce();
        }
      });
    return running;
  }

  function schedule() {
    if (stopped) return;
    timer = setTimeout(async () => {
      await runOnce();
      schedule();
    }, o.pollMs);
    timer.unref();
  }

  return {
    runOnce,
    start() {
      if (!stopped) return;
      stopped = false;
      unsubscribe = o.outbox.onQueued(() => void runOnce());
      void runOnce();
      schedule();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      unsubscribe?.();
      await running;
      await Promise.all(chores.map((c) => c.running));
      await o.channels.close?.();
    },
  };
}
export type DeliveryWorker = ReturnType<typeof createDeliveryWorker>;
