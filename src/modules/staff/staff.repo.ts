import type { Kysely, Selectable } from 'kysely';
import type { DB, StaffTable } from '../../db/schema.ts';

export type Staff = Selectable<StaffTable>;

/** Every read but the sign-in lookup is scoped to one shop. */
export function staffRepo(db: Kysely<DB>) {
  return {
    async insert(s: Staff): Promise<void> {
      await db.insertInto('staff').values(s).execute();
    },
    byId(tenantId: string, id: string) {
      return db.selectFrom('staff').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    },
    byEmail(tenantId: string, email: string) {
      return db.selectFrom('staff').selectAll().where('tenant_id', '=', tenantId).where('email', '=', email).executeTakeFirst();
    },
    byExternalId(tenantId: string, externalId: string) {
      return db.selectFrom('staff').selectAll().where('tenant_id', '=', tenantId).where('external_id', '=', externalId).executeTakeFirst();
    },
    list(tenantId: string) {
      return db.selectFrom('staff').selectAll().where('tenant_id', '=', tenantId).orderBy('name').execute();
    },
    async countActiveOwners(tenantId: string): Promise<number> {
      const r = await db.selectFrom('staff').select((eb) => eb.fn.countAll<number>().as('n')).where('tenant_id', '=', tenantId).where('role', '=', 'owner').where('status', '=', 'active').executeTakeFirstOrThrow();
      return Number(r.n);
    },
    async update(tenantId: string, id: string, patch: Partial<Omit<Staff, 'id' | 'tenant_id' | 'created_at'>>): Promise<void> {
      await db.updateTable('staff').set(patch).where('tenant_id', '=', tenantId).where('id', '=', id).execute();
    },
    /** How a client reaches the shop, in notices about their account: the first active owner's email. */
    async ownerEmail(tenantId: string): Promise<string | null> {
      const r = await db.selectFrom('staff').select('email').where('tenant_id', '=', tenantId).where('role', '=', 'owner').where('status', '=', 'active').orderBy('created_at').executeTakeFirst();
      return r?.email ?? null;
    },
    /** The one cross-shop read: a staff sign-in looks for the email in every active shop. */
    findForLogin(email: string) {
      return db
        .selectFrom('staff')
        .innerJoin('tenants', 'tenants.id', 'staff.tenant_id')
        .select(['staff.id as principal_id', 'staff.tenant_id', 'staff.email', 'tenants.name as tenant_name'])
        .where('staff.email', '=', email)
        .where('staff.status', '=', 'active')
        .where('tenants.status', '=', 'active')
        .orderBy('tenants.name')
        .execute();
    },
  };
}
