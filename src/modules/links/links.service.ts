// Signed links that sign a client in from an automated email and land on the invoice or report.
// A link dies with its object (paid/void invoice), after 90 days, and when the client's contact
// details change or the client or shop is disabled (the link version no longer matches).
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Clock } from '../../lib/clock.ts';
import { DAY } from '../../lib/clock.ts';
import { auditRepo } from '../audit/audit.repo.ts';
import { clientsRepo } from '../clients/clients.repo.ts';
import { invoicesRepo } from '../invoices/invoices.repo.ts';
import { reportsRepo } from '../reports/reports.repo.ts';
import type { IssuedSession, RequestContext, SessionsService } from '../sessions/sessions.service.ts';
import { tenantsRepo } from '../tenants/tenants.repo.ts';
import type { LinkObject, LinkSigner } from './signed-links.ts';

export const LINK_LIFETIME_MS = 90 * DAY;

export type LinkOutcome =
  | { kind: 'session'; session: IssuedSession; location: string }
  | { kind: 'closed'; shop: { name: string; brandColor: string; logoUrl: string | null }; reason: 'paid' | 'void' }
  | { kind: 'invalid' };

export function createLinksService(deps: { db: Kysely<DB>; clock: Clock; signer: LinkSigner; sessions: SessionsService; publicUrl: string }) {
  const { db, clock, signer } = deps;

  async function reject(reason: string, ctx: RequestContext, claims?: { tenantId: string; clientId: string; objectId: string }, kid?: string): Promise<LinkOutcome> {
    // Only a genuine signature lets us attribute the attempt to a shop; forged claims are not trusted.
    await auditRepo(db).record({
      tenantId: claims?.tenantId ?? null,
      clientId: claims?.clientId ?? null,
      actor: 'client',
      action: 'link.rejected',
      subjectId: claims?.objectId ?? null,
      data: { reason, ...(kid ? { kid } : {}) },
      ip: ctx.ip,
      at: clock.now(),
    });
    return { kind: 'invalid' };
  }

  return {
    /** The URL for an email about this object. */
    urlFor(o: { tenantId: string; clientId: string; linkVersion: number; object: LinkObject; objectId: string }): string {
      const expiresAt = Math.floor((clock.now() + LINK_LIFETIME_MS) / 1000);
      return `${deps.publicUrl}/s/${signer.sign({ ...o, expiresAt })}`;
    },

    async redeem(token: string, ctx: RequestContext): Promise<LinkOutcome> {
      const v = signer.verify(token);
      if (!v.ok) return reject(v.reason, ctx);
      const c = v.claims;
      if (c.expiresAt * 1000 <= clock.now()) return reject('expired', ctx, c, v.kid);
      const tenant = await tenantsRepo(db).byId(c.tenantId);
      if (!tenant || tenant.status !== 'active') return reject('shop_disabled', ctx, c, v.kid);
      const client = await clientsRepo(db).byId(c.tenantId, c.clientId);
      if (!client || client.status !== 'active') return reject('client_disabled', ctx, c, v.kid);
      if (client.link_version !== c.linkVersion) return reject('client_changed', ctx, c, v.kid);

      let location: string;
      if (c.object === 'invoice') {
        const inv = await invoicesRepo(db).forClient(c.tenantId, c.clientId, c.objectId);
        if (!inv || inv.status === 'draft') return reject('object_missing', ctx, c, v.kid);
        if (inv.status === 'paid' || inv.status === 'void') {
          await reject(`invoice_${inv.status}`, ctx, c, v.kid);
          return { kind: 'closed', shop: { name: tenant.name, brandColor: tenant.brand_color, logoUrl: tenant.logo_url }, reason: inv.status };
        }
        location = `/portal/invoices/${inv.id}`;
      } else {
        const report = await reportsRepo(db).forClient(c.tenantId, c.clientId, c.objectId);
        if (!report) return reject('object_missing', ctx, c, v.kid);
        location = `/portal/reports/${report.id}`;
      }
      const session = await db.transaction().execute((trx) => deps.sessions.create(trx, { tenantId: c.tenantId, clientId: c.clientId, kind: 'link' }, ctx));
      return { kind: 'session', session, location };
    },
  };
}
export type LinksService = ReturnType<typeof createLinksService>;
