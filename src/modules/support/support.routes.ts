// Servicio support (/support): an agent finds a client across every shop — the second deliberate
// cross-shop read, after login's — sees what the shop's console would show (read-only), and can
// issue one-time recovery links (recovery.service.ts). Also the client's side of such a link:
// /r/:token shows "Continue" (scanners never consume it); only the POST signs in.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CountryCode } from 'libphonenumber-js';
import { requestContext, sendHtml } from '../../http/app.ts';
import { trOf } from '../../http/i18n.ts';
import type { Auth } from '../../http/auth.ts';
import type { Cookies } from '../../http/cookies.ts';
import type { Csrf } from '../../http/csrf.ts';
import { limitByIp, type IpLimit } from '../../http/rate-limit.ts';
import { messages } from '../../http/views/strings.ts';
import { AppError } from '../../lib/app-error.ts';
import type { Clock } from '../../lib/clock.ts';
import { randomToken } from '../../lib/crypto.ts';
import { keptUserAgent } from '../../lib/request-context.ts';
import { maskEmail, maskPhone } from '../../lib/mask.ts';
import type { SessionsService } from '../sessions/sessions.service.ts';
import type { AuditRepo } from '../audit/audit.repo.ts';
import type { Client } from '../clients/clients.repo.ts';
import type { ClientsService } from '../clients/clients.service.ts';
import { contactFacts } from '../console/contact-facts.ts';
import type { DeliveryHistory } from '../delivery/history.ts';
import { secondFactorRoutes } from '../mfa/mfa.routes.ts';
import { logoPath } from '../tenants/logo.ts';
import type { TenantsService } from '../tenants/tenants.service.ts';
import type { Recovery } from './recovery.service.ts';
import type { SupportMfa } from './support-mfa.service.ts';
import type { SupportSessions } from './support-sessions.service.ts';
import { issuedPage, recoveryContinuePage, recoveryInvalidPage, searchPage, supportClientPage, supportFactorPlace, type SupportClientData } from './support.views.ts';

export interface SupportDeps {
  auth: Auth;
  cookies: Cookies;
  csrf: Csrf;
  clock: Clock;
  clients: ClientsService;
  tenants: TenantsService;
  history: DeliveryHistory;
  recovery: Recovery;
  supportSessions: SupportSessions;
  sessions: Pick<SessionsService, 'end'>;
  mfa: SupportMfa;
  /** Records what agents look at, in the operator audit. */
  audit: () => AuditRepo;
  limits: { codeFromIp: IpLimit; redeemFromIp: IpLimit };
  smsAllowedCountries: readonly CountryCode[];
}

type Form = Record<string, string | undefined>;
const form = (req: FastifyRequest) => (req.body ?? {}) as Form;
const UUID = /^[0-9a-f-]{36}$/;

export function supportRoutes(app: FastifyInstance, d: SupportDeps) {
  app.decorateRequest('supportSession', null);
  const agent = { preHandler: d.auth.requireSupport };
  const who = (req: FastifyRequest) => req.supportSession!;
  /** An operator-audit row: which agent did what, from where (never a token). */
  const trace = (req: FastifyRequest, action: string, data: Record<string, unknown>) =>
    d.audit().record({ actor: 'support', action, subjectId: who(req).agentId, data: { agent: who(req).agentId, by: who(req).name, userAgent: keptUserAgent(requestContext(req)), ...data }, ip: req.ip, at: d.clock.now() });

  app.get<{ Querystring: { q?: string } }>('/support', agent, async (req, reply) => {
    const q = String(req.query.q ?? '').slice(0, 100);
    const found = await d.clients.searchEveryShop(q);
    // The operator audit keeps what was searched for, with emails and phone numbers masked.
    const masked = q.trim().replace(/[^\s@]+@[^\s@]+/g, (e) => maskEmail(e)).replace(/\+?[\d(][\d\s().-]{6,}\d/g, (p) => maskPhone(p.replace(/[^\d+]/g, '')));
    if (q.trim().length >= 3) await trace(req, 'support.searched', { query: masked, count: found.clients.length });
    return sendHtml(reply, searchPage({ session: who(req), csrf: d.csrf.token(req, reply), q, rows: found.clients, hasNext: found.hasNext }));
  });

  // The second factor, always owed after the email link: the only pages open until it is given.
  secondFactorRoutes(app, { path: '/support/second-factor', auth: d.auth.requireSupport, session: who, place: supportFactorPlace, mfa: d.mfa, csrf: d.csrf, codeFromIp: d.limits.codeFromIp });

  /** The shop's client the URL names, or undefined for anything that is not that shop's client (a 404). */
  const clientOf = (p: { tenantId: string; id: string }) => (UUID.test(p.tenantId) && UUID.test(p.id) ? d.clients.get(p.tenantId, p.id) : Promise.resolve(undefined));

  /** One shop's client as support sees it. */
  async function showClient(req: FastifyRequest, reply: FastifyReply, client: Client, extra: Partial<SupportClientData> = {}, status = 200) {
    const tenantId = client.tenant_id;
    const t = await d.tenants.resolve(tenantId);
    const [history, recoveries] = await Promise.all([d.history.forClient(tenantId, client.id, 50), d.recovery.forClient(tenantId, client.id)]);
    const f = contactFacts(client, history, d.smsAllowedCountries);
    const page = supportClientPage(
      {
        session: who(req),
        csrf: d.csrf.token(req, reply),
        shop: { id: t.id, name: t.name, brandColor: t.brand_color, logoUrl: logoPath(t.id, t.logo_hash) },
        client,
        emailFacts: { lines: f.email },
        phoneFacts: { lines: f.phone },
        history,
        recoveries,
        ttlMinutes: d.recovery.ttlMinutes,
        formNonce: randomToken(18),
        ...extra,
      },
      d.clock.now(),
    );
    return sendHtml(reply, page, status);
  }

  app.get<{ Params: { tenantId: string; id: string } }>('/support/shops/:tenantId/clients/:id', agent, async (req, reply) => {
    const client = await clientOf(req.params);
    if (!client) return reply.callNotFound();
    // Recorded before the page is sent: what an agent saw is on the record when they see it.
    await trace(req, 'support.client_viewed', { tenant: client.tenant_id, client: client.id });
    return showClient(req, reply, client);
  });

  app.post<{ Params: { tenantId: string; id: string } }>('/support/shops/:tenantId/clients/:id/recovery', agent, async (req, reply) => {
    const s = who(req);
    const client = await clientOf(req.params);
    if (!client) return reply.callNotFound();
    const f = form(req);
    const values = { category: String(f.category ?? ''), reason: String(f.reason ?? ''), delivery: String(f.delivery ?? '') };
    const formNonce = String(f.nonce ?? '');
    if (!d.csrf.verify(req)) return showClient(req, reply, client, { error: messages.formExpired, values }, 403);
    try {
      const issued = await d.recovery.issue({ agentId: s.agentId, name: s.name }, { tenantId: client.tenant_id, clientId: client.id, ...values, formNonce }, requestContext(req));
      return sendHtml(reply, issuedPage({ session: s, csrf: d.csrf.token(req, reply), shopName: issued.shopName, clientName: client.name, back: `/support/shops/${client.tenant_id}/clients/${client.id}`, link: issued.link, sentTo: issued.sentTo, expiresAt: issued.expiresAt }), 201);
    } catch (err) {
      if (err instanceof AppError && err.status < 500) return showClient(req, reply, client, { error: err.message, values }, err.status);
      throw err;
    }
  });

  app.post('/support/sign-out', agent, async (req, reply) => {
    if (!d.csrf.verify(req)) return reply.redirect('/support', 303);
    await d.supportSessions.end(who(req), requestContext(req));
    d.cookies.clear(reply, 'support');
    return reply.redirect('/support/sign-in?signed_out=1', 303);
  });

  // ---- The client's side: the recovery link.
  const redeemLimit = { preHandler: limitByIp(d.limits.redeemFromIp) };

  app.get<{ Params: { token: string } }>('/r/:token', redeemLimit, async (req, reply) => {
    const seen = await d.recovery.inspect(req.params.token);
    if (!seen.usable) return sendHtml(reply, recoveryInvalidPage(trOf(req), seen.shop), 410);
    // A browser already signed in to a portal is told that continuing signs that session out.
    const current = await d.auth.current(req, reply);
    const signedIn = current ? { clientName: current.clientName, shopName: current.tenant.name } : null;
    return sendHtml(reply, recoveryContinuePage({ tr: trOf(req), token: req.params.token, csrf: d.csrf.token(req, reply), shop: seen.shop, signedIn }));
  });

  app.post<{ Params: { token: string } }>('/r/:token', redeemLimit, async (req, reply) => {
    const token = req.params.token;
    if (!d.csrf.verify(req)) {
      const seen = await d.recovery.inspect(token);
      if (!seen.usable) return sendHtml(reply, recoveryInvalidPage(trOf(req), seen.shop), 410);
      return sendHtml(reply, recoveryContinuePage({ tr: trOf(req), token, csrf: d.csrf.token(req, reply), shop: seen.shop, error: trOf(req).t('common:formExpired') }), 403);
    }
    const session = await d.recovery.redeem(token, requestContext(req));
    if (!session) return sendHtml(reply, recoveryInvalidPage(trOf(req), (await d.recovery.inspect(token)).shop), 410);
    // Whoever this browser was signed in as is signed out, on the server too, not just replaced.
    const current = await d.auth.current(req, reply);
    if (current) await d.sessions.end(current, requestContext(req), 'replaced by a recovery link');
    d.cookies.set(reply, 'session', session.token, session.maxAgeSeconds);
    return reply.redirect('/portal', 303);
  });
}
