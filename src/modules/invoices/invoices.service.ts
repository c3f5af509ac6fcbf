// Invoices: written by the shop's main system (idempotent on its own ids), read by clients.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { retryOnUniqueViolation } from '../../db/errors.ts';
import type { Clock } from '../../lib/clock.ts';
import { newId } from '../../lib/ids.ts';
import { auditRepo } from '../audit/audit.repo.ts';
import { clientErrors } from '../clients/clients.errors.ts';
import { clientsRepo } from '../clients/clients.repo.ts';
import type { InvoiceInput } from './invoice.input.ts';
import { invoiceErrors } from './invoices.errors.ts';
import { invoicesRepo, type InvoiceRow } from './invoices.repo.ts';

export interface LineItem {
  description: string;
  quantity: number;
  unitCents: number;
  amountCents: number;
}

export function parseLineItems(row: Pick<InvoiceRow, 'line_items'>): LineItem[] {
  return JSON.parse(row.line_items) as LineItem[];
}

export function createInvoicesService(deps: { db: Kysely<DB>; clock: Clock }) {
  const { db, clock } = deps;
  return {
    /** Creates or updates an invoice by the shop's own id (idempotent). Paid and void invoices are closed. */
    async upsert(tenantId: string, externalId: string, v: InvoiceInput): Promise<{ invoice: InvoiceRow; created: boolean }> {
      if (v.dueDate < v.issueDate) throw invoiceErrors.DUE_BEFORE_ISSUE();
      const items: LineItem[] = v.lineItems.map((l) => ({ ...l, amountCents: Math.round(l.quantity * l.unitCents) }));
      const total = items.reduce((n, l) => n + l.amountCents, 0);
      if (total <= 0) throw invoiceErrors.TOTAL_NOT_POSITIVE();
      return retryOnUniqueViolation(() =>
        db.transaction().execute(async (trx) => {
          const client = await clientsRepo(trx).byExternalId(tenantId, v.clientExternalId);
          if (!client) throw clientErrors.CLIENT_REF_UNKNOWN(v.clientExternalId);
          const repo = invoicesRepo(trx);
          const existing = await repo.byExternalId(tenantId, externalId);
          const now = clock.now();
          const fields = {
            client_id: client.id,
            number: v.number,
            currency: v.currency,
            line_items: JSON.stringify(items),
            total_cents: total,
            issue_date: v.issueDate,
            due_date: v.dueDate,
            status: v.status,
            updated_at: now,
          };
          if (existing) {
            if (existing.status === 'paid' || existing.status === 'void' || existing.status === 'paying') throw invoiceErrors.INVOICE_CLOSED(existing.number, existing.status);
            if (!(await repo.updateOpen(tenantId, existing.id, fields))) throw invoiceErrors.INVOICE_CLOSED(existing.number, 'being paid or closed');
            await auditRepo(trx).record({ tenantId, clientId: client.id, actor: 'system', action: 'invoice.updated', subjectId: existing.id, data: { externalId }, at: now });
            return { invoice: { ...existing, ...fields }, created: false };
          }
          const invoice: InvoiceRow = { id: newId(), tenant_id: tenantId, external_id: externalId, paid_at: null, created_at: now, ...fields };
          await repo.insert(invoice);
          await auditRepo(trx).record({ tenantId, clientId: client.id, actor: 'system', action: 'invoice.created', subjectId: invoice.id, data: { externalId, totalCents: total }, at: now });
          return { invoice, created: true };
        }),
      );
    },

    /** Marks an invoice paid or void from the shop's side (paid elsewhere, cancelled). */
    async close(tenantId: string, externalId: string, to: 'paid' | 'void'): Promise<InvoiceRow> {
      return db.transaction().execute(async (trx) => {
        const repo = invoicesRepo(trx);
        const inv = await repo.byExternalId(tenantId, externalId);
        if (!inv) throw invoiceErrors.INVOICE_NOT_FOUND(externalId);
        if (inv.status === to) return inv;
        if (inv.status === 'paying') throw invoiceErrors.PAYMENT_IN_PROGRESS(inv.number);
        const now = clock.now();
        if (!(await repo.transition(tenantId, inv.id, ['draft', 'sent'], to, now))) throw invoiceErrors.INVOICE_CLOSED(inv.number, inv.status);
        await auditRepo(trx).record({ tenantId, clientId: inv.client_id, actor: 'system', action: `invoice.${to}`, subjectId: inv.id, data: { externalId }, at: now });
        return (await repo.byExternalId(tenantId, externalId))!;
      });
    },

    /** What a client sees of their invoices (never drafts). */
    listForClient: (tenantId: string, clientId: string) => invoicesRepo(db).listForClient(tenantId, clientId),
    /** One of the client's own invoices, or undefined (another client's is simply not found). */
    async forClient(tenantId: string, clientId: string, id: string) {
      const inv = await invoicesRepo(db).forClient(tenantId, clientId, id);
      return inv && inv.status !== 'draft' ? inv : undefined;
    },
  };
}
export type InvoicesService = ReturnType<typeof createInvoicesService>;
