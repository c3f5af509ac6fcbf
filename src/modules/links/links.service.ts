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
import { keptUserAgent, type RequestContext } from '../../lib/request-context.ts';
import type { IssuedSession, SessionScope, SessionsService } from '../sessions/sessions.service.ts';
import { logoPath } from '../tenants/logo.ts';
import { tenantsRepo } from '../tenants/tenants.repo.ts';
import type { LinkObject, LinkSigner } from './signed-links.ts';

export const LINK_LIFETIME_MS = 90 * DAY;

/** A genuine, usable link, before anything is done with it. */
/** The shop a link belongs to, as its pages brand with it. */
export interface LinkShop {
  name: string;
  slug: string;
  brandColor: string;
  logoUrl: string | null;
}

export interface CheckedLink {
  kind: 'ok';
  kid: string;
  tenantId: string;
  clientId: string;
  clientName: string;
  linkVersion: number;
  shop: LinkShop;
  /** The client's preferred language: a browser that signs in with the link adopts it. */
  clientLocale: string | null;
  scope: SessionScope;
  location: string;
}

export type LinkCheck =
  | CheckedLink
  | { kind: 'closed'; shop: LinkShop; reason: 'paid' | 'void' }
  | { kind: 'invalid' };

export function createLinksService(deps: { db: Kysely<DB>; clock: Clock; signer: LinkSigner; sessions: SessionsService; publicUrl: string }) {
  const { db, clock, signer } = deps;

  async function reject(reason: string, ctx: RequestContext, claims?: { tenantId: string; clientId: string; objectId: string }, kid?: string): Promise<LinkCheck> {
    // Only a genuine signature lets us attribute the attempt to a shop; forged claims are not trusted.
    await auditRepo(db).record({
      tenantId: claims?.tenantId ?? null,
      clientId: claims?.clientId ?? null,
      actor: 'client',
      action: 'link.rejected',
      subjectId: claims?.objectId ?? null,
      data: { reason, ...(kid ? { kid } : {}), userAgent: keptUserAgent(ctx) },
      ip: ctx.ip,
      at: clock.now(),
    });
    return { kind: 'invalid' };
  }

  return {
    /** The URL for an email about this object, and when it stops working. */
    urlFor(o: { tenantId: string; clientId: string; linkVersion: number; object: LinkObject; objectId: string }): { url: string; expiresAt: number } {
      const expiresAt = Math.floor((clock.now() + LINK_LIFETIME_MS) / 1000);
      return { url: `${deps.publicUrl}/s/${signer.sign({ ...o, expiresAt })}`, expiresAt: expiresAt * 1000 };
    },

    /** Verifies a link and its object; changes nothing but the audit of a rejection. */
    async check(token: string, ctx: RequestContext): Promise<LinkCheck> {
      const v = signer.verify(token);
      if (!v.ok) return reject(v.reason, ctx);
      const c = v.claims;
      if (c.expiresAt * 1000 <= clock.now()) return reject('expired', ctx, c, v.kid);
      const tenant = await tenantsRepo(db).byId(c.tenantId);
      if (!tenant || tenant.status !== 'active') return reject('shop_disabled', ctx, c, v.kid);
      const client = await clientsRepo(db).byId(c.tenantId, c.clientId);
      if (!client) return reject('client_not_in_shop', ctx, c, v.kid);
      if (client.status !== 'active') return reject('client_disabled', ctx, c, v.kid);
      if (client.link_version !== c.linkVersion) return reject('client_changed', ctx, c, v.kid);
      const shop: LinkShop = { name: tenant.name, slug: tenant.slug, brandColor: tenant.brand_color, logoUrl: logoPath(tenant.id, tenant.logo_hash) };
      const ok = (scope: SessionScope, location: string): CheckedLink => ({ kind: 'ok', kid: v.kid, tenantId: c.tenantId, clientId: c.clientId, clientName: client.name, clientLocale: client.locale, linkVersion: c.linkVersion, shop, scope, location });
      if (c.object === 'invoice') {
        const inv = await invoicesRepo(db).forClient(c.tenantId, c.clientId, c.objectId);
        if (!inv || inv.status === 'draft') return reject('object_missing', ctx, c, v.kid);
        if (inv.status === 'paid' || inv.status === 'void') {
          await reject(`invoice_${inv.status}`, ctx, c, v.kid);
          return { kind: 'closed', shop, reason: inv.status };
        }
        return ok({ kind: 'invoice', id: inv.id }, `/portal/invoices/${inv.id}`);
      }
      const report = await reportsRepo(db).forClient(c.tenantId, c.clientId, c.objectId);
      if (!report) return reject('object_missing', ctx, c, v.kid);
      return ok({ kind: 'report', id: report.id }, `/portal/reports/${report.id}`);
    },

    /**
     * Uses a checked link: a `link` session that sees only the link's object (or none, when the
     * browser already holds a full session for this very client, which it keeps), audited with
     * the IP and user agent, in one transaction — which first re-reads the client (locked), so a
     * contact change that landed after check() kills the link here too.
     */
    async open(link: CheckedLink, ctx: RequestContext, o: { keepSession: boolean }): Promise<{ ok: true; session: IssuedSession | null } | { ok: false }> {
      return db.transaction().execute(async (trx) => {
        const now = await clientsRepo(trx).linkState(link.tenantId, link.clientId);
        if (!now || now.status !== 'active' || now.link_version !== link.linkVersion) return { ok: false as const };
        const session = o.keepSession ? null : await deps.sessions.create(trx, { tenantId: link.tenantId, clientId: link.clientId, kind: 'link', scope: link.scope }, ctx);
        await auditRepo(trx).record({
          tenantId: link.tenantId,
          clientId: link.clientId,
          actor: 'client',
          action: 'link.redeemed',
          subjectId: link.scope.id,
          data: { object: link.scope.kind, kid: link.kid, session: session ? 'created' : 'kept', userAgent: keptUserAgent(ctx) },
          ip: ctx.ip,
          at: clock.now(),
        });
        return { ok: true as const, session };
      });
    },
  };
}
export type LinksService = ReturnType<typeof createLinksService>;
