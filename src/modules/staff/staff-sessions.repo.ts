import type { Kysely, Selectable } from 'kysely';
import type { DB, StaffSessionsTable } from '../../db/schema.ts';

export type StaffSessionRow = Selectable<StaffSessionsTable>;

export function staffSessionsRepo(db: Kysely<DB>) {
  return {
    async insert(s: StaffSessionRow): Promise<void> {
      await db.insertInto('staff_sessions').values(s).execute();
    },
    /** One primary-key lookup with the member's and the shop's current state. */
    forCheck(id: string) {
      return db
        .selectFrom('staff_sessions as s')
        .innerJoin('staff as p', (j) => j.onRef('p.id', '=', 's.staff_id').onRef('p.tenant_id', '=', 's.tenant_id'))
        .innerJoin('tenants as t', 't.id', 's.tenant_id')
        .select([
          's.id',
          's.tenant_id',
          's.staff_id',
          's.secret_hash',
          's.mfa_pending',
          's.created_at',
          's.renewed_at',
          's.expires_at',
          's.revoked_at',
          'p.name as staff_name',
          'p.email as staff_email',
          'p.role',
          'p.status as staff_status',
          'p.totp_enabled_at',
          't.status as tenant_status',
          't.name as tenant_name',
          't.slug as tenant_slug',
          't.brand_color',
          't.logo_hash',
          't.staff_mfa_required',
        ])
        .where('s.id', '=', id)
        .executeTakeFirst();
    },
    async touch(id: string, now: number): Promise<void> {
      await db.updateTable('staff_sessions').set({ renewed_at: now }).where('id', '=', id).execute();
    },
    async clearMfa(id: string): Promise<void> {
      await db.updateTable('staff_sessions').set({ mfa_pending: 0 }).where('id', '=', id).execute();
    },
    async revoke(tenantId: string, id: string, now: number): Promise<boolean> {
      const r = await db.updateTable('staff_sessions').set({ revoked_at: now }).where('tenant_id', '=', tenantId).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
      return r.numUpdatedRows === 1n;
    },
    async revokeAllFor(tenantId: string, staffId: string, now: number): Promise<number> {
      const r = await db.updateTable('staff_sessions').set({ revoked_at: now }).where('tenant_id', '=', tenantId).where('staff_id', '=', staffId).where('revoked_at', 'is', null).executeTakeFirst();
      return Number(r.numUpdatedRows);
    },
  };
}
