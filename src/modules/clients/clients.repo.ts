import type { Kysely, Selectable } from 'kysely';
import type { ClientsTable, DB } from '../../db/schema.ts';
import type { Identifier } from './contact.ts';
import { isPostgres } from '../../db/dialect.ts';

export type Client = Selectable<ClientsTable>;

/** Every method but the login lookup takes the tenant id: a client is only ever read within its shop. */
export function clientsRepo(db: Kysely<DB>) {
  return {
    async insert(c: Client): Promise<void> {
      await db.insertInto('clients').values(c).execute();
    },
    byId(tenantId: string, id: string) {
      return db.selectFrom('clients').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    },
    /**
     * The client's status and link version, read for a signed link's session in the same
     * transaction that creates it (and locked on PostgreSQL), so a contact change cannot slip in
     * between the check and the session.
     */
    linkState(tenantId: string, id: string) {
      return db
        .selectFrom('clients')
        .select(['status', 'link_version'])
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .$if(isPostgres(db), (q) => q.forUpdate())
        .executeTakeFirst();
    },
    byExternalId(tenantId: string, externalId: string) {
      return db
        .selectFrom('clients')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('external_id', '=', externalId)
        .executeTakeFirst();
    },
    byContact(tenantId: string, id: Identifier) {
      return db.selectFrom('clients').selectAll().where('tenant_id', '=', tenantId).where(id.kind, '=', id.value).executeTakeFirst();
    },
    listForTenant(tenantId: string) {
      return db.selectFrom('clients').selectAll().where('tenant_id', '=', tenantId).orderBy('name').execute();
    },
    /**
     * The one deliberate cross-tenant read: login looks for the identifier in every active shop.
     * Returns the client with its shop's display details.
     */
    findForLogin(id: Identifier) {
      return db
        .selectFrom('clients')
        .innerJoin('tenants', 'tenants.id', 'clients.tenant_id')
        .select(['clients.id as client_id', 'clients.tenant_id', 'clients.name as client_name', 'clients.email', 'clients.phone', 'tenants.name as tenant_name'])
        .where(`clients.${id.kind}`, '=', id.value)
        .where('clients.status', '=', 'active')
        .where('tenants.status', '=', 'active')
        .orderBy('tenants.name')
        .execute();
    },
    async update(tenantId: string, id: string, patch: Partial<Omit<Client, 'id' | 'tenant_id' | 'created_at'>>): Promise<void> {
      await db.updateTable('clients').set(patch).where('tenant_id', '=', tenantId).where('id', '=', id).execute();
    },
  };
}
