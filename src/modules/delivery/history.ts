// "What happened to this client's login message?" — every message with its whole life, per login
// link or per client (tenant-scoped), for the owner UI, support and the CLI.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { maskIdentifier } from '../../lib/mask.ts';
import { deliveryEventsRepo } from './delivery-events.repo.ts';
import { outboxRepo, type MessageRow } from './outbox.repo.ts';
import { outcomeOf, type Outcome } from './outcome.ts';

export interface MessageHistory {
  id: string;
  loginRequestId: string | null;
  channel: 'email' | 'sms';
  /** Masked, for showing. */
  to: string;
  /** The address itself: the shop's own client data, for comparing with what is on file now. */
  toAddress: string;
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
  /** For a login message: whether its link (or code) was used to sign in; null for other messages. */
  linkUsed: boolean | null;
  /** What became of it, in plain words (see outcome.ts). */
  outcome: Outcome;
  events: { kind: string; detail: string | null; errorCode: string | null; at: number }[];
}

export function createDeliveryHistory(deps: { db: Kysely<DB> }) {
  const { db } = deps;

  async function withEvents(rows: (MessageRow & { login_status?: string | null })[]): Promise<MessageHistory[]> {
    const events = await deliveryEventsRepo(db).forMessages(rows.map((r) => r.id));
    return rows.map((r) => ({
      id: r.id,
      loginRequestId: r.login_request_id,
      channel: r.channel,
      to: maskIdentifier(r.channel === 'sms' ? 'phone' : 'email', r.to_address),
      toAddress: r.to_address,
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
      linkUsed: r.login_status === undefined || r.login_status === null ? null : r.login_status === 'consumed',
      outcome: outcomeOf(r),
      events: events.filter((e) => e.message_id === r.id).map((e) => ({ kind: e.kind, detail: e.detail, errorCode: e.error_code, at: e.created_at })),
    }));
  }

  return {
    /** A client's login messages in one shop, newest first. */
    async forClient(tenantId: string, clientId: string, limit = 50): Promise<MessageHistory[]> {
      return withEvents(await outboxRepo(db).forClient(tenantId, clientId, limit));
    },
    /** The messages of one login link (normally one; more when re-sent by the other channel). */
    async forLoginRequest(loginRequestId: string): Promise<MessageHistory[]> {
      return withEvents(await outboxRepo(db).historyOfLogin(loginRequestId));
    },
  };
}
export type DeliveryHistory = ReturnType<typeof createDeliveryHistory>;
