// Invoices and service reports: written by the shop's main system (API), read and paid by clients.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { AppError } from '../../lib/app-error.ts';
import type { Clock } from '../../lib/clock.ts';
import { newId } from '../../lib/ids.ts';
import { retryOnUniqueViolation } from '../../db/errors.ts';
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
      return retryOnUniqueViolation(() => db.transaction().execute(async (trx) => {
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
          if (existing.status === 'paid' || existing.status === 'void' || existing.status === 'paying') {
            throw new AppError('INVOICE_CLOSED', `Invoice ${existing.number} is ${existing.status} and can no longer be changed.`, 409);
          }
          if (!(await repo.updateOpen(tenantId, existing.id, fields))) {
            throw new AppError('INVOICE_CLOSED', `Invoice ${existing.number} is being paid or is closed and can no longer be changed.`, 409);
          }
          await auditRepo(trx).record({ tenantId, clientId: client.id, actor: 'system', action: 'invoice.updated', subjectId: existing.id, data: { externalId }, at: now });
          return { invoice: { ...existing, ...fields }, created: false };
        }
        const invoice: InvoiceRow = { id: newId(), tenant_id: tenantId, external_id: externalId, paid_at: null, created_at: now, ...fields };
        await repo.insert(invoice);
        await auditRepo(trx).record({ tenantId, clientId: client.id, actor: 'system', action: 'invoice.created', subjectId: invoice.id, data: { externalId, totalCents: total }, at: now });
        return { invoice, created: true };
      }));
    },

    /** Marks an invoice paid or void from the shop's side (paid elsewhere, cancelled). */
    async closeInvoice(tenantId: string, externalId: string, to: 'paid' | 'void'): Promise<InvoiceRow> {
      return db.transaction().execute(async (trx) => {
        const repo = invoicesRepo(trx);
        const inv = await repo.byExternalId(tenantId, externalId);
        if (!inv) throw new AppError('INVOICE_NOT_FOUND', `No invoice with external id "${externalId}".`, 404);
        if (inv.status === to) return inv;
        if (inv.status === 'paying') throw new AppError('PAYMENT_IN_PROGRESS', `The client is paying invoice ${inv.number} right now; try again in a minute.`, 409);
        const now = clock.now();
        if (!(await repo.transition(tenantId, inv.id, to === 'paid' ? ['draft', 'sent'] : ['draft', 'sent'], to, now))) {
          throw new AppError('INVOICE_CLOSED', `Invoice ${inv.number} is ${inv.status} and cannot become ${to}.`, 409);
        }
        await auditRepo(trx).record({ tenantId, clientId: inv.client_id, actor: 'system', action: `invoice.${to}`, subjectId: inv.id, data: { externalId }, at: now });
        return (await repo.byExternalId(tenantId, externalId))!;
      });
    },

    /**
     * A client pays in the portal, exactly once: the invoice is claimed (`sent → paying`, atomic,
     * returning the amount of that instant), the provider is charged with the invoice id as
     * idempotency key, then `paying → paid` and the payment row commit together. A declined charge
     * reopens it; while `paying`, neither the shop's API nor a second click can touch it.
     */
    async pay(session: { tenantId: string; clientId: string; id: string }, invoiceId: string): Promise<InvoiceRow> {
      const repo = invoicesRepo(db);
      const inv = await repo.forClient(session.tenantId, session.clientId, invoiceId);
      if (!inv || inv.status === 'draft') throw new AppError('INVOICE_NOT_FOUND', 'We couldn’t find that invoice.', 404);
      const notOpen = () =>
        new AppError('INVOICE_NOT_OPEN', inv.status === 'void' ? 'This invoice was cancelled by the shop and needs no payment.' : 'This invoice is already paid.', 409);
      if (inv.status !== 'sent') throw notOpen();
      const claim = await repo.claimForPayment(session.tenantId, session.clientId, inv.id, clock.now());
      if (!claim) throw notOpen();
      let charge: { reference: string };
      try {
        charge = await deps.payments.charge({ tenantId: inv.tenant_id, invoiceId: inv.id, amountCents: claim.total_cents, currency: claim.currency, idempotencyKey: `invoice-${inv.id}` });
      } catch (err) {
        await repo.transition(session.tenantId, inv.id, ['paying'], 'sent', clock.now());
        throw new AppError('PAYMENT_DECLINED', `The payment did not go through${err instanceof Error && err.message ? `: ${err.message}` : ''}. Nothing was charged; please try again.`, 402);
      }
      const paidAt = clock.now();
      await db.transaction().execute(async (trx) => {
        await invoicesRepo(trx).transition(session.tenantId, inv.id, ['paying'], 'paid', paidAt);
        await paymentsRepo(trx).insert({ id: newId(), tenant_id: inv.tenant_id, invoice_id: inv.id, client_id: session.clientId, provider: deps.payments.name, provider_ref: charge.reference, amount_cents: claim.total_cents, currency: claim.currency, created_at: paidAt });
        await auditRepo(trx).record({ tenantId: inv.tenant_id, clientId: session.clientId, actor: 'client', action: 'invoice.paid_by_client', subjectId: inv.id, data: { amountCents: claim.total_cents, provider: deps.payments.name, reference: charge.reference, session: session.id }, at: paidAt });
      }).catch((err: unknown) => {
        // The money is taken: keep the provider's reference where an operator will find it.
        throw Object.assign(err instanceof Error ? err : new Error(String(err)), { paymentReference: charge.reference, invoiceId: inv.id });
      });
      return { ...inv, status: 'paid', total_cents: claim.total_cents, paid_at: paidAt };
    },

    paymentFor(tenantId: string, invoiceId: string) {
      return paymentsRepo(db).forInvoice(tenantId, invoiceId);
    },

    async upsertReport(tenantId: string, externalId: string, v: ReportBody) {
      return retryOnUniqueViolation(() => db.transaction().execute(async (trx) => {
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
          await auditRepo(trx).record({ tenantId, clientId: client.id, actor: 'system', action: 'report.updated', subjectId: existing.id, data: { externalId }, at: now });
          return { report: { ...existing, ...fields }, created: false };
        }
        const report = { id: newId(), tenant_id: tenantId, external_id: externalId, created_at: now, ...fields };
        await repo.insert(report);
        await auditRepo(trx).record({ tenantId, clientId: client.id, actor: 'system', action: 'report.created', subjectId: report.id, data: { externalId }, at: now });
        return { report, created: true };
      }));
    },
  };
}
export type ContentService = ReturnType<typeof createContentService>;
