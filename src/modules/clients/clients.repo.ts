import { sql, type Kysely, type Selectable } from 'kysely';
import type { ClientsTable, DB } from '../../db/schema.ts';
import type { Identifier } from './contact.ts';
import { isPostgres } from '../../db/dialect.ts';
import { inBatches } from '../../db/batches.ts';

export type Client = Selectable<ClientsTable>;
/** What a bulk import sets on a client it updates. */
export type ClientImportUpdate = Pick<Client, 'id' | 'name' | 'email' | 'phone' | 'locale'>;

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
     * The one deliberate cross-tenant read: login looks for the identifiers in every active shop
     * (one query for a worker batch). Returns each identifier's clients, in its order, with their
     * shop's display details, shops in name order.
     */
    async findForLoginMany(ids: readonly Identifier[]) {
      if (ids.length === 0) return [];
      const values = (kind: Identifier['kind']) => [...new Set(ids.filter((i) => i.kind === kind).map((i) => i.value))];
      const emails = values('email');
      const phones = values('phone');
      const rows = await db
        .selectFrom('clients')
        .innerJoin('tenants', 'tenants.id', 'clients.tenant_id')
        .select(['clients.id as client_id', 'clients.tenant_id', 'clients.name as client_name', 'clients.email', 'clients.phone', 'clients.locale', 'tenants.name as tenant_name', 'tenants.login_channels'])
        .where((eb) => eb.or([...(emails.length ? [eb('clients.email', 'in', emails)] : []), ...(phones.length ? [eb('clients.phone', 'in', phones)] : [])]))
        .where('clients.status', '=', 'active')
        .where('tenants.status', '=', 'active')
        .orderBy('tenants.name')
        .execute();
      return ids.map((id) => rows.filter((r) => r[id.kind] === id.value));
    },
    /** The bulk import's lookups: the shop's clients with any of these external ids (one IN query per ~32,000). */
    async byExternalIds(tenantId: string, externalIds: readonly string[]): Promise<Client[]> {
      const found: Client[] = [];
      for (const ids of inBatches(externalIds, 1, 1)) {
        found.push(...(await db.selectFrom('clients').selectAll().where('tenant_id', '=', tenantId).where('external_id', 'in', ids).execute()));
      }
      return found;
    },
    /** The shop's clients that hold any of these emails (or phones). */
    async byContacts(tenantId: string, kind: Identifier['kind'], values: readonly string[]) {
      const found: Pick<Client, 'id' | 'name' | 'external_id' | 'email' | 'phone'>[] = [];
      for (const vs of inBatches(values, 1, 1)) {
        found.push(...(await db.selectFrom('clients').select(['id', 'name', 'external_id', 'email', 'phone']).where('tenant_id', '=', tenantId).where(kind, 'in', vs).execute()));
      }
      return found;
    },
    /** New clients, many rows to a statement. */
    async insertMany(clients: readonly Client[]): Promise<void> {
      if (clients.length === 0) return;
      for (const rows of inBatches(clients, Object.keys(clients[0]!).length)) await db.insertInto('clients').values(rows).execute();
    },
    /**
     * Sets name, contact details and language of many clients of one shop, many to a statement
     * (UPDATE … FROM a VALUES list: SQLite ≥ 3.33 and PostgreSQL). `bumpLinkVersion`: their
     * contact details changed, so signed links sent before stop working (as clients.update does).
     */
    async updateMany(tenantId: string, rows: readonly ClientImportUpdate[], o: { bumpLinkVersion: boolean; now: number }): Promise<void> {
      for (const batch of inBatches(rows, 5, 2)) {
        const values = sql.join(batch.map((r) => sql`(${r.id}, ${r.name}, ${r.email}, ${r.phone}, ${r.locale})`));
        const linkVersion = o.bumpLinkVersion ? sql`clients.link_version + 1` : sql`clients.link_version`;
        await sql`WITH v(id, name, email, phone, locale) AS (VALUES ${values})
          UPDATE clients SET name = v.name, email = v.email, phone = v.phone, locale = v.locale, link_version = ${linkVersion}, updated_at = ${o.now}
          FROM v WHERE clients.tenant_id = ${tenantId} AND clients.id = v.id`.execute(db);
      }
    },
    async update(tenantId: string, id: string, patch: Partial<Omit<Client, 'id' | 'tenant_id' | 'created_at'>>): Promise<void> {
      await db.updateTable('clients').set(patch).where('tenant_id', '=', tenantId).where('id', '=', id).execute();
    },
  };
}
