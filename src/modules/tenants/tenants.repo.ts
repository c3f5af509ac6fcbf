import type { Kysely, Selectable } from 'kysely';
import type { DB, TenantLogosTable, TenantsTable } from '../../db/schema.ts';

export type Tenant = Selectable<TenantsTable>;

export function tenantsRepo(db: Kysely<DB>) {
  return {
    async insert(t: Tenant): Promise<void> {
      await db.insertInto('tenants').values(t).execute();
    },
    byId(id: string) {
      return db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
    },
    byIds(ids: string[]) {
      return db.selectFrom('tenants').selectAll().where('id', 'in', ids).orderBy('name').execute();
    },
    bySlug(slug: string) {
      return db.selectFrom('tenants').selectAll().where('slug', '=', slug).executeTakeFirst();
    },
    list() {
      return db.selectFrom('tenants').selectAll().orderBy('name').execute();
    },
    count() {
      return db.selectFrom('tenants').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    },
    /** Keeps the fetched logo (one per shop; a new one replaces the old). */
    async saveLogo(row: Selectable<TenantLogosTable>): Promise<void> {
      await db
        .insertInto('tenant_logos')
        .values(row)
        .onConflict((oc) => oc.column('tenant_id').doUpdateSet({ hash: row.hash, content_type: row.content_type, bytes: row.bytes, source_url: row.source_url, created_at: row.created_at }))
        .execute();
    },
    logo(tenantId: string, hash: string) {
      return db.selectFrom('tenant_logos').select(['content_type', 'bytes']).where('tenant_id', '=', tenantId).where('hash', '=', hash).executeTakeFirst();
    },
    async update(id: string, patch: Partial<Omit<Tenant, 'id' | 'created_at'>>): Promise<void> {
      await db.updateTable('tenants').set(patch).where('id', '=', id).execute();
    },
  };
}
