import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';

/** The raw material of one shop's sign-in health since a moment (always scoped to that shop). */
export function healthRepo(db: Kysely<DB>) {
  return {
    /** Sign-in links asked for that matched this shop's clients: sent or refused (with the reason). */
    decisions(tenantId: string, since: number) {
      return db
        .selectFrom('audit_events')
        .select(['action', 'data', 'created_at'])
        .where('tenant_id', '=', tenantId)
        .where('action', 'in', ['login.link_issued', 'login.link_refused'])
        .where('created_at', '>=', since)
        .execute();
    },
    /** The logins that went out for this shop's clients: whether opened and used. */
    logins(tenantId: string, since: number) {
      return db
        .selectFrom('login_requests as r')
        .innerJoin('login_request_clients as lc', 'lc.login_request_id', 'r.id')
        .select(['r.id', 'r.channel', 'r.created_at', 'r.opened_at', 'r.status'])
        .where('lc.tenant_id', '=', tenantId)
        .where('r.created_at', '>=', since)
        .where('r.audience', '=', 'client')
        .execute();
    },
    /** Their messages, with what became of each. */
    messages(tenantId: string, since: number) {
      return db
        .selectFrom('outbox_messages as m')
        .innerJoin('login_request_clients as lc', 'lc.login_request_id', 'm.login_request_id')
        .innerJoin('login_requests as r', 'r.id', 'm.login_request_id')
        .where('r.audience', '=', 'client')
        .select(['m.id', 'm.channel', 'm.status', 'm.delivery_status', 'm.delivery_error_code', 'm.delivery_reason', 'm.last_error', 'm.created_at'])
        .where('lc.tenant_id', '=', tenantId)
        .where('m.template', '=', 'login-link')
        .where('m.created_at', '>=', since)
        .execute();
    },
  };
}
