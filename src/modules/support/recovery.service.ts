// The one-time recovery link (product page, troubleshooting step 4): a support agent signs one
// shop's client in without their email or phone. The most dangerous thing this system makes, so:
// a reason is required; 48 random characters, only a hash kept; single use; 15 minutes by default;
// scanner-safe (inspect never consumes); limited per agent and per client; every contact on file
// is told; the shop's log shows who and why, the operator audit adds the agent's IP and browser.
// The session it opens is a `recovery` session: one shop, a day at most, and a new email or phone
// only by proving it (contact-proofs.service.ts).
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Clock } from '../../lib/clock.ts';
import { HOUR, MINUTE } from '../../lib/clock.ts';
import { randomToken, sha256 } from '../../lib/crypto.ts';
import { newId } from '../../lib/ids.ts';
import { maskIdentifier } from '../../lib/mask.ts';
import { keptUserAgent, type RequestContext } from '../../lib/request-context.ts';
import type { Limits } from '../abuse/limits.ts';
import { auditRepo } from '../audit/audit.repo.ts';
import { clientsRepo } from '../clients/clients.repo.ts';
import type { Outbox } from '../delivery/outbox.service.ts';
import type { IssuedSession, SessionsService } from '../sessions/sessions.service.ts';
import { emailBrand, logoPath } from '../tenants/logo.ts';
import { staffRepo } from '../staff/staff.repo.ts';
import { tenantsRepo } from '../tenants/tenants.repo.ts';
import { supportErrors } from './support.errors.ts';
import { REASON_CATEGORIES, type ReasonCategory } from './support.input.ts';
import { recoveryRepo } from './recovery.repo.ts';
import { isUniqueViolation } from '../../db/errors.ts';

export type RecoveryDelivery = 'email' | 'sms' | 'shown';
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{48}$/;

export interface RecoveryDeps {
  db: Kysely<DB>;
  clock: Clock;
  outbox: Pick<Outbox, 'enqueue' | 'notify'>;
  sessions: Pick<SessionsService, 'create'>;
  limits: Pick<Limits, 'recoveryLink' | 'refundRecoveryLink'>;
  publicUrl: string;
  ttlMs: number;
}

export interface IssueInput {
  tenantId: string;
  clientId: string;
  category: string;
  reason: string;
  delivery: string;
  /** The issuing form's one-time value (a refreshed answer page must not issue a second link). */
  formNonce: string;
}

/** The shop a recovery link belongs to, as its pages brand with it. */
export interface RecoveryShop {
  name: string;
  slug: string;
  brandColor: string;
  logoUrl: string | null;
}

export function createRecovery(d: RecoveryDeps) {
  const { db, clock } = d;

  const ttlMinutes = Math.round(d.ttlMs / MINUTE);
  return {
    ttlMinutes,

    /**
     * Issues a link for one shop's client. `link` is returned only when the agent chose to hand it
     * over themselves (`shown`): it is on that one answer, never stored, never shown again.
     */
    async issue(agent: { agentId: string; name: string }, input: IssueInput, ctx: RequestContext): Promise<{ id: string; shopName: string; delivery: RecoveryDelivery; link: string | null; sentTo: string | null; expiresAt: number }> {
      if (!(input.category in REASON_CATEGORIES)) throw supportErrors.REASON_CATEGORY();
      const reason = input.reason.trim().replace(/\s+/g, ' ');
      if (reason.length < 10 || reason.length > 500) throw supportErrors.REASON_TEXT();
      if (input.delivery !== 'email' && input.delivery !== 'sms' && input.delivery !== 'shown') throw supportErrors.DELIVERY_UNKNOWN();
      if (!/^[A-Za-z0-9_-]{16,64}$/.test(input.formNonce)) throw supportErrors.FORM_STALE();
      if (await recoveryRepo(db).byFormNonce(agent.agentId, input.formNonce)) throw supportErrors.ALREADY_ISSUED();
      const delivery = input.delivery as RecoveryDelivery;
      const client = await clientsRepo(db).byId(input.tenantId, input.clientId);
      const tenant = await tenantsRepo(db).byId(input.tenantId);
      if (!client || !tenant) throw supportErrors.CLIENT_NOT_FOUND();
      if (client.status !== 'active' || tenant.status !== 'active') throw supportErrors.CLIENT_DISABLED(tenant.name);
      const to = delivery === 'email' ? client.email : delivery === 'sms' ? client.phone : null;
      const sentTo = to ? maskIdentifier(delivery === 'email' ? 'email' : 'phone', to) : null;
      if (delivery !== 'shown' && !to) throw supportErrors.NO_CONTACT(delivery === 'email' ? 'email' : 'mobile number');

      const words = `${REASON_CATEGORIES[input.category as ReasonCategory]}: ${reason}`;
      const now = clock.now();
      const clientKey = `${tenant.id}:${client.id}`;
      const verdict = await d.limits.recoveryLink(agent.agentId, clientKey);
      if (!verdict.ok) {
        // Refused: nothing made, nothing sent, and the attempt is on the record with its reason.
        await auditRepo(db).record(
          { tenantId: tenant.id, clientId: client.id, actor: 'support', action: 'support.recovery_refused', subjectId: client.id, data: { by: agent.name, reason: verdict.limit === 'agent' ? 'agent hourly limit' : 'client daily limit', asked: words }, at: now },
          { actor: 'support', action: 'support.recovery_refused', subjectId: client.id, data: { agent: agent.agentId, by: agent.name, tenant: tenant.id, client: client.id, limit: verdict.limit, userAgent: keptUserAgent(ctx) }, ip: ctx.ip, at: now },
        );
        if (verdict.limit === 'agent') throw supportErrors.AGENT_LIMIT(verdict.max, Math.max(1, Math.ceil(verdict.retryAfterSec / 60)));
        throw supportErrors.CLIENT_LIMIT(verdict.max, Math.max(1, Math.ceil(verdict.retryAfterSec / 3600)));
      }

      const token = randomToken(36); // 48 characters
      const id = newId();
      const expiresAt = now + d.ttlMs;
      const link = `${d.publicUrl}/r/${token}`;
      const brand = emailBrand(tenant, d.publicUrl);
      try {
        await db.transaction().execute(async (trx) => {
          await recoveryRepo(trx).insert({ id, tenant_id: tenant.id, client_id: client.id, agent_id: agent.agentId, token_hash: sha256(token), reason_category: input.category, reason_text: reason, form_nonce: input.formNonce, delivery, expires_at: expiresAt, consumed_at: null, created_at: now, ip: ctx.ip, user_agent: keptUserAgent(ctx) });
          await auditRepo(trx).record(
            // The shop's log: who and why (no IP: that is Servicio's, in the operator audit).
            { tenantId: tenant.id, clientId: client.id, actor: 'support', action: 'support.recovery_issued', subjectId: id, data: { by: agent.name, reason: words, via: delivery === 'shown' ? 'handed over by support' : delivery, ...(sentTo ? { sentTo } : {}), minutes: ttlMinutes }, at: now },
            { actor: 'support', action: 'support.recovery_issued', subjectId: id, data: { agent: agent.agentId, by: agent.name, tenant: tenant.id, client: client.id, category: input.category, via: delivery, userAgent: keptUserAgent(ctx) }, ip: ctx.ip, at: now },
          );
          if (to) {
            await d.outbox.enqueue(trx, { channel: delivery === 'email' ? 'email' : 'sms', to, template: 'recovery-link', tenantId: tenant.id, clientId: client.id, sendBefore: expiresAt - MINUTE, now, data: { ...brand, locale: client.locale, link, minutes: ttlMinutes } });
          }
          // Every contact on file hears of it, whichever way the link went, in the client's language
          // (the template writes the time in it).
          const notice = { ...brand, locale: client.locale, when: now, shopContact: await staffRepo(trx).ownerEmail(tenant.id), portalUrl: `${d.publicUrl}/client-login` };
          for (const [channel, address] of [['email', client.email], ['sms', client.phone]] as const) {
            if (address) await d.outbox.enqueue(trx, { channel, to: address, template: 'recovery-notice', tenantId: tenant.id, clientId: client.id, sendBefore: now + 24 * HOUR, now, data: notice });
          }
        });
      } catch (err) {
        await d.limits.refundRecoveryLink(agent.agentId, clientKey);
        if (isUniqueViolation(err)) throw supportErrors.ALREADY_ISSUED(); // the same form, twice at once
        throw err;
      }
      d.outbox.notify();
      return { id, shopName: tenant.name, delivery, link: delivery === 'shown' ? link : null, sentTo, expiresAt };
    },

    /** What the Continue page shows. Never consumes: mail scanners and link previews open links. */
    async inspect(token: string): Promise<{ usable: false; shop?: RecoveryShop } | { usable: true; shop: RecoveryShop }> {
      if (!TOKEN_SHAPE.test(token)) return { usable: false };
      const r = await recoveryRepo(db).byTokenHash(sha256(token));
      if (!r) return { usable: false };
      // A dead link still wears its shop's brand (an active shop's: a disabled one shows nothing).
      const shop = { name: r.tenant_name, slug: r.tenant_slug, brandColor: r.brand_color, logoUrl: logoPath(r.tenant_id, r.logo_hash) };
      if (r.consumed_at !== null || r.expires_at <= clock.now() || r.client_status !== 'active' || r.tenant_status !== 'active' || r.agent_status !== 'active') return r.tenant_status === 'active' ? { usable: false, shop } : { usable: false };
      return { usable: true, shop };
    },

    /** The POST: consumes the link (once, atomically) and opens a recovery session for its one shop. */
    async redeem(token: string, ctx: RequestContext): Promise<IssuedSession | null> {
      if (!TOKEN_SHAPE.test(token)) return null;
      const r = await recoveryRepo(db).byTokenHash(sha256(token));
      if (!r) return null;
      const now = clock.now();
      const refused = async (why: string) => {
        await auditRepo(db).record(
          { tenantId: r.tenant_id, clientId: r.client_id, actor: 'client', action: 'support.recovery_rejected', subjectId: r.id, data: { reason: why }, at: now },
          { actor: 'client', action: 'support.recovery_rejected', subjectId: r.id, data: { agent: r.agent_id, reason: why, userAgent: keptUserAgent(ctx) }, ip: ctx.ip, at: now },
        );
        return null;
      };
      if (r.client_status !== 'active' || r.tenant_status !== 'active') return refused('client or shop disabled');
      if (r.agent_status !== 'active') return refused('support agent disabled');
      if (r.consumed_at !== null) return refused('already used');
      if (r.expires_at <= now) return refused('expired');
      const session = await db.transaction().execute(async (trx) => {
        if (!(await recoveryRepo(trx).consume(r.id, now))) return null;
        const s = await d.sessions.create(trx, { tenantId: r.tenant_id, clientId: r.client_id, kind: 'recovery', recoveryLinkId: r.id }, ctx);
        await auditRepo(trx).record(
          { tenantId: r.tenant_id, clientId: r.client_id, actor: 'client', action: 'support.recovery_used', subjectId: r.id, data: { via: `recovery link from ${r.agent_name} (Servicio support)` }, at: now },
          { actor: 'client', action: 'support.recovery_used', subjectId: r.id, data: { agent: r.agent_id, tenant: r.tenant_id, client: r.client_id, userAgent: keptUserAgent(ctx) }, ip: ctx.ip, at: now },
        );
        return s;
      });
      return session ?? refused('already used');
    },

    /** A client's recovery links in one shop (support's client page). */
    forClient: (tenantId: string, clientId: string) => recoveryRepo(db).forClient(tenantId, clientId),
  };
}
export type Recovery = ReturnType<typeof createRecovery>;
