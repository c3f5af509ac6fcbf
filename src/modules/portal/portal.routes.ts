// The signed-in client's pages. Every object is read with the session's shop AND client, so another
// client's or another shop's invoice is simply not found (404). A session opened from an email
// link (`scope`) sees only the object its link names; everything else offers a sign-in link.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../lib/app-error.ts';
import { reportPageCsp, requestContext, sendHtml } from '../../http/app.ts';
import type { Auth } from '../../http/auth.ts';
import type { Cookies } from '../../http/cookies.ts';
import type { Csrf } from '../../http/csrf.ts';
import { limitByIp, type IpLimit } from '../../http/rate-limit.ts';
import { errorText, trOf, type Language } from '../../http/i18n.ts';
import { isLocale } from '../../lib/i18n.ts';
import type { ClientsService } from '../clients/clients.service.ts';
import type { ContactProofs } from '../clients/contact-proofs.service.ts';
import type { InvoicesService } from '../invoices/invoices.service.ts';
import type { PaymentsService } from '../payments/payments.service.ts';
import type { ReportsService } from '../reports/reports.service.ts';
import type { CheckedLink, LinksService } from '../links/links.service.ts';
import type { LoginService } from '../login/login.service.ts';
import type { PortalSession, SessionsService } from '../sessions/sessions.service.ts';
import { invoicePage, invoicesPage, limitedPage, linkClosedPage, portalHome, profilePage, type ProfileData, reportPage, reportsPage, signedLinkInvalidPage, switchAccountPage } from './portal.views.ts';

interface Deps {
  auth: Auth;
  sessions: SessionsService;
  cookies: Cookies;
  csrf: Csrf;
  invoices: InvoicesService;
  reports: ReportsService;
  payments: PaymentsService;
  links: LinksService;
  clients: ClientsService;
  contactProofs: ContactProofs;
  login: LoginService;
  limits: { redeemFromIp: IpLimit; loginFromIp: IpLimit; codeFromIp: IpLimit };
  language: Language;
  /** The browser remembers the shop it signed in to (its branded sign-in page). */
  rememberShop(reply: FastifyReply, slug: string): void;
}

/** Whether this session may see this object: a full session sees all, a link session its own. */
const sees = (s: PortalSession, kind: 'invoice' | 'report', id: string) => !s.scope || (s.scope.kind === kind && s.scope.id === id);

export function portalRoutes(app: FastifyInstance, d: Deps) {
  app.decorateRequest('portalSession', null);
  const guarded = { preHandler: d.auth.requireSession };
  const { invoices, reports } = d;
  const who = (req: FastifyRequest) => req.portalSession!;
  const notFound = (reply: FastifyReply) => reply.callNotFound();
  /** What a link session gets instead of a page outside its object: one tap to a real sign-in. */
  const limited = (req: FastifyRequest, reply: FastifyReply, status = 200) => sendHtml(reply, limitedPage({ tr: trOf(req), session: who(req), csrf: d.csrf.token(req, reply) }), status);

  app.get('/', async (req, reply) => reply.redirect(d.cookies.read(req, 'session') ? '/portal' : '/client-login', 303));

  app.get('/portal', guarded, async (req, reply) => {
    const s = who(req);
    if (s.scope) return limited(req, reply);
    // However this browser signed in (a link, the picker, a recovery link), it now knows its shop.
    if (d.cookies.read(req, 'shop') !== s.tenant.slug) d.rememberShop(reply, s.tenant.slug);
    const [inv, rep] = await Promise.all([invoices.listForClient(s.tenantId, s.clientId), reports.listForClient(s.tenantId, s.clientId)]);
    return sendHtml(reply, portalHome({ tr: trOf(req), session: s, csrf: d.csrf.token(req, reply), invoices: inv, reports: rep }));
  });

  /** Small JSON view of the session, for the portal's own scripts (and the benchmark). */
  const sessionSchema = {
    response: {
      200: {
        type: 'object',
        properties: {
          tenant: { type: 'object', properties: { name: { type: 'string' }, slug: { type: 'string' } } },
          client: { type: 'object', properties: { name: { type: 'string' } } },
          kind: { type: 'string' },
        },
      },
    },
  };
  app.get('/portal/session.json', { ...guarded, schema: sessionSchema }, async (req) => {
    const s = who(req);
    return { tenant: { name: s.tenant.name, slug: s.tenant.slug }, client: { name: s.clientName }, kind: s.kind };
  });

  app.get('/portal/invoices', guarded, async (req, reply) => {
    const s = who(req);
    if (s.scope) return limited(req, reply);
    return sendHtml(reply, invoicesPage({ tr: trOf(req), session: s, csrf: d.csrf.token(req, reply), invoices: await invoices.listForClient(s.tenantId, s.clientId) }));
  });

  app.get<{ Params: { id: string }; Querystring: { paid?: string } }>('/portal/invoices/:id', guarded, async (req, reply) => {
    const s = who(req);
    if (!sees(s, 'invoice', req.params.id)) return limited(req, reply, 403);
    const inv = await invoices.forClient(s.tenantId, s.clientId, req.params.id);
    if (!inv) return notFound(reply);
    const payment = inv.status === 'paid' ? await d.payments.forInvoice(s.tenantId, inv.id) : undefined;
    const paidNow = req.query.paid === '1' && inv.status === 'paid';
    const notice = paidNow ? trOf(req).t((await d.clients.get(s.tenantId, s.clientId))?.email ? 'portal:invoice.thanks' : 'portal:invoice.thanksNoEmail') : undefined;
    return sendHtml(reply, invoicePage({ tr: trOf(req), session: s, csrf: d.csrf.token(req, reply), invoice: inv, payment, ...(notice ? { notice } : {}) }));
  });

  app.post<{ Params: { id: string } }>('/portal/invoices/:id/pay', guarded, async (req, reply) => {
    const s = who(req);
    if (!sees(s, 'invoice', req.params.id)) return limited(req, reply, 403);
    const inv = await invoices.forClient(s.tenantId, s.clientId, req.params.id);
    if (!inv) return notFound(reply);
    const again = (error: string, status: number) => sendHtml(reply, invoicePage({ tr: trOf(req), session: s, csrf: d.csrf.token(req, reply), invoice: inv, error }), status);
    if (!d.csrf.verify(req)) return again(trOf(req).t('common:formExpired'), 403);
    try {
      await d.payments.pay(s, inv.id);
    } catch (err) {
      if (err instanceof AppError && err.status < 500) {
        const fresh = (await invoices.forClient(s.tenantId, s.clientId, inv.id))!;
        return sendHtml(reply, invoicePage({ tr: trOf(req), session: s, csrf: d.csrf.token(req, reply), invoice: fresh, payment: await d.payments.forInvoice(s.tenantId, inv.id), error: errorText(trOf(req), err) }), err.status);
      }
      throw err;
    }
    return reply.redirect(`/portal/invoices/${inv.id}?paid=1`, 303);
  });

  app.get('/portal/reports', guarded, async (req, reply) => {
    const s = who(req);
    if (s.scope) return limited(req, reply);
    return sendHtml(reply, reportsPage({ tr: trOf(req), session: s, csrf: d.csrf.token(req, reply), reports: await reports.listForClient(s.tenantId, s.clientId) }));
  });

  app.get<{ Params: { id: string } }>('/portal/reports/:id', guarded, async (req, reply) => {
    const s = who(req);
    if (!sees(s, 'report', req.params.id)) return limited(req, reply, 403);
    const report = await reports.forClient(s.tenantId, s.clientId, req.params.id);
    if (!report) return notFound(reply);
    // The shop's photos live on its own https host: the one page whose images may come from elsewhere.
    reply.header('content-security-policy', reportPageCsp);
    return sendHtml(reply, reportPage({ tr: trOf(req), session: s, csrf: d.csrf.token(req, reply), report }));
  });

  // Contact details: only a session from a fresh sign-in may change them.
  async function profile(req: FastifyRequest, reply: FastifyReply, extra: Omit<Partial<ProfileData>, 'session' | 'csrf' | 'tr'> = {}, status = 200) {
    const s = who(req);
    const c = (await d.clients.get(s.tenantId, s.clientId))!;
    const proof = s.kind === 'recovery' ? await d.contactProofs.pending(s) : null;
    return sendHtml(reply, profilePage({ tr: trOf(req), session: s, csrf: d.csrf.token(req, reply), email: c.email, phone: c.phone, locale: c.locale, proof, ...extra }), status);
  }

  app.get<{ Querystring: { saved?: string } }>('/portal/profile', guarded, async (req, reply) => {
    if (who(req).scope) return limited(req, reply);
    return profile(req, reply, req.query.saved === '1' ? { notice: trOf(req).t('portal:profile.saved') } : {});
  });

  app.post('/portal/profile', guarded, async (req, reply) => {
    const s = who(req);
    // A recovery session proves a new contact with a code instead (/portal/profile/prove).
    if (s.kind === 'recovery') return profile(req, reply, { error: trOf(req).t('portal:profile.useCode') }, 403);
    if (s.kind !== 'login') return limited(req, reply, 403);
    const body = (req.body ?? {}) as Record<string, string>;
    const values = { email: String(body.email ?? ''), phone: String(body.phone ?? '') };
    if (!d.csrf.verify(req)) return profile(req, reply, { error: trOf(req).t('common:formExpired'), values }, 403);
    try {
      await d.clients.update(s.tenantId, s.clientId, { email: values.email, phone: values.phone }, 'client');
    } catch (err) {
      if (err instanceof AppError && err.code === 'CONTACT_TAKEN') return profile(req, reply, { error: trOf(req).t('portal:profile.taken', { context: err.field === 'phone' ? 'phone' : 'email', shop: s.tenant.name }), values }, 409);
      if (err instanceof AppError && err.status < 500) return profile(req, reply, { error: errorText(trOf(req), err), values }, err.status);
      throw err;
    }
    return reply.redirect('/portal/profile?saved=1', 303);
  });

  // A recovery session's contact change: a code to the new email or phone, typed back here.
  app.post('/portal/profile/prove', { preHandler: [d.auth.requireSession, limitByIp(d.limits.loginFromIp)] }, async (req, reply) => {
    const s = who(req);
    if (s.kind !== 'recovery') return reply.redirect('/portal/profile', 303);
    const body = (req.body ?? {}) as Record<string, string>;
    const kind = body.kind === 'phone' ? 'phone' : 'email';
    const value = String(body.value ?? '');
    const values = { email: kind === 'email' ? value : '', phone: kind === 'phone' ? value : '' };
    if (!d.csrf.verify(req)) return profile(req, reply, { error: trOf(req).t('common:formExpired'), values }, 403);
    try {
      const sent = await d.contactProofs.start(s, kind, value, requestContext(req));
      return profile(req, reply, { notice: trOf(req).t('portal:profile.codeSent', { masked: sent.masked }) });
    } catch (err) {
      if (err instanceof AppError && err.status < 500) return profile(req, reply, { error: errorText(trOf(req), err), values }, err.status);
      throw err;
    }
  });

  app.post('/portal/profile/confirm', { preHandler: [d.auth.requireSession, limitByIp(d.limits.codeFromIp)] }, async (req, reply) => {
    const s = who(req);
    if (s.kind !== 'recovery') return reply.redirect('/portal/profile', 303);
    if (!d.csrf.verify(req)) return profile(req, reply, { error: trOf(req).t('common:formExpired') }, 403);
    try {
      await d.contactProofs.confirm(s, String(((req.body ?? {}) as Record<string, string>).code ?? ''), requestContext(req));
    } catch (err) {
      if (err instanceof AppError && err.status < 500) return profile(req, reply, { error: errorText(trOf(req), err) }, err.status);
      throw err;
    }
    return reply.redirect('/portal/profile?saved=1', 303);
  });

  // The language the client is written to (emails, texts) — and this browser's from now on.
  app.post('/portal/profile/language', guarded, async (req, reply) => {
    const s = who(req);
    if (s.scope) return limited(req, reply, 403);
    if (!d.csrf.verify(req)) return profile(req, reply, { error: trOf(req).t('common:formExpired') }, 403);
    const locale = ((req.body ?? {}) as Record<string, string>).locale;
    if (!isLocale(locale)) return profile(req, reply, { error: trOf(req).t('portal:profile.language') }, 400);
    await d.clients.setLocale(s.tenantId, s.clientId, locale, 'client');
    d.language.choose(reply, locale);
    return reply.redirect(`/portal/profile?saved=1&lang=${locale}`, 303);
  });

  /** "See all your invoices": one tap sends a sign-in link to the client's own contact on file. */
  app.post('/portal/send-link', { preHandler: [d.auth.requireSession, limitByIp(d.limits.loginFromIp)] }, async (req, reply) => {
    if (!d.csrf.verify(req)) return limited(req, reply, 403);
    const s = who(req);
    const c = (await d.clients.get(s.tenantId, s.clientId))!;
    const r = await d.login.request((c.email ?? c.phone)!, requestContext(req), d.cookies.read(req, 'device'));
    d.cookies.set(reply, 'bind', r.bindingCookie, r.maxAgeSeconds);
    return reply.redirect('/client-login/check', 303);
  });

  // The signed link from an automated email: signs in and lands on the object, token-free. A
  // browser signed in as someone else is asked first (a forwarded link must not silently swap
  // whose portal this browser shows); the same client in the same shop stays one tap.
  const redeemLimit = { preHandler: limitByIp(d.limits.redeemFromIp) };
  async function land(req: FastifyRequest, reply: FastifyReply, link: CheckedLink, keepSession: boolean) {
    const opened = await d.links.open(link, requestContext(req), { keepSession });
    if (!opened.ok) return sendHtml(reply, signedLinkInvalidPage(trOf(req), link.shop), 410);
    if (opened.session) {
      d.cookies.set(reply, 'session', opened.session.token, opened.session.maxAgeSeconds);
      d.rememberShop(reply, link.shop.slug);
      d.language.adopt(req, reply, link.clientLocale);
    }
    return reply.redirect(link.location, 303);
  }

  app.get<{ Params: { token: string } }>('/s/:token', redeemLimit, async (req, reply) => {
    const link = await d.links.check(req.params.token, requestContext(req));
    if (link.kind === 'invalid') return sendHtml(reply, signedLinkInvalidPage(trOf(req)), 410);
    if (link.kind === 'closed') return sendHtml(reply, linkClosedPage(trOf(req), link.shop, link.reason));
    const current = await d.auth.current(req, reply);
    const same = !!current && current.tenantId === link.tenantId && current.clientId === link.clientId;
    if (current && !same) return sendHtml(reply, switchAccountPage({ tr: trOf(req), current, link, token: req.params.token, csrf: d.csrf.token(req, reply) }));
    return land(req, reply, link, same && current!.scope === null);
  });

  app.post<{ Params: { token: string } }>('/s/:token', redeemLimit, async (req, reply) => {
    const link = await d.links.check(req.params.token, requestContext(req));
    if (link.kind === 'invalid') return sendHtml(reply, signedLinkInvalidPage(trOf(req)), 410);
    if (link.kind === 'closed') return sendHtml(reply, linkClosedPage(trOf(req), link.shop, link.reason));
    // A POST that fails the CSRF check never lands: a cross-site form carries no SameSite=Lax
    // cookies, so "no session here" would be a lie. The GET (which does carry them) decides again.
    if (!d.csrf.verify(req)) return reply.redirect(`/s/${req.params.token}`, 303);
    return land(req, reply, link, false);
  });

  app.post('/logout', guarded, async (req, reply) => {
    if (!d.csrf.verify(req)) return reply.redirect('/portal', 303);
    const s = who(req);
    const everywhere = (req.body as Record<string, string> | undefined)?.everywhere === '1';
    if (everywhere) await d.sessions.endAllForClient(s.tenantId, s.clientId, 'client', requestContext(req));
    else await d.sessions.end(s, requestContext(req));
    d.cookies.clear(reply, 'session');
    // Also clears the browser's other cookies for this site — its device cookie included, so a
    // shared computer is not remembered as this client's device (a deliberate trade, SECURITY.md).
    reply.header('clear-site-data', '"cookies"');
    // Clear-Site-Data also forgets this browser's shop and language: the shop's own page, in this
    // page's language, remembers them again.
    return reply.redirect(`/c/${s.tenant.slug}?signed_out=1&lang=${req.locale}`, 303);
  });
}
