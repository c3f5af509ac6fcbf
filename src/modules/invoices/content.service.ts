// Invoices and service reports: written by the shop's main system (API), read and paid by clients.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { AppError } from '../../lib/app-error.ts';
import type { Clock } from '../../lib/clock.ts';
import { newId } from '../../lib/ids.ts';
import { auditRepo } from '../audit/audit.repo.ts';
import { clientsRepo } from '../clients/clients.repo.ts';
import type { InvoiceBody, ReportBody } from '../api/schemas.ts';
import type { PaymentProvider } from '../payments/payment-provider.ts';
import { paymentsRepo } from '../payments/payments.repo.ts';
import { reportsRepo } from '../reports/reports.repo.ts';
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

export function createContentService(deps: { db: Kysely<DB>; clock: Clock; payments: PaymentProvider }) {
  const { db, clock } = deps;

  async function clientByExternalId(trx: Kysely<DB>, tenantId: string, externalId: string) {
    const c = await clientsRepo(trx).byExternalId(tenantId, externalId);
    if (!c) throw new AppError('CLIENT_NOT_FOUND', `No client with external id "${externalId}" in this shop; create it first with PUT /api/v1/clients/${externalId}.`, 422, 'clientExternalId');
    return c;
  }

  return {
    /** Creates or updates an invoice by the shop's own id (idempotent). Paid and void invoices are closed. */
    async upsertInvoice(tenantId: string, externalId: string, v: InvoiceBody): Promise<{ invoice: InvoiceRow; created: boolean }> {
      if (v.dueDate < v.issueDate) throw new AppError('INVALID_INPUT', 'dueDate must not be before issueDate.', 400, 'dueDate');
      const items: LineItem[] = v.lineItems.map((l) => ({ ...l, amountCents: Math.round(l.quantity * l.unitCents) }));
      const total = items.reduce((n, l) => n + l.amountCents, 0);
      if (total <= 0) throw new AppError('INVALID_INPUT', 'The invoice total must be more than zero.', 400, 'lineItems');
      return db.transaction().execute(async (trx) => {
        const client = await clientByExternalId(trx, tenantId, v.clientExternalId);
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
          if (existing.status === 'paid' || existing.status === 'void') {
            throw new AppError('INVOICE_CLOSED', `Invoice ${existing.number} is ${existing.status} and can no longer be changed.`, 409);
          }
          await repo.update(tenantId, existing.id, fields);
          await auditRepo(trx).record({ tenantId, clientId: client.id, actor: 'system', action: 'invoice.updated', subjectId: existing.id, data: { externalId }, at: now });
          return { invoice: { ...existing, ...fields }, created: false };
        }
        const invoice: InvoiceRow = { id: newId(), tenant_id: tenantId, external_id: externalId, paid_at: null, created_at: now, ...fields };
        await repo.insert(invoice);
        await auditRepo(trx).record({ tenantId, clientId: client.id, actor: 'system', action: 'invoice.created', subjectId: invoice.id, data: { externalId, totalCents: total }, at: now });
        return { invoice, created: true };
      });
    },

    /** Marks an invoice paid or void from the shop's side (paid elsewhere, cancelled). */
    async closeInvoice(tenantId: string, externalId: string, to: 'paid' | 'void'): Promise<InvoiceRow> {
      return db.transaction().execute(async (trx) => {
        const repo = invoicesRepo(trx);
        const inv = await repo.byExternalId(tenantId, externalId);
        if (!inv) throw new AppError('INVOICE_NOT_FOUND', `No invoice with external id "${externalId}".`, 404);
        if (inv.status === to) return inv;
        const now = clock.now();
        if (!(await repo.transition(tenantId, inv.id, to === 'paid' ? ['draft', 'sent'] : ['draft', 'sent'], to, now))) {
          throw new AppError('INVOICE_CLOSED', `Invoice ${inv.number} is ${inv.status} and cannot become ${to}.`, 409);
        }
        await auditRepo(trx).record({ tenantId, clientId: inv.client_id, actor: 'system', action: `invoice.${to}`, subjectId: inv.id, data: { externalId }, at: now });
        return (await repo.byExternalId(tenantId, externalId))!;
      });
    },

    /** A client pays in the portal. Exactly once: the status change is atomic and payments are unique per invoice. */
    async pay(session: { tenantId: string; clientId: string; id: string }, invoiceId: string): Promise<InvoiceRow> {
      const repo = invoicesRepo(db);
      const inv = await repo.forClient(session.tenantId, session.clientId, invoiceId);
      if (!inv || inv.status === 'draft') throw new AppError('INVOICE_NOT_FOUND', 'We couldn’t find that invoice.', 404);
      if (inv.status !== 'sent') throw new AppError('INVOICE_NOT_OPEN', inv.status === 'paid' ? 'This invoice is already paid.' : 'This invoice was cancelled by the shop and needs no payment.', 409);
      // Claim first (atomic), so of two parallel clicks only one ever reaches the provider.
      const claimedAt = clock.now();
      if (!(await invoicesRepo(db).transition(session.tenantId, inv.id, ['sent'], 'paid', claimedAt))) {
        throw new AppError('INVOICE_NOT_OPEN', 'This invoice is already paid.', 409);
      }
      let charge: { reference: string };
      try {
        charge = await deps.payments.charge({ tenantId: inv.tenant_id, invoiceId: inv.id, amountCents: inv.total_cents, currency: inv.currency });
      } catch (err) {
        await invoicesRepo(db).transition(session.tenantId, inv.id, ['paid'], 'sent', clock.now());
        throw new AppError('PAYMENT_DECLINED', `The payment did not go through${err instanceof Error && err.message ? `: ${err.message}` : ''}. Nothing was charged; please try again.`, 402);
      }
      await db.transaction().execute(async (trx) => {
        await paymentsRepo(trx).insert({ id: newId(), tenant_id: inv.tenant_id, invoice_id: inv.id, client_id: session.clientId, provider: deps.payments.name, provider_ref: charge.reference, amount_cents: inv.total_cents, currency: inv.currency, created_at: clock.now() });
        await auditRepo(trx).record({ tenantId: inv.tenant_id, clientId: session.clientId, actor: 'client', action: 'invoice.paid_by_client', subjectId: inv.id, data: { amountCents: inv.total_cents, provider: deps.payments.name, session: session.id }, at: clock.now() });
      });
      return { ...inv, status: 'paid', paid_at: claimedAt };
    },

    paymentFor(tenantId: string, invoiceId: string) {
      return paymentsRepo(db).forInvoice(tenantId, invoiceId);
    },

    async upsertReport(tenantId: string, externalId: string, v: ReportBody) {
      return db.transaction().execute(async (trx) => {
        const client = await clientByExternalId(trx, tenantId, v.clientExternalId);
        const repo = reportsRepo(trx);
        const existing = await repo.byExternalId(tenantId, externalId);
        const now = clock.now();
        const fields = {
          client_id: client.id,
          service_date: v.serviceDate,
          technician: v.technician,
          title: v.title,
          notes: v.notes,
          checklist: JSON.stringify(v.checklist),
          photos: JSON.stringify(v.photos),
          updated_at: now,
        };
        if (existing) {
          await repo.update(tenantId, existing.id, fields);
          return { report: { ...existing, ...fields }, created: false };
        }
        const report = { id: newId(), tenant_id: tenantId, external_id: externalId, created_at: now, ...fields };
        await repo.insert(report);
        await auditRepo(trx).record({ tenantId, clientId: client.id, actor: 'system', action: 'report.created', subjectId: report.id, data: { externalId }, at: now });
        return { report, created: true };
      });
    },
  };
}
export type ContentService = ReturnType<typeof createContentService>;
