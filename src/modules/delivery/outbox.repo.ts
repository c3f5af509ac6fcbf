import { inBatches } from '../../db/batches.ts';
import type { ExpressionBuilder, Kysely, Selectable } from 'kysely';
import { dueIds } from '../../db/claims.ts';
import type { DB, DeliveryStatus, OutboxMessagesTable } from '../../db/schema.ts';

export type OutboxMessage = Selectable<OutboxMessagesTable>;

/** What the history of a message shows (never the sealed payload). */
const historyColumns = [
  'm.id',
  'm.login_request_id',
  'm.channel',
  'm.to_address',
  'm.template',
  'm.status',
  'm.delivery_status',
  'm.delivery_reason',
  'm.delivery_error_code',
  'm.attempts',
  'm.last_error',
  'm.provider',
  'm.provider_id',
  'm.created_at',
  'm.sent_at',
] as const;
export type MessageRow = Pick<OutboxMessage, 'id' | 'login_request_id' | 'channel' | 'to_address' | 'template' | 'status' | 'delivery_status' | 'delivery_reason' | 'delivery_error_code' | 'attempts' | 'last_error' | 'provider' | 'provider_id' | 'created_at' | 'sent_at'>;

/** CASE "id" WHEN … THEN <its provider id> … END: each message's own id from its provider. */
function providerIds(eb: ExpressionBuilder<DB, 'outbox_messages'>, sent: readonly { id: string; providerId: string | null }[]) {
  let c = eb.case('id').when(sent[0]!.id).then(sent[0]!.providerId);
  for (const x of sent.slice(1)) c = c.when(x.id).then(x.providerId);
  return c.else(null).end();
}

export function outboxRepo(db: Kysely<DB>) {
  /**
   * The shops each message concerns, for the audit trail: its own, or every shop its login
   * matched — one query for all the messages that belong to a login.
   */
  async function tenantsOfMany(ms: Pick<OutboxMessage, 'id' | 'tenant_id' | 'login_request_id'>[]): Promise<Map<string, string[]>> {
    const logins = [...new Set(ms.filter((m) => !m.tenant_id && m.login_request_id).map((m) => m.login_request_id!))];
    const rows = logins.length ? await db.selectFrom('login_request_clients').select(['login_request_id', 'tenant_id']).where('login_request_id', 'in', logins).execute() : [];
    const byLogin = new Map<string, string[]>();
    for (const r of rows) byLogin.set(r.login_request_id, [...(byLogin.get(r.login_request_id) ?? []), r.tenant_id]);
    return new Map(ms.map((m) => [m.id, m.tenant_id ? [m.tenant_id] : (byLogin.get(m.login_request_id ?? '') ?? [])]));
  }

  return {
    /**
     * Claims up to `limit` due messages with a lease, so a crashed worker's messages come back
     * after `leaseMs`. On PostgreSQL the candidate rows are locked with SKIP LOCKED, so several
     * workers never claim the same message; SQLite has a single writer and needs no lock.
     */
    async claimDue(now: number, limit: number, leaseMs: number): Promise<OutboxMessage[]> {
      const due = dueIds(db, { table: 'outbox_messages', leased: 'sending', dueColumn: 'next_attempt_at' }, now, limit);
      return db
        .updateTable('outbox_messages')
        .set((eb) => ({ status: 'sending', locked_until: now + leaseMs, attempts: eb('attempts', '+', 1) }))
        .where('id', 'in', due)
        .returningAll()
        .execute();
    },

    /**
     * Marks a batch of messages sent: one statement per provider, each message's own provider id set by a
     * CASE on its id.
     */
    async markSentMany(sent: readonly { id: string; provider: string; providerId: string | null }[], now: number): Promise<void> {
      for (const provider of new Set(sent.map((x) => x.provider))) {
        const mine = sent.filter((x) => x.provider === provider);
        for (const chunk of inBatches(mine, 3, 8)) {
          const withId = chunk.filter((x) => x.providerId !== null);
          await db
            .updateTable('outbox_messages')
            .set((eb) => ({
              status: 'sent',
              provider,
              provider_id: withId.length ? providerIds(eb, withId) : null,
              sent_at: now,
              locked_until: null,
              last_error: null,
              payload_enc: null,
            }))
            .where('id', 'in', chunk.map((x) => x.id))
            .where('status', '=', 'sending')
            .execute();
        }
      }
    },

    async markRetry(id: string, error: string, nextAttemptAt: number): Promise<void> {
      await db
        .updateTable('outbox_messages')
        .set({ status: 'queued', last_error: error, next_attempt_at: nextAttemptAt, locked_until: null })
        .where('id', '=', id)
        .where('status', '=', 'sending')
        .execute();
    },

    /** Final states erase the sealed payload: it holds a link nobody should be able to read later. */
    async markFinal(id: string, status: 'failed' | 'expired', error: string | null): Promise<void> {
      await db
        .updateTable('outbox_messages')
        .set({ status, last_error: error, locked_until: null, payload_enc: null })
        .where('id', '=', id)
        .where('status', '=', 'sending')
        .execute();
    },

    byId(id: string) {
      return db.selectFrom('outbox_messages').selectAll().where('id', '=', id).executeTakeFirst();
    },

    async setProviderId(id: string, providerId: string): Promise<void> {
      await db.updateTable('outbox_messages').set({ provider_id: providerId }).where('id', '=', id).where('provider_id', 'is', null).execute();
    },

    byProviderId(providerId: string) {
      return db.selectFrom('outbox_messages').selectAll().where('provider_id', '=', providerId).executeTakeFirst();
    },

    async setDeliveryStatus(id: string, status: DeliveryStatus, errorCode: string | null, reason: string | null, now: number): Promise<void> {
      await db
        .updateTable('outbox_messages')
        .set({ delivery_status: status, delivery_error_code: errorCode, delivery_reason: reason, delivery_updated_at: now })
        .where('id', '=', id)
        .execute();
    },

    /** A client's login messages in one shop (through the logins that matched them), newest first. */
    /**
     * Every message a client received from one shop, newest first: login messages (through the
     * logins that matched the client there, with whether the login was used) and automated emails.
     */
    async forClient(tenantId: string, clientId: string, limit: number): Promise<(MessageRow & { login_status: string | null })[]> {
      const [logins, emails] = await Promise.all([
        db
          .selectFrom('outbox_messages as m')
          .innerJoin('login_request_clients as lc', 'lc.login_request_id', 'm.login_request_id')
          .innerJoin('login_requests as r', 'r.id', 'm.login_request_id')
          .select([...historyColumns, 'r.status as login_status'])
          .where('lc.tenant_id', '=', tenantId)
          .where('lc.client_id', '=', clientId)
          .orderBy('m.created_at', 'desc')
          .limit(limit)
          .execute(),
        db
          .selectFrom('outbox_messages as m')
          .select((eb) => [...historyColumns, eb.val<string | null>(null).as('login_status')])
          .where('m.tenant_id', '=', tenantId)
          .where('m.client_id', '=', clientId)
          .orderBy('m.created_at', 'desc')
          .limit(limit)
          .execute(),
      ]);
      return [...logins, ...emails].sort((a, b) => b.created_at - a.created_at || b.id.localeCompare(a.id)).slice(0, limit);
    },

    historyOfLogin(loginRequestId: string): Promise<MessageRow[]> {
      return db.selectFrom('outbox_messages as m').select(historyColumns).where('m.login_request_id', '=', loginRequestId).orderBy('m.created_at').execute();
    },

    /** Messages waiting to go out, and the age of the oldest (for /metrics). */
    async backlog(now: number) {
      const r = await db
        .selectFrom('outbox_messages')
        .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.min('created_at').as('oldest')])
        .where('status', 'in', ['queued', 'sending'])
        .executeTakeFirstOrThrow();
      return { count: Number(r.n), oldestAgeMs: r.oldest === null ? 0 : now - Number(r.oldest) };
    },

    tenantsOfMany,

    /** The shops a message concerns, for the audit trail: its own, or every shop its login matched. */
    async tenantsOf(m: Pick<OutboxMessage, 'tenant_id' | 'login_request_id'>): Promise<string[]> {
      return (await tenantsOfMany([{ ...m, id: '' }])).get('')!;
    },
  };
}
