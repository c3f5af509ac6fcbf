import { sql, type Kysely } from 'kysely';
import { lookupByKeys } from '../../db/prepared.ts';
import { sqliteReader } from '../../db/database.ts';
import { inBatches } from '../../db/batches.ts';
import type { DB } from '../../db/schema.ts';


/**
 * The hot path: every portal request runs exactly this one primary-key lookup. It brings the
 * shop's current session length and the shop's and client's status along, so lowering the
 * length or disabling either takes effect on the very next request.
 */
function validationQuery(db: Kysely<DB>) {
  return db
    .selectFrom('sessions as s')
    .innerJoin('tenants as t', 't.id', 's.tenant_id')
    .innerJoin('clients as c', (j) => j.onRef('c.id', '=', 's.client_id').onRef('c.tenant_id', '=', 's.tenant_id'))
    .select([
      's.id',
      's.tenant_id',
      's.client_id',
      's.secret_hash',
      's.kind',
      's.scope_kind',
      's.scope_id',
      's.created_at',
      's.renewed_at',
      's.expires_at',
      's.revoked_at',
      't.session_days',
      't.status as tenant_status',
      't.name as tenant_name',
      't.slug as tenant_slug',
      't.brand_color',
      't.logo_hash',
      't.contact_phone',
      't.contact_email',
      't.address',
      'c.status as client_status',
      'c.name as client_name',
    ]);
}
export type SessionForValidation = NonNullable<Awaited<ReturnType<ReturnType<typeof validationQuery>['executeTakeFirst']>>>;

/**
 * Builds the lookup once. Building a Kysely query costs more than running it, so the compiled
 * query is reused with a new parameter; on SQLite it runs as a prepared statement on the
 * read-only connection, synchronously. On PostgreSQL, where every query is a round trip, the
 * lookups of concurrent requests made in one turn of the event loop go in one query (`= any($1)`,
 * still by primary key; db/prepared.ts lookupByKeys) — each request still reads its session as it
 * is now.
 */
export function createSessionLookup(db: Kysely<DB>): (id: string) => Promise<SessionForValidation | undefined> {
  const reader = sqliteReader(db);
  if (reader) {
    const stmt = reader.prepare(validationQuery(db).where('s.id', '=', '?').compile().sql);
    return async (id) => stmt.get(id) as SessionForValidation | undefined;
  }
  const compiled = validationQuery(db)
    .where(sql<boolean>`s.id = any(${[] as string[]}::text[])`)
    .compile();
  return lookupByKeys<SessionForValidation>(db, compiled, (r) => r.id);
}

export function sessionsRepo(db: Kysely<DB>) {
  return {
    /** Marks the session used now: its idle deadline moves on (its absolute end never does). */
    async renew(tenantId: string, id: string, now: number): Promise<void> {
      await db.updateTable('sessions').set({ renewed_at: now }).where('tenant_id', '=', tenantId).where('id', '=', id).execute();
    },

    async revoke(tenantId: string, id: string, now: number): Promise<boolean> {
      const r = await db
        .updateTable('sessions')
        .set({ revoked_at: now })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return r.numUpdatedRows === 1n;
    },

    async revokeAllForClient(tenantId: string, clientId: string, now: number): Promise<number> {
      const r = await db
        .updateTable('sessions')
        .set({ revoked_at: now })
        .where('tenant_id', '=', tenantId)
        .where('client_id', '=', clientId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows);
    },

    /** A client's sessions that are still open, newest use first (for the shop console). */
    activeForClient(tenantId: string, clientId: string) {
      return db
        .selectFrom('sessions')
        .select(['id', 'kind', 'created_at', 'renewed_at', 'expires_at', 'ip', 'user_agent', 'scope_kind'])
        .where('tenant_id', '=', tenantId)
        .where('client_id', '=', clientId)
        .where('revoked_at', 'is', null)
        .orderBy('renewed_at', 'desc')
        .limit(50)
        .execute();
    },

    /** Sessions opened from email links die with the contact details those links were sent to. */
    revokeLinkSessions(tenantId: string, clientId: string, now: number): Promise<number> {
      return this.revokeLinkSessionsOf(tenantId, [clientId], now);
    },
    /** The same for many clients of one shop at once (a bulk import changed their contact details). */
    async revokeLinkSessionsOf(tenantId: string, clientIds: readonly string[], now: number): Promise<number> {
      let n = 0;
      for (const ids of inBatches(clientIds, 1, 3)) {
        const r = await db
          .updateTable('sessions')
          .set({ revoked_at: now })
          .where('tenant_id', '=', tenantId)
          .where('client_id', 'in', ids)
          .where('kind', '=', 'link')
          .where('revoked_at', 'is', null)
          .executeTakeFirst();
        n += Number(r.numUpdatedRows);
      }
      return n;
    },
  };
}
