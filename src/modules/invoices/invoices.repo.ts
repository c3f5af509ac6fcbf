import type { Kysely, Selectable } from 'kysely';
import type { DB, InvoicesTable, InvoiceStatus } from '../../db/schema.ts';
import { prepared } from '../../db/prepared.ts';

export type InvoiceRow = Selectable<InvoicesTable>;

// The portal reads these on every visit (its home page, the invoice list, an invoice): built and
// compiled once.
const clientList = prepared<{ tenantId: string; clientId: string }, InvoiceRow>((db: Kysely<DB>, v) =>
  db.selectFrom('invoices').selectAll().where('tenant_id', '=', v.tenantId).where('client_id', '=', v.clientId).where('status', '!=', 'draft').orderBy('due_date', 'desc'),
);
const clientOne = prepared<{ tenantId: string; clientId: string; id: string }, InvoiceRow>((db: Kysely<DB>, v) =>
  db.selectFrom('invoices').selectAll().where('tenant_id', '=', v.tenantId).where('client_id', '=', v.clientId).where('id', '=', v.id),
);

/** Every read is scoped to a shop, and the portal's reads to one client of that shop. */
export function invoicesRepo(db: Kysely<DB>) {
  return {
    async insert(row: InvoiceRow): Promise<void> {
      await db.insertInto('invoices').values(row).execute();
    },
    /** Updates an invoice only while it is still open (draft or sent); false when it no longer is. */
    async updateOpen(tenantId: string, id: string, patch: Partial<Omit<InvoiceRow, 'id' | 'tenant_id' | 'created_at'>>): Promise<boolean> {
      const r = await db.updateTable('invoices').set(patch).where('tenant_id', '=', tenantId).where('id', '=', id).where('status', 'in', ['draft', 'sent']).executeTakeFirst();
      return r.numUpdatedRows === 1n;
    },

    /** Claims an open invoice for a payment and returns the amount as it was at that instant. */
    claimForPayment(tenantId: string, clientId: string, id: string, now: number) {
      return db
        .updateTable('invoices')
        .set({ status: 'paying', updated_at: now })
        .where('tenant_id', '=', tenantId)
        .where('client_id', '=', clientId)
        .where('id', '=', id)
        .where('status', '=', 'sent')
        .returning(['total_cents', 'currency'])
        .executeTakeFirst();
    },
    byExternalId(tenantId: string, externalId: string) {
      return db.selectFrom('invoices').selectAll().where('tenant_id', '=', tenantId).where('external_id', '=', externalId).executeTakeFirst();
    },
    async forClient(tenantId: string, clientId: string, id: string): Promise<InvoiceRow | undefined> {
      return (await clientOne(db, { tenantId, clientId, id }))[0];
    },
    /** What a client sees: never drafts. */
    listForClient(tenantId: string, clientId: string): Promise<InvoiceRow[]> {
      return clientList(db, { tenantId, clientId });
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
