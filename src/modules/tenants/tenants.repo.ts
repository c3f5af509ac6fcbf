import type { Kysely, Selectable } from 'kysely';
import type { DB, TenantsTable } from '../../db/schema.ts';

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
    async update(id: string, patch: Partial<Omit<Tenant, 'id' | 'created_at'>>): Promise<void> {
      await db.updateTable('tenants').set(patch).where('id', '=', id).execute();
    },
  };
}
