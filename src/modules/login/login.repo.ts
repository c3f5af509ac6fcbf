import type { Kysely, Selectable } from 'kysely';
import { isPostgres } from '../../db/dialect.ts';
import type { DB, LoginRequestsTable, LoginStatus } from '../../db/schema.ts';
import type { Writes } from '../../db/writes.ts';

export type LoginRequest = Selectable<LoginRequestsTable>;

/** One shop a login may enter, and who it signs in there (a client, or a staff member with a role). */
export interface LoginMatch {
  tenant_id: string;
  principal_id: string;
  principal_name: string;
  role: string | null;
  tenant_name: string;
  slug: string;
  brand_color: string;
  logo_hash: string | null;
  /** The client's preferred language (clients only). */
  locale: string | null;
}

/**
 * The shops (and the client or staff member in each) this login may enter, added to a batch of
 * writes (db/writes.ts); set by the dispatcher only when it may send.
 */
export function addMatches(w: Writes, request: Pick<LoginRequest, 'id' | 'audience'>, matches: { tenant_id: string; principal_id: string }[]): void {
  if (matches.length === 0) return;
  if (request.audience === 'support') {
    w.insert('login_request_support', ...matches.map((m) => ({ login_request_id: request.id, agent_id: m.principal_id })));
  } else if (request.audience === 'staff') {
    w.insert('login_request_staff', ...matches.map((m) => ({ login_request_id: request.id, tenant_id: m.tenant_id, staff_id: m.principal_id })));
  } else {
    w.insert('login_request_clients', ...matches.map((m) => ({ login_request_id: request.id, tenant_id: m.tenant_id, client_id: m.principal_id })));
  }
  w.update('login_requests', request.id, { matched: matches.length });
}

export function loginRepo(db: Kysely<DB>) {
  return {
    async insert(request: LoginRequest): Promise<void> {
      await db.insertInto('login_requests').values(request).execute();
    },

    byTokenHash(tokenHash: string) {
      return db.selectFrom('login_requests').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    },

    byId(id: string) {
      return db.selectFrom('login_requests').selectAll().where('id', '=', id).executeTakeFirst();
    },

    byIds(ids: readonly string[]) {
      if (ids.length === 0) return Promise.resolve([]);
      return db.selectFrom('login_requests').selectAll().where('id', 'in', ids).execute();
    },

    /**
     * The shops (and the client or staff member in each) this login may enter: only those still
     * active, and only while they still have the email or phone the link was sent for.
     */
    matches(request: Pick<LoginRequest, 'id' | 'audience'>): Promise<LoginMatch[]> {
      if (request.audience === 'support') {
        // Servicio's own agents belong to no shop: the "shop" is Servicio support itself.
        return db
          .selectFrom('login_request_support as m')
          .innerJoin('support_agents as p', 'p.id', 'm.agent_id')
          .innerJoin('login_requests as r', 'r.id', 'm.login_request_id')
          .whereRef('p.email', '=', 'r.identifier')
          .select((eb) => [eb.val('').as('tenant_id'), 'm.agent_id as principal_id', 'p.name as principal_name', eb.val<string | null>('support').as('role'), eb.val('Servicio support').as('tenant_name'), eb.val('servicio-support').as('slug'), eb.val('#334155').as('brand_color'), eb.val<string | null>(null).as('logo_hash'), eb.val<string | null>(null).as('locale')])
          .where('m.login_request_id', '=', request.id)
          .where('p.status', '=', 'active')
          .execute();
      }
      if (request.audience === 'staff') {
        return db
          .selectFrom('login_request_staff as m')
          .innerJoin('staff as p', (j) => j.onRef('p.id', '=', 'm.staff_id').onRef('p.tenant_id', '=', 'm.tenant_id'))
          .innerJoin('tenants as t', 't.id', 'm.tenant_id')
          .innerJoin('login_requests as r', 'r.id', 'm.login_request_id')
          .whereRef('p.email', '=', 'r.identifier')
          .select((eb) => ['m.tenant_id', 'm.staff_id as principal_id', 'p.name as principal_name', 'p.role', 't.name as tenant_name', 't.slug', 't.brand_color', 't.logo_hash', eb.val<string | null>(null).as('locale')])
          .where('m.login_request_id', '=', request.id)
          .where('p.status', '=', 'active')
          .where('t.status', '=', 'active')
          .orderBy('t.name')
          .execute();
      }
      return db
        .selectFrom('login_request_clients as m')
        .innerJoin('clients as c', (j) => j.onRef('c.id', '=', 'm.client_id').onRef('c.tenant_id', '=', 'm.tenant_id'))
        .innerJoin('tenants as t', 't.id', 'm.tenant_id')
        .innerJoin('login_requests as r', 'r.id', 'm.login_request_id')
        .where((eb) =>
          eb.or([
            eb.and([eb('r.identifier_kind', '=', 'email'), eb('c.email', '=', eb.ref('r.identifier'))]),
            eb.and([eb('r.identifier_kind', '=', 'phone'), eb('c.phone', '=', eb.ref('r.identifier'))]),
          ]),
        )
        .select((eb) => ['m.tenant_id', 'm.client_id as principal_id', 'c.name as principal_name', eb.val<string | null>(null).as('role'), 't.name as tenant_name', 't.slug', 't.brand_color', 't.logo_hash', 'c.locale'])
        .where('m.login_request_id', '=', request.id)
        .where('c.status', '=', 'active')
        .where('t.status', '=', 'active')
        .orderBy('t.name')
        .execute();
    },

    /**
     * PostgreSQL: lock the identifier's pending logins in id order before consuming one, so two
     * links of one person redeemed at once queue up instead of deadlocking in supersedeOthers.
     */
    async lockPending(identifier: string): Promise<void> {
      if (!isPostgres(db)) return;
      await db.selectFrom('login_requests').select('id').where('identifier', '=', identifier).where('status', '=', 'pending').orderBy('id').forUpdate().execute();
    },

    /** Atomic single use: only one caller can move a pending, unexpired request to consumed. */
    async consume(id: string, now: number): Promise<boolean> {
      const r = await db
        .updateTable('login_requests')
        .set({ status: 'consumed', consumed_at: now })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return r.numUpdatedRows === 1n;
    },

    /** Using one link retires every other outstanding link for the same email or phone. */
    async supersedeOthers(identifier: string, exceptId: string): Promise<number> {
      const r = await db
        .updateTable('login_requests')
        .set({ status: 'superseded' })
        .where('identifier', '=', identifier)
        .where('status', '=', 'pending')
        .where('id', '!=', exceptId)
        .executeTakeFirst();
      return Number(r.numUpdatedRows);
    },

    /** Counts a wrong code atomically and locks the request at the limit. */
    async recordCodeFailure(id: string, maxAttempts: number) {
      return db
        .updateTable('login_requests')
        .set((eb) => ({
          code_attempts: eb('code_attempts', '+', 1),
          status: eb.case().when('code_attempts', '>=', maxAttempts - 1).then('locked' as LoginStatus).else(eb.ref('status')).end(),
        }))
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .returning(['code_attempts', 'status'])
        .executeTakeFirst();
    },

    /** The one "send me a new link" an expired or used link may ask for: atomic, once. */
    async markResent(id: string, now: number): Promise<boolean> {
      const r = await db.updateTable('login_requests').set({ resent_at: now }).where('id', '=', id).where('resent_at', 'is', null).executeTakeFirst();
      return r.numUpdatedRows === 1n;
    },

    async markOpened(id: string, now: number): Promise<void> {
      await db.updateTable('login_requests').set({ opened_at: now }).where('id', '=', id).where('opened_at', 'is', null).execute();
    },

    async setPick(id: string, pickHash: string, expiresAt: number): Promise<void> {
      await db.updateTable('login_requests').set({ pick_hash: pickHash, pick_expires_at: expiresAt }).where('id', '=', id).execute();
    },

    /** Atomic single use of the tenant picker. */
    async takePick(id: string, now: number): Promise<boolean> {
      const r = await db
        .updateTable('login_requests')
        .set({ picked_at: now })
        .where('id', '=', id)
        .where('picked_at', 'is', null)
        .where('pick_expires_at', '>', now)
        .executeTakeFirst();
      return r.numUpdatedRows === 1n;
    },
  };
}
