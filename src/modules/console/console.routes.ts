// The shop console (/shop): an owner or staff member of one shop finds why a client can't sign in
// and fixes it. Every read is scoped to the session's shop — another shop's client is a 404 — and
// every action is audited with who did it.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CountryCode } from 'libphonenumber-js';
import { requestContext, sendHtml } from '../../http/app.ts';
import type { Auth } from '../../http/auth.ts';
import type { Cookies } from '../../http/cookies.ts';
import type { Csrf } from '../../http/csrf.ts';
import { limitByIp, type IpLimit } from '../../http/rate-limit.ts';
import { messages } from '../../http/views/strings.ts';
import { AppError } from '../../lib/app-error.ts';
import { suggestEmail } from '../../lib/email-typos.ts';
import type { ClientsService } from '../clients/clients.service.ts';
import type { DeliveryHistory } from '../delivery/history.ts';
import type { LoginService } from '../login/login.service.ts';
import type { SessionsService } from '../sessions/sessions.service.ts';
import type { ConsoleSession, StaffSessions } from '../staff/staff-sessions.service.ts';
import { contactFacts } from './contact-facts.ts';
import { clientPage, clientsPage, type ClientPageData } from './console.views.ts';

export interface ConsoleDeps {
  auth: Auth;
  cookies: Cookies;
  csrf: Csrf;
  clients: ClientsService;
  history: DeliveryHistory;
  sessions: SessionsService;
  staffSessions: StaffSessions;
  login: LoginService;
  limits: { loginFromIp: IpLimit };
  smsAllowedCountries: readonly CountryCode[];
}

type Form = Record<string, string | undefined>;
const form = (req: FastifyRequest) => (req.body ?? {}) as Form;
/** Who did it, for the audit rows of console actions. */
const by = (s: ConsoleSession) => ({ by: s.name, byStaff: s.staffId });

export function consoleRoutes(app: FastifyInstance, d: ConsoleDeps) {
  app.decorateRequest('consoleSession', null);
  const staff = { preHandler: d.auth.requireStaff };
  const who = (req: FastifyRequest) => req.consoleSession!;

  app.get('/shop', staff, async (_req, reply) => reply.redirect('/shop/clients', 303));

  app.get<{ Querystring: { q?: string; page?: string } }>('/shop/clients', staff, async (req, reply) => {
    const s = who(req);
    const q = String(req.query.q ?? '');
    const page = Math.max(1, Math.min(1000, Number.parseInt(req.query.page ?? '1', 10) || 1));
    const found = await d.clients.search(s.tenantId, q, page);
    const rows = await Promise.all(
      found.clients.map(async (c) => ({ client: c, lastSignInAt: c.last_sign_in_at === null ? null : Number(c.last_sign_in_at), lastMessage: (await d.history.forClient(s.tenantId, c.id, 1))[0] })),
    );
    return sendHtml(reply, clientsPage({ session: s, csrf: d.csrf.token(req, reply), q, rows, page, hasNext: found.hasNext }));
  });

  /** The client page, or a 404 for anything that is not a client of this shop. */
  async function showClient(req: FastifyRequest, reply: FastifyReply, id: string, extra: Partial<ClientPageData> = {}, status = 200) {
    const s = who(req);
    const client = /^[0-9a-f-]{36}$/.test(id) ? await d.clients.get(s.tenantId, id) : undefined;
    if (!client) return reply.callNotFound();
    const [history, sessions] = await Promise.all([d.history.forClient(s.tenantId, client.id, 50), d.sessions.activeFor(s.tenantId, client.id)]);
    const f = contactFacts(client, history, d.smsAllowedCountries);
    return sendHtml(reply, clientPage({ session: s, csrf: d.csrf.token(req, reply), client, history, sessions, emailFacts: { lines: f.email }, phoneFacts: { lines: f.phone }, ...extra }), status);
  }

  app.get<{ Params: { id: string }; Querystring: { done?: string } }>('/shop/clients/:id', staff, async (req, reply) => {
    const notices: Record<string, string> = {
      saved: 'Contact details saved. Links sent to the old details no longer work.',
      'link-email': 'A sign-in link is on its way by email. It works for 30 minutes.',
      'link-sms': 'A sign-in link is on its way by text. It works for 30 minutes.',
      'signed-out': 'Signed out of every device. The client signs in again with a new link.',
      'links-stopped': 'The sign-in buttons in emails already sent no longer work. New emails carry new ones.',
    };
    const notice = req.query.done ? notices[req.query.done] : undefined;
    return showClient(req, reply, req.params.id, notice ? { notice } : {});
  });

  app.post<{ Params: { id: string } }>('/shop/clients/:id/contact', staff, async (req, reply) => {
    const s = who(req);
    const f = form(req);
    let email = String(f.email ?? '').trim();
    const phone = String(f.phone ?? '').trim();
    if (!d.csrf.verify(req)) return showClient(req, reply, req.params.id, { error: messages.formExpired, edit: { email, phone } }, 403);
    const suggestion = email ? suggestEmail(email.toLowerCase()) : null;
    // A likely typo is suggested, never forced: the owner picks the suggestion or keeps what was typed.
    if (suggestion && f.email_choice === 'suggested') email = suggestion;
    else if (suggestion && f.email_choice !== 'as_typed') return showClient(req, reply, req.params.id, { edit: { email, phone, suggestion } }, 200);
    try {
      const client = await d.clients.get(s.tenantId, req.params.id);
      if (!client) return reply.callNotFound();
      await d.clients.update(s.tenantId, client.id, { email, phone }, 'owner', by(s));
    } catch (err) {
      if (err instanceof AppError && err.status < 500) return showClient(req, reply, req.params.id, { error: err.message, edit: { email, phone } }, err.status === 404 ? 404 : 400);
      throw err;
    }
    return reply.redirect(`/shop/clients/${req.params.id}?done=saved`, 303);
  });

  // "Send a sign-in link" to the contact on file: the same path, limits and audit as a client
  // asking, plus who in the shop sent it.
  app.post<{ Params: { id: string } }>('/shop/clients/:id/send-link', { preHandler: [d.auth.requireStaff, limitByIp(d.limits.loginFromIp)] }, async (req, reply) => {
    const s = who(req);
    const client = await d.clients.get(s.tenantId, req.params.id);
    if (!client) return reply.callNotFound();
    if (!d.csrf.verify(req)) return showClient(req, reply, client.id, { error: messages.formExpired }, 403);
    const channel = form(req).channel === 'sms' ? 'sms' : 'email';
    const to = channel === 'sms' ? client.phone : client.email;
    if (!to) return showClient(req, reply, client.id, { error: `${client.name} has no ${channel === 'sms' ? 'mobile number' : 'email'} on file.` }, 400);
    await d.login.request(to, requestContext(req), undefined, 'client', { tenantId: s.tenantId, clientId: client.id, ...by(s) });
    return reply.redirect(`/shop/clients/${client.id}?done=link-${channel}`, 303);
  });

  for (const action of ['sign-out-all', 'stop-email-links'] as const) {
    app.post<{ Params: { id: string } }>(`/shop/clients/:id/${action}`, staff, async (req, reply) => {
      const s = who(req);
      const client = await d.clients.get(s.tenantId, req.params.id);
      if (!client) return reply.callNotFound();
      if (!d.csrf.verify(req)) return showClient(req, reply, client.id, { error: messages.formExpired }, 403);
      // Destructive: the first press asks, the "Yes" does it.
      if (form(req).confirm !== 'yes') return showClient(req, reply, client.id, { confirm: action });
      if (action === 'sign-out-all') await d.sessions.endAllForClient(s.tenantId, client.id, 'owner', requestContext(req), by(s));
      else await d.clients.stopEmailLinks(s.tenantId, client.id, 'owner', by(s));
      return reply.redirect(`/shop/clients/${client.id}?done=${action === 'sign-out-all' ? 'signed-out' : 'links-stopped'}`, 303);
    });
  }

  app.post('/shop/sign-out', staff, async (req, reply) => {
    if (!d.csrf.verify(req)) return reply.redirect('/shop', 303);
    await d.staffSessions.end(who(req), requestContext(req));
    d.cookies.clear(reply, 'staff');
    return reply.redirect('/shop/sign-in?signed_out=1', 303);
  });
}
