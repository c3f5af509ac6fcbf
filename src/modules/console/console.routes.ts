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
import { prettyPhone } from '../../lib/format.ts';
import type { ClientsService } from '../clients/clients.service.ts';
import type { DeliveryHistory } from '../delivery/history.ts';
import type { LoginService } from '../login/login.service.ts';
import type { SessionsService } from '../sessions/sessions.service.ts';
import type { ConsoleSession, StaffSessions } from '../staff/staff-sessions.service.ts';
import { contactFacts } from './contact-facts.ts';
import { apiKeysPage, auditPage, healthPage, clientPage, clientsPage, securityPage, shopDetailsPage, consoleFactorPlace, staffPage, type ClientPageData } from './console.views.ts';
import type { StaffMfa } from '../staff/staff-mfa.service.ts';
import { secondFactorRoutes } from '../mfa/mfa.routes.ts';
import type { HealthService } from '../health/health.service.ts';
import type { TenantsService } from '../tenants/tenants.service.ts';
import type { StaffService } from '../staff/staff.service.ts';
import type { ApiKeys } from '../apikeys/apikeys.service.ts';
import type { AuditLog } from '../audit/audit-log.service.ts';
import { toCsv } from '../../lib/csv.ts';

export interface ConsoleDeps {
  auth: Auth;
  cookies: Cookies;
  csrf: Csrf;
  clients: ClientsService;
  history: DeliveryHistory;
  sessions: SessionsService;
  staffSessions: StaffSessions;
  login: LoginService;
  limits: { loginFromIp: IpLimit; codeFromIp: IpLimit };
  mfa: StaffMfa;
  health: HealthService;
  smsAllowedCountries: readonly CountryCode[];
  audit: AuditLog;
  tenants: TenantsService;
  staff: StaffService;
  apiKeys: ApiKeys;
}

type Form = Record<string, string | undefined>;
const form = (req: FastifyRequest) => (req.body ?? {}) as Form;
/** Who did it, for the audit rows of console actions. */
const by = (s: ConsoleSession) => ({ by: s.name, byStaff: s.staffId });

export function consoleRoutes(app: FastifyInstance, d: ConsoleDeps) {
  app.decorateRequest('consoleSession', null);
  const staff = { preHandler: d.auth.requireStaff };
  const who = (req: FastifyRequest) => req.consoleSession!;

  app.get('/shop', staff, async (req, reply) => {
    const s = who(req);
    return sendHtml(reply, healthPage({ session: s, csrf: d.csrf.token(req, reply), health: await d.health.lastDays(s.tenantId) }));
  });

  // The second factor, when the shop requires one or the member has one: the only pages open to
  // a session that still owes it (requireStaff sends everything else here).
  secondFactorRoutes(app, { path: '/shop/second-factor', auth: d.auth.requireStaff, session: who, place: consoleFactorPlace, mfa: d.mfa, csrf: d.csrf, codeFromIp: d.limits.codeFromIp });

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

  // The shop's audit log: filter by client, kind and dates; page; the same view as CSV.
  type AuditQuery = { client?: string; action?: string; from?: string; to?: string; page?: string };
  async function auditFilter(req: FastifyRequest<{ Querystring: AuditQuery }>) {
    const s = who(req);
    const q = req.query;
    const day = (v: string | undefined, plus = 0) => (v && /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) ? Date.parse(`${v}T00:00:00Z`) + plus : undefined);
    const client = q.client && /^[0-9a-f-]{36}$/.test(q.client) ? await d.clients.get(s.tenantId, q.client) : undefined;
    const actions = await d.audit.actions(s.tenantId);
    const action = q.action && actions.includes(q.action) ? q.action : '';
    const from = day(q.from);
    const to = day(q.to, 86_400_000);
    const error = (q.from && from === undefined) || (q.to && to === undefined) ? 'Dates are written like 2026-11-25.' : from !== undefined && to !== undefined && from >= to ? 'The “From” date is after the “To” date.' : undefined;
    return {
      actions,
      error,
      filter: { ...(client ? { clientId: client.id } : {}), ...(action ? { action } : {}), ...(from !== undefined && !error ? { from } : {}), ...(to !== undefined && !error ? { to } : {}) },
      shown: { client: client?.id ?? '', clientName: client?.name ?? null, action, from: from !== undefined ? q.from! : '', to: to !== undefined ? q.to! : '' },
    };
  }

  app.get<{ Querystring: AuditQuery }>('/shop/audit', staff, async (req, reply) => {
    const s = who(req);
    const page = Math.max(1, Math.min(10_000, Number.parseInt(req.query.page ?? '1', 10) || 1));
    const f = await auditFilter(req);
    const result = await d.audit.page(s.tenantId, f.filter, page);
    return sendHtml(reply, auditPage({ session: s, csrf: d.csrf.token(req, reply), lines: result.lines, actions: f.actions, filter: f.shown, page, hasNext: result.hasNext, ...(f.error ? { error: f.error } : {}) }), f.error ? 400 : 200);
  });

  app.get<{ Querystring: AuditQuery }>('/shop/audit.csv', staff, async (req, reply) => {
    const s = who(req);
    const f = await auditFilter(req);
    if (f.error) return reply.code(400).type('text/plain; charset=utf-8').send(f.error);
    const lines = await d.audit.all(s.tenantId, f.filter);
    const csv = toCsv(['time (UTC)', 'who', 'what', 'event', 'client', 'details', 'ip'], lines.map((l) => [new Date(l.at).toISOString(), l.who, l.what, l.action, l.clientName ?? '', l.details, l.ip ?? '']));
    return reply
      .header('content-disposition', `attachment; filename="${s.tenant.slug}-audit-${new Date().toISOString().slice(0, 10)}.csv"`)
      .type('text/csv; charset=utf-8')
      .send(csv);
  });

  // ---- Owners only: Settings → Security, Staff, API keys. Staff get a 403 page.
  const owner = { preHandler: [d.auth.requireStaff, d.auth.requireOwner] };

  app.get<{ Querystring: { saved?: string } }>('/shop/settings/security', owner, async (req, reply) => {
    const s = who(req);
    const t = await d.tenants.resolve(s.tenantId);
    const values = { sessionDays: String(t.session_days), loginChannels: t.login_channels, staffMfaRequired: !!t.staff_mfa_required };
    return sendHtml(reply, securityPage({ session: s, csrf: d.csrf.token(req, reply), values, ...(req.query.saved ? { notice: 'Saved. Clients already signed in follow the new length now.' } : {}) }));
  });

  app.post('/shop/settings/security', owner, async (req, reply) => {
    const s = who(req);
    const f = form(req);
    const values = { sessionDays: String(f.sessionDays ?? ''), loginChannels: String(f.loginChannels ?? ''), staffMfaRequired: f.staffMfaRequired === '1' };
    const again = (error: string, status: number) => sendHtml(reply, securityPage({ session: s, csrf: d.csrf.token(req, reply), values, error }), status);
    if (!d.csrf.verify(req)) return again(messages.formExpired, 403);
    try {
      await d.tenants.setSecurity(s.tenantId, { sessionDays: values.sessionDays, loginChannels: values.loginChannels, staffMfaRequired: values.staffMfaRequired }, { name: s.name, staffId: s.staffId });
    } catch (err) {
      if (err instanceof AppError && err.status < 500) return again(err.message, 400);
      throw err;
    }
    return reply.redirect('/shop/settings/security?saved=1', 303);
  });

  // Settings → Shop details: the shop's phone, email and address, as its clients see them.
  app.get<{ Querystring: { saved?: string } }>('/shop/settings/shop', owner, async (req, reply) => {
    const s = who(req);
    const t = await d.tenants.resolve(s.tenantId);
    const values = { contactPhone: prettyPhone(t.contact_phone), contactEmail: t.contact_email ?? '', address: t.address ?? '' };
    return sendHtml(reply, shopDetailsPage({ session: s, csrf: d.csrf.token(req, reply), values, ...(req.query.saved ? { notice: 'Saved. Your clients see the new details on their next page or message.' } : {}) }));
  });

  app.post('/shop/settings/shop', owner, async (req, reply) => {
    const s = who(req);
    const f = form(req);
    // What was typed, kept as typed when the form comes back with a problem.
    const values = { contactPhone: String(f.contactPhone ?? ''), contactEmail: String(f.contactEmail ?? ''), address: String(f.address ?? '') };
    const again = (error: string, status: number, errorField?: string) => sendHtml(reply, shopDetailsPage({ session: s, csrf: d.csrf.token(req, reply), values, error, ...(errorField ? { errorField } : {}) }), status);
    if (!d.csrf.verify(req)) return again(messages.formExpired, 403);
    try {
      await d.tenants.setContact(s.tenantId, values, { actor: 'owner', name: s.name, staffId: s.staffId });
    } catch (err) {
      if (err instanceof AppError && err.status < 500) return again(err.message, 400, err.field);
      throw err;
    }
    return reply.redirect('/shop/settings/shop?saved=1', 303);
  });

  async function showStaff(req: FastifyRequest, reply: FastifyReply, extra: Partial<Parameters<typeof staffPage>[0]> = {}, status = 200) {
    const s = who(req);
    const list = (await d.staff.list(s.tenantId)).map((m) => ({ id: m.id, name: m.name, email: m.email, role: m.role, status: m.status, lastSignInAt: m.last_sign_in_at, secondFactor: m.totp_enabled_at !== null }));
    return sendHtml(reply, staffPage({ session: s, csrf: d.csrf.token(req, reply), staff: list, ...extra }), status);
  }

  app.get<{ Querystring: { done?: string } }>('/shop/staff', owner, async (req, reply) => showStaff(req, reply, req.query.done ? { notice: req.query.done === 'invited' ? 'Invited: a sign-in link is on its way to them.' : 'Saved.' } : {}));

  app.post('/shop/staff', { preHandler: [d.auth.requireStaff, d.auth.requireOwner, limitByIp(d.limits.loginFromIp)] }, async (req, reply) => {
    const s = who(req);
    const f = form(req);
    const values = { name: String(f.name ?? ''), email: String(f.email ?? ''), role: f.role === 'owner' ? 'owner' : 'staff' };
    if (!d.csrf.verify(req)) return showStaff(req, reply, { error: messages.formExpired, values }, 403);
    try {
      const member = await d.staff.add(s.tenantId, { name: values.name, email: values.email, role: values.role as 'owner' | 'staff' }, { actor: 'owner', staffId: s.staffId, name: s.name });
      await d.login.request(member.email, requestContext(req), undefined, 'staff');
    } catch (err) {
      if (err instanceof AppError && err.status < 500) return showStaff(req, reply, { error: err.message, values }, 400);
      throw err;
    }
    return reply.redirect('/shop/staff?done=invited', 303);
  });

  app.post<{ Params: { id: string } }>('/shop/staff/:id', owner, async (req, reply) => {
    const s = who(req);
    const member = /^[0-9a-f-]{36}$/.test(req.params.id) ? await d.staff.get(s.tenantId, req.params.id) : undefined;
    if (!member) return reply.callNotFound();
    if (!d.csrf.verify(req)) return showStaff(req, reply, { error: messages.formExpired }, 403);
    const f = form(req);
    const status = f.status === 'disabled' ? 'disabled' : f.status === 'active' ? 'active' : undefined;
    if (status === 'disabled' && f.confirm !== 'yes') {
      return showStaff(req, reply, { confirmDisable: { id: member.id, name: member.name, email: member.email, role: member.role, status: member.status, lastSignInAt: member.last_sign_in_at, secondFactor: member.totp_enabled_at !== null } });
    }
    try {
      await d.staff.update(s.tenantId, member.id, { ...(status ? { status } : { role: f.role === 'owner' ? 'owner' : 'staff' }) }, { actor: 'owner', staffId: s.staffId, name: s.name });
    } catch (err) {
      if (err instanceof AppError && err.status < 500) return showStaff(req, reply, { error: err.message }, 409);
      throw err;
    }
    return reply.redirect('/shop/staff?done=saved', 303);
  });

  async function showKeys(req: FastifyRequest, reply: FastifyReply, extra: Partial<Parameters<typeof apiKeysPage>[0]> = {}, status = 200) {
    const s = who(req);
    return sendHtml(reply, apiKeysPage({ session: s, csrf: d.csrf.token(req, reply), keys: await d.apiKeys.list(s.tenantId), ...extra }), status);
  }

  app.get<{ Querystring: { done?: string } }>('/shop/api-keys', owner, async (req, reply) => showKeys(req, reply, req.query.done ? { notice: 'The key is revoked.' } : {}));

  app.post('/shop/api-keys', owner, async (req, reply) => {
    const s = who(req);
    if (!d.csrf.verify(req)) return showKeys(req, reply, { error: messages.formExpired }, 403);
    try {
      const name = String(form(req).name ?? '');
      const k = await d.apiKeys.create(s.tenantId, name, { name: s.name, staffId: s.staffId });
      // Shown once, on this answer only: never stored, never in a URL.
      return showKeys(req, reply, { created: { name: name.trim(), key: k.key } }, 201);
    } catch (err) {
      if (err instanceof AppError && err.status < 500) return showKeys(req, reply, { error: err.message }, 400);
      throw err;
    }
  });

  app.post<{ Params: { id: string } }>('/shop/api-keys/:id/revoke', owner, async (req, reply) => {
    const s = who(req);
    const key = (await d.apiKeys.list(s.tenantId)).find((k) => k.id === req.params.id && k.revoked_at === null);
    if (!key) return reply.callNotFound();
    if (!d.csrf.verify(req)) return showKeys(req, reply, { error: messages.formExpired }, 403);
    if (form(req).confirm !== 'yes') return showKeys(req, reply, { confirmRevoke: { id: key.id, name: key.name } });
    await d.apiKeys.revoke(s.tenantId, key.id, { name: s.name, staffId: s.staffId });
    return reply.redirect('/shop/api-keys?done=revoked', 303);
  });

  app.post('/shop/sign-out', staff, async (req, reply) => {
    if (!d.csrf.verify(req)) return reply.redirect('/shop', 303);
    await d.staffSessions.end(who(req), requestContext(req));
    d.cookies.clear(reply, 'staff');
    return reply.redirect('/shop/sign-in?signed_out=1', 303);
  });
}
