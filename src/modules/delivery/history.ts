// "What happened to this client's login message?" — every message with its whole life, per login
// link or per client (tenant-scoped), for the owner UI, support and the CLI.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { maskIdentifier } from '../../lib/mask.ts';
import { deliveryEventsRepo } from './delivery-events.repo.ts';

export interface MessageHistory {
  id: string;
  loginRequestId: string | null;
  channel: 'email' | 'sms';
  to: string;
  template: string;
  status: string;
  deliveryStatus: string | null;
  reason: string | null;
  errorCode: string | null;
  attempts: number;
  lastError: string | null;
  provider: string | null;
  providerId: string | null;
  createdAt: number;
  sentAt: number | null;
  events: { kind: string; detail: string | null; errorCode: string | null; at: number }[];
}

const columns = [
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

export function createDeliveryHistory(deps: { db: Kysely<DB> }) {
  const { db } = deps;

  async function withEvents(rows: Awaited<ReturnType<typeof forClientRows>>): Promise<MessageHistory[]> {
    const events = await deliveryEventsRepo(db).forMessages(rows.map((r) => r.id));
    return rows.map((r) => ({
      id: r.id,
      loginRequestId: r.login_request_id,
      channel: r.channel,
      to: maskIdentifier(r.channel === 'sms' ? 'phone' : 'email', r.to_address),
      template: r.template,
      status: r.status,
      deliveryStatus: r.delivery_status,
      reason: r.delivery_reason,
      errorCode: r.delivery_error_code,
      attempts: r.attempts,
      lastError: r.last_error,
      provider: r.provider,
      providerId: r.provider_id,
      createdAt: r.created_at,
      sentAt: r.sent_at,
      events: events.filter((e) => e.message_id === r.id).map((e) => ({ kind: e.kind, detail: e.detail, errorCode: e.error_code, at: e.created_at })),
    }));
  }

  function forClientRows(tenantId: string, clientId: string, limit: number) {
    return db
      .selectFrom('outbox_messages as m')
      .innerJoin('login_request_clients as lc', 'lc.login_request_id', 'm.login_request_id')
      .select(columns)
      .where('lc.tenant_id', '=', tenantId)
      .where('lc.client_id', '=', clientId)
      .orderBy('m.created_at', 'desc')
      .limit(limit)
      .execute();
  }

  return {
    /** A client's login messages in one shop, newest first. */
    async forClient(tenantId: string, clientId: string, limit = 50): Promise<MessageHistory[]> {
      return withEvents(await forClientRows(tenantId, clientId, limit));
    },
    /** The messages of one login link (normally one; more when re-sent by the other channel). */
    async forLoginRequest(loginRequestId: string): Promise<MessageHistory[]> {
      const rows = await db.selectFrom('outbox_messages as m').select(columns).where('m.login_request_id', '=', loginRequestId).orderBy('m.created_at').execute();
      return withEvents(rows);
    },
  };
}
export type DeliveryHistory = ReturnType<typeof createDeliveryHistory>;
