// The shop's automated emails (invoice sent, invoice reminder, service report), each carrying a
// signed link that signs the client in on that object. Queued in the outbox like every message.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { notificationErrors } from './notifications.errors.ts';
import type { Clock } from '../../lib/clock.ts';
import { maskEmail } from '../../lib/mask.ts';
import { auditRepo } from '../audit/audit.repo.ts';
import { clientsRepo } from '../clients/clients.repo.ts';
import type { Outbox } from '../delivery/outbox.service.ts';
import { shopContactOf } from '../delivery/templates/shop-contact.ts';
import { invoicesRepo } from '../invoices/invoices.repo.ts';
import type { LinksService } from '../links/links.service.ts';
import { reportsRepo } from '../reports/reports.repo.ts';
import { emailBrand } from '../tenants/logo.ts';
import { tenantsRepo } from '../tenants/tenants.repo.ts';

export type EmailType = 'invoice_sent' | 'invoice_reminder' | 'service_report';

export function createNotifications(deps: { db: Kysely<DB>; clock: Clock; outbox: Outbox; links: LinksService; publicUrl: string }) {
  const { db, clock, outbox, links } = deps;
  return {
    async send(tenantId: string, type: EmailType, externalId: string, ctx: { ip: string | null } = { ip: null }): Promise<{ messageId: string }> {
      const id = await db.transaction().execute(async (trx) => {
        const tenant = await tenantsRepo(trx).byId(tenantId);
        if (!tenant) throw notificationErrors.TENANT_NOT_FOUND();
        const brand = emailBrand(tenant, deps.publicUrl);
        const now = clock.now();
        const object = type === 'service_report' ? await reportsRepo(trx).byExternalId(tenantId, externalId) : await invoicesRepo(trx).byExternalId(tenantId, externalId);
        if (!object) throw notificationErrors.NOT_FOUND(type === 'service_report' ? 'report' : 'invoice', externalId);
        const client = await clientsRepo(trx).byId(tenantId, object.client_id);
        if (!client || client.status !== 'active') throw notificationErrors.CLIENT_DISABLED();
        if (!client.email) throw notificationErrors.NO_EMAIL(client.name);
        const signed = links.urlFor({ tenantId, clientId: client.id, linkVersion: client.link_version, object: 'number' in object ? 'invoice' : 'report', objectId: object.id });
        let messageId: string;
        if ('number' in object) {
          if (object.status !== 'sent') throw notificationErrors.INVOICE_NOT_OPEN(object.number, object.status);
          messageId = await outbox.enqueue(trx, {
            channel: 'email',
            to: client.email,
            template: 'invoice-email',
            tenantId,
            clientId: client.id,
            now,
            data: { ...brand, locale: client.locale, contact: shopContactOf(tenant), kind: type === 'invoice_reminder' ? 'reminder' : 'sent', clientName: client.name, number: object.number, totalCents: object.total_cents, currency: object.currency, dueDate: object.due_date, link: signed.url },
          });
        } else {
          messageId = await outbox.enqueue(trx, {
            channel: 'email',
            to: client.email,
            template: 'report-email',
            tenantId,
            clientId: client.id,
            now,
            data: { ...brand, locale: client.locale, clientName: client.name, title: object.title, serviceDate: object.service_date, technician: object.technician, summary: object.notes, link: signed.url },
          });
        }
        await auditRepo(trx).record({ tenantId, clientId: client.id, actor: 'system', action: `email.${type}`, subjectId: object.id, data: { message: messageId, to: maskEmail(client.email), linkExpiresAt: new Date(signed.expiresAt).toISOString() }, ip: ctx.ip, at: now });
        return messageId;
      });
      outbox.notify();
      return { messageId: id };
    },
  };
}
export type Notifications = ReturnType<typeof createNotifications>;
