// A client pays an invoice in the portal, exactly once, through a PaymentProvider.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Clock } from '../../lib/clock.ts';
import { newId } from '../../lib/ids.ts';
import { maskEmail } from '../../lib/mask.ts';
import { auditRepo } from '../audit/audit.repo.ts';
import { clientsRepo } from '../clients/clients.repo.ts';
import type { Outbox } from '../delivery/outbox.service.ts';
import { shopContactOf } from '../delivery/templates/shop-contact.ts';
import { invoiceErrors } from '../invoices/invoices.errors.ts';
import { invoicesRepo, type InvoiceRow } from '../invoices/invoices.repo.ts';
import type { PaymentProvider } from './payment-provider.ts';
import { paymentErrors } from './payments.errors.ts';
import { paymentsRepo } from './payments.repo.ts';
import { emailBrand } from '../tenants/logo.ts';
import { tenantsRepo } from '../tenants/tenants.repo.ts';

export interface PaymentsDeps {
  db: Kysely<DB>;
  clock: Clock;
  provider: PaymentProvider;
  /** The receipt email is queued with the payment. */
  outbox: Pick<Outbox, 'enqueue' | 'notify'>;
  publicUrl: string;
}

export function createPaymentsService(deps: PaymentsDeps) {
  const { db, clock } = deps;

  /** The receipt, in the client's language, to the client's email (none on file: no receipt). */
  async function queueReceipt(trx: Kysely<DB>, p: { invoiceId: string; tenantId: string; clientId: string; number: string; amountCents: number; currency: string; reference: string; paidAt: number }): Promise<void> {
    const client = await clientsRepo(trx).byId(p.tenantId, p.clientId);
    const tenant = await tenantsRepo(trx).byId(p.tenantId);
    if (!client?.email || !tenant) return;
    const messageId = await deps.outbox.enqueue(trx, {
      channel: 'email',
      to: client.email,
      template: 'payment-receipt',
      tenantId: p.tenantId,
      clientId: client.id,
      now: p.paidAt,
      data: {
        ...emailBrand(tenant, deps.publicUrl),
        locale: client.locale,
        clientName: client.name,
        number: p.number,
        amountCents: p.amountCents,
        currency: p.currency,
        paidAt: p.paidAt,
        reference: p.reference,
        invoiceUrl: `${deps.publicUrl}/portal/invoices/${p.invoiceId}`,
        contact: shopContactOf(tenant),
      },
    });
    await auditRepo(trx).record({ tenantId: p.tenantId, clientId: client.id, actor: 'system', action: 'email.payment_receipt', subjectId: p.invoiceId, data: { message: messageId, to: maskEmail(client.email) }, at: p.paidAt });
  }

  return {
    /**
     * The invoice is claimed (`sent → paying`, atomic, returning the amount of that instant), the
     * provider is charged with the invoice id as idempotency key, then `paying → paid` and the
     * payment row commit together — with the receipt email, when the client has an email, so a
     * paid invoice always has its receipt queued and a failed commit never sends one. A declined
     * charge reopens it; while `paying`, neither the shop's API nor a second click can touch it.
     */
    async pay(session: { tenantId: string; clientId: string; id: string }, invoiceId: string): Promise<InvoiceRow> {
      const repo = invoicesRepo(db);
      const inv = await repo.forClient(session.tenantId, session.clientId, invoiceId);
      if (!inv || inv.status === 'draft') throw invoiceErrors.INVOICE_NOT_FOUND();
      if (inv.status !== 'sent') throw paymentErrors.INVOICE_NOT_OPEN(inv.status);
      const claim = await repo.claimForPayment(session.tenantId, session.clientId, inv.id, clock.now());
      if (!claim) throw paymentErrors.INVOICE_NOT_OPEN(inv.status);
      let charge: { reference: string };
      try {
        charge = await deps.provider.charge({ tenantId: inv.tenant_id, invoiceId: inv.id, amountCents: claim.total_cents, currency: claim.currency, idempotencyKey: `invoice-${inv.id}` });
      } catch (err) {
        await db.transaction().execute(async (trx) => {
          await invoicesRepo(trx).transition(session.tenantId, inv.id, ['paying'], 'sent', clock.now());
          await auditRepo(trx).record({ tenantId: inv.tenant_id, clientId: session.clientId, actor: 'client', action: 'invoice.payment_declined', subjectId: inv.id, data: { amountCents: claim.total_cents, provider: deps.provider.name }, at: clock.now() });
        });
        throw paymentErrors.PAYMENT_DECLINED(err instanceof Error ? err.message : undefined);
      }
      const paidAt = clock.now();
      await db
        .transaction()
        .execute(async (trx) => {
          await invoicesRepo(trx).transition(session.tenantId, inv.id, ['paying'], 'paid', paidAt);
          await paymentsRepo(trx).insert({ id: newId(), tenant_id: inv.tenant_id, invoice_id: inv.id, client_id: session.clientId, provider: deps.provider.name, provider_ref: charge.reference, amount_cents: claim.total_cents, currency: claim.currency, created_at: paidAt });
          await auditRepo(trx).record({ tenantId: inv.tenant_id, clientId: session.clientId, actor: 'client', action: 'invoice.paid_by_client', subjectId: inv.id, data: { amountCents: claim.total_cents, provider: deps.provider.name, reference: charge.reference, session: session.id }, at: paidAt });
          await queueReceipt(trx, { invoiceId: inv.id, tenantId: inv.tenant_id, clientId: session.clientId, number: inv.number, amountCents: claim.total_cents, currency: claim.currency, reference: charge.reference, paidAt });
        })
        .catch((err: unknown) => {
          // The money is taken: keep the provider's reference where an operator will find it.
          throw Object.assign(err instanceof Error ? err : new Error(String(err)), { paymentReference: charge.reference, invoiceId: inv.id });
        });
      deps.outbox.notify();
      return { ...inv, status: 'paid', total_cents: claim.total_cents, paid_at: paidAt };
    },

    forInvoice: (tenantId: string, invoiceId: string) => paymentsRepo(db).forInvoice(tenantId, invoiceId),
  };
}
export type PaymentsService = ReturnType<typeof createPaymentsService>;
