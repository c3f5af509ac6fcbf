import { sql, type Kysely, type Selectable } from 'kysely';
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
    /**
     * The console's search, one shop only — or, for Servicio support alone, `'every-shop'` (the
     * second deliberate cross-shop read, see support.routes.ts): by name or email (contains, any
     * case) or by phone (the E.164 form of what was typed, or its digits inside the number). With
     * each client's shop and last sign-in. One page of `limit`, plus one row to tell whether there
     * is a next page.
     */
    search(scope: { tenantId: string } | 'every-shop', q: { text: string; phone: string | null; digits: string | null }, limit: number, offset: number) {
      const like = `%${q.text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      return db
        .selectFrom('clients as c')
        .innerJoin('tenants as t', 't.id', 'c.tenant_id')
        .select(['c.id', 'c.tenant_id', 'c.name', 'c.email', 'c.phone', 'c.status', 'c.external_id', 't.name as tenant_name', 't.status as tenant_status'])
        .select((eb) =>
          eb
            .selectFrom('sessions as s')
            .select((x) => x.fn.max('s.created_at').as('at'))
            .whereRef('s.tenant_id', '=', 'c.tenant_id')
            .whereRef('s.client_id', '=', 'c.id')
            .as('last_sign_in_at'),
        )
        .$if(scope !== 'every-shop', (qb) => qb.where('c.tenant_id', '=', (scope as { tenantId: string }).tenantId))
        .$if(q.text !== '', (qb) =>
          qb.where((eb) =>
            eb.or([
              eb(eb.fn('lower', ['c.name']), 'like', sql<string>`${like} ESCAPE '\\'`),
              eb(eb.fn('lower', ['c.email']), 'like', sql<string>`${like} ESCAPE '\\'`),
              ...(q.phone ? [eb('c.phone', '=', q.phone)] : []),
              ...(q.digits ? [eb('c.phone', 'like', `%${q.digits}%`)] : []),
            ]),
          ),
        )
        .orderBy('c.name')
        .orderBy('t.name')
        .orderBy('c.id')
        .limit(limit + 1)
        .offset(offset)
        .execute();
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
        .select(['clients.id as client_id', 'clients.tenant_id', 'clients.name as client_name', 'clients.email', 'clients.phone', 'clients.locale', 'tenants.name as tenant_name', 'tenants.login_channels'])
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
