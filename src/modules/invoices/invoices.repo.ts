import type { Kysely, Selectable } from 'kysely';
import type { DB, InvoicesTable, InvoiceStatus } from '../../db/schema.ts';

export type InvoiceRow = Selectable<InvoicesTable>;

/** Every read is scoped to a shop, and the portal's reads to one client of that shop. */
export function invoicesRepo(db: Kysely<DB>) {
  return {
    async insert(row: InvoiceRow): Promise<void> {
      await db.insertInto('invoices').values(row).execute();
    },
    async update(tenantId: string, id: string, patch: Partial<Omit<InvoiceRow, 'id' | 'tenant_id' | 'created_at'>>): Promise<void> {
      await db.updateTable('invoices').set(patch).where('tenant_id', '=', tenantId).where('id', '=', id).execute();
    },
    byExternalId(tenantId: string, externalId: string) {
      return db.selectFrom('invoices').selectAll().where('tenant_id', '=', tenantId).where('external_id', '=', externalId).executeTakeFirst();
    },
    forClient(tenantId: string, clientId: string, id: string) {
      return db.selectFrom('invoices').selectAll().where('tenant_id', '=', tenantId).where('client_id', '=', clientId).where('id', '=', id).executeTakeFirst();
    },
    /** What a client sees: never drafts. */
    listForClient(tenantId: string, clientId: string) {
      return db
        .selectFrom('invoices')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('client_id', '=', clientId)
        .where('status', '!=', 'draft')
        .orderBy('due_date', 'desc')
        .execute();
    },
    /** Atomic state change: only one caller moves an invoice out of `from`. */
    async transition(tenantId: string, id: string, from: InvoiceStatus[], to: InvoiceStatus, now: number): Promise<boolean> {
      const r = await db
        .updateTable('invoices')
        .set({ status: to, updated_at: now, paid_at: to === 'paid' ? now : null })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .where('status', 'in', from)
        .executeTakeFirst();
      return r.numUpdatedRows === 1n;
    },
  };
}
