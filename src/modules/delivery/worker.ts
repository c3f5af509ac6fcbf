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
  /** Internal jobs (modules/jobs), run by the same passes: they may queue messages. */
  jobs?: { runBatch(): Promise<number> };
  /** Periodic clean-up run by the worker (expired rate-limit windows…), at most every 10 minutes. */
  housekeeping?: () => Promise<void>;
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
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let again = false;
  let stopped = true;
  let unsubscribe: (() => void) | undefined;
  let lastHousekeeping = 0;

  async function record(m: OutboxMessage, action: string, data: Record<string, unknown>, change: (trx: Kysely<DB>) => Promise<void>) {
    await inSharedTransaction(o.db, async (trx) => {
      await change(trx);
      await deliveryEventsRepo(trx).record({
        messageId: m.id,
        kind: action.replace(/^delivery\./, ''),
        detail: typeof data.error === 'string' ? data.error : typeof data.provider === 'string' ? data.provider : null,
        at: o.clock.now(),
      });
      const tenants = await outboxRepo(trx).tenantsOf(m);
      const at = o.clock.now();
      const common = {
        actor: 'system' as const,
        action,
        subjectId: m.login_request_id ?? m.id,
        data: { message: m.id, channel: m.channel, to: maskIdentifier(m.channel === 'sms' ? 'phone' : 'email', m.to_address), attempt: m.attempts, ...data },
        at,
      };
      await auditRepo(trx).record(...perShop(common, tenants));
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

  async function processOne(m: OutboxMessage): Promise<void> {
    if (m.send_before !== null && o.clock.now() >= m.send_before) {
      await record(m, 'delivery.expired', {}, (trx) => outboxRepo(trx).markFinal(m.id, 'expired', 'the link expired before it could be sent'));
      await o.onUndelivered?.(m);
      return;
    }
    let sent: { provider: string; providerId: string | null };
    try {
      sent = await send(m);
    } catch (err) {
      const permanent = err instanceof DeliveryError ? err.permanent : false;
      const error = redactSecrets(err instanceof Error ? err.message : String(err)).slice(0, 500);
      if (permanent || m.attempts >= maxAttempts) {
        o.log.warn({ outboxId: m.id, error }, 'message failed for good');
        await record(m, 'delivery.failed', { error }, (trx) => outboxRepo(trx).markFinal(m.id, 'failed', error));
        await o.onUndelivered?.(m);
      } else {
        const next = o.clock.now() + backoffMs(m.attempts);
        o.log.info({ outboxId: m.id, error, next }, 'message will be retried');
        await record(m, 'delivery.attempt_failed', { error }, (trx) => outboxRepo(trx).markRetry(m.id, error, next));
      }
      return;
    }
    // It went out: a failure to *record* that must not count as a failed send (that would send it
    // again). Try a few times; if the store stays away, the lease brings it back (at least once).
    for (let attempt = 1; ; attempt++) {
      try {
        await record(m, 'delivery.sent', { provider: sent.provider }, (trx) => outboxRepo(trx).markSent(m.id, sent.provider, sent.providerId, o.clock.now()));
        return;
      } catch (err) {
        if (attempt >= 3) {
          o.log.error({ outboxId: m.id, err }, 'sent, but could not record it; it may be sent again after the lease');
          return;
        }
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    }
  }

  async function drain(): Promise<number> {
    if (o.housekeeping && o.clock.now() - lastHousekeeping > 10 * 60_000) {
      lastHousekeeping = o.clock.now();
      await o.housekeeping();
    }
    // A batch of jobs, then a batch of messages, in turn: under a steady stream of logins the
    // messages of the jobs already run go out while new jobs keep arriving (jobs first, all of
    // them, would hold every message back until the stream stopped).
    let total = 0;
    for (;;) {
      const jobs = (await o.jobs?.runBatch()) ?? 0;
      const batch = await outboxRepo(o.db).claimDue(o.clock.now(), batchSize, leaseMs);
      await Promise.all(batch.map(processOne));
      total += jobs + batch.length;
      if (jobs === 0 && batch.length === 0) return total;
    }
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
    },
  };
}
export type DeliveryWorker = ReturnType<typeof createDeliveryWorker>;
