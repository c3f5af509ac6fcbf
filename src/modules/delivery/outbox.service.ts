// The transactional outbox: features queue messages inside their own transaction; nothing is
// sent from a request. The worker (worker.ts) picks them up.
import { EventEmitter } from 'node:events';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { Writes } from '../../db/writes.ts';
import type { Sealer } from '../../lib/crypto.ts';
import { newId } from '../../lib/ids.ts';
import { deliveryEventRow } from './delivery-events.repo.ts';
import type { TemplateData, TemplateName } from './templates/index.ts';

export interface Enqueue<T extends TemplateName> {
  channel: 'email' | 'sms';
  to: string;
  template: T;
  data: TemplateData[T];
  tenantId: string | null;
  clientId?: string;
  loginRequestId?: string;
  /** Drop the message rather than send it after this time. */
  sendBefore?: number;
  now: number;
}

export function createOutbox(deps: { sealer: Sealer }) {
  const events = new EventEmitter();
  /** Queues a message with a batch of writes (db/writes.ts); returns its id. The payload is sealed: it holds a live link. */
  function add<T extends TemplateName>(w: Writes, m: Enqueue<T>): string {
    const id = newId();
    w.insert('outbox_messages', {
      id,
      tenant_id: m.tenantId,
      client_id: m.clientId ?? null,
      login_request_id: m.loginRequestId ?? null,
      channel: m.channel,
      to_address: m.to,
      template: m.template,
      payload_enc: deps.sealer.seal(JSON.stringify(m.data)),
      status: 'queued',
      attempts: 0,
      next_attempt_at: m.now,
      locked_until: null,
      send_before: m.sendBefore ?? null,
      last_error: null,
      provider: null,
      provider_id: null,
      created_at: m.now,
      sent_at: null,
      delivery_status: null,
      delivery_error_code: null,
      delivery_reason: null,
      delivery_updated_at: null,
    });
    w.insert('delivery_events', deliveryEventRow({ messageId: id, kind: 'queued', at: m.now }));
    return id;
  }
  return {
    /** Queues a message in the caller's transaction. The payload is sealed: it holds a live link. */
    async enqueue<T extends TemplateName>(trx: Kysely<DB>, m: Enqueue<T>): Promise<string> {
      const w = new Writes();
      const id = add(w, m);
      await w.flush(trx);
      return id;
    },
    add,
    /** Called after a commit so an in-process worker sends at once instead of at its next poll. */
    notify(): void {
      events.emit('queued');
    },
    onQueued(listener: () => void): () => void {
      events.on('queued', listener);
      return () => events.off('queued', listener);
    },
  };
}
export type Outbox = ReturnType<typeof createOutbox>;
