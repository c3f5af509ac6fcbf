// The signed-in client's pages. Every object is read with the session's shop AND client, so another
// client's or another shop's invoice is simply not found (404).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { AppError } from '../../lib/app-error.ts';
import { requestContext, sendHtml } from '../../http/app.ts';
import type { Auth } from '../../http/auth.ts';
import type { Cookies } from '../../http/cookies.ts';
import type { Csrf } from '../../http/csrf.ts';
import { clientsRepo } from '../clients/clients.repo.ts';
import type { ClientsService } from '../clients/clients.service.ts';
import type { ContentService } from '../invoices/content.service.ts';
import { invoicesRepo } from '../invoices/invoices.repo.ts';
import type { LinksService } from '../links/links.service.ts';
import type { LoginService } from '../login/login.service.ts';
import type { Limits } from '../abuse/limits.ts';
import { reportsRepo } from '../reports/reports.repo.ts';
import type { SessionsService } from '../sessions/sessions.service.ts';
import { invoicePage, invoicesPage, linkClosedPage, portalHome, profilePage, reportPage, reportsPage, signedLinkInvalidPage } from './portal.views.ts';

interface Deps {
  auth: Auth;
  sessions: SessionsService;
  cookies: Cookies;
  csrf: Csrf;
  content: ContentService;
  links: LinksService;
  clients: ClientsService;
  login: LoginService;
  limits: Pick<Limits, 'redeemFromIp'>;
  db: Kysely<DB>;
}

export function portalRoutes(app: FastifyInstance, d: Deps) {
  app.decorateRequest('portalSession', null);
  const guarded = { preHandler: d.auth.requireSession };
  const invoices = invoicesRepo(d.db);
  const reports = reportsRepo(d.db);
  const who = (req: FastifyRequest) => req.portalSession!;
  const notFound = (reply: FastifyReply) => reply.callNotFound();

  app.get('/', async (req, reply) => reply.redirect(d.cookies.read(req, 'session') ? '/portal' : '/client-login', 303));

  app.get('/portal', guarded, async (req, reply) => {
    const s = who(req);
    const [inv, rep] = await Promise.all([invoices.listForClient(s.tenantId, s.clientId), reports.listForClient(s.tenantId, s.clientId)]);
    return sendHtml(reply, portalHome({ session: s, csrf: d.csrf.token(req, reply), invoices: inv, reports: rep }));
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
    return sendHtml(reply, invoicesPage({ session: s, csrf: d.csrf.token(req, reply), invoices: await invoices.listForClient(s.tenantId, s.clientId) }));
  });

  app.get<{ Params: { id: string }; Querystring: { paid?: string } }>('/portal/invoices/:id', guarded, async (req, reply) => {
    const s = who(req);
    const inv = await invoices.forClient(s.tenantId, s.clientId, req.params.id);
    if (!inv || inv.status === 'draft') return notFound(reply);
    const payment = inv.status === 'paid' ? await d.content.paymentFor(s.tenantId, inv.id) : undefined;
    const notice = req.query.paid === '1' && inv.status === 'paid' ? 'Payment received — thank you!' : undefined;
    return sendHtml(reply, invoicePage({ session: s, csrf: d.csrf.token(req, reply), invoice: inv, payment, ...(notice ? { notice } : {}) }));
  });

  app.post<{ Params: { id: string } }>('/portal/invoices/:id/pay', guarded, async (req, reply) => {
    const s = who(req);
    const inv = await invoices.forClient(s.tenantId, s.clientId, req.params.id);
    if (!inv || inv.status === 'draft') return notFound(reply);
    const again = (error: string, status: number) => sendHtml(reply, invoicePage({ session: s, csrf: d.csrf.token(req, reply), invoice: inv, error }), status);
    if (!d.csrf.verify(req)) return again('This page was open too long or came from another site. Please try again.', 403);
    try {
      await d.content.pay(s, inv.id);
    } catch (err) {
      if (err instanceof AppError && err.status < 500) {
        const fresh = (await invoices.forClient(s.tenantId, s.clientId, inv.id))!;
        return sendHtml(reply, invoicePage({ session: s, csrf: d.csrf.token(req, reply), invoice: fresh, payment: await d.content.paymentFor(s.tenantId, inv.id), error: err.message }), err.status);
      }
      throw err;
    }
    return reply.redirect(`/portal/invoices/${inv.id}?paid=1`, 303);
  });

  app.get('/portal/reports', guarded, async (req, reply) => {
    const s = who(req);
    return sendHtml(reply, reportsPage({ session: s, csrf: d.csrf.token(req, reply), reports: await reports.listForClient(s.tenantId, s.clientId) }));
  });

  app.get<{ Params: { id: string } }>('/portal/reports/:id', guarded, async (req, reply) => {
    const s = who(req);
    const report = await reports.forClient(s.tenantId, s.clientId, req.params.id);
    if (!report) return notFound(reply);
    return sendHtml(reply, reportPage({ session: s, csrf: d.csrf.token(req, reply), report }));
  });

  // Contact details. Sessions from email links can look but not change: that needs a fresh login.
  async function profile(req: FastifyRequest, reply: FastifyReply, extra: { error?: string; notice?: string; values?: { email: string; phone: string } } = {}, status = 200) {
    const s = who(req);
    const c = (await clientsRepo(d.db).byId(s.tenantId, s.clientId))!;
    return sendHtml(reply, profilePage({ session: s, csrf: d.csrf.token(req, reply), email: c.email, phone: c.phone, fresh: s.kind === 'login', ...extra }), status);
  }

  app.get<{ Querystring: { saved?: string } }>('/portal/profile', guarded, async (req, reply) => profile(req, reply, req.query.saved === '1' ? { notice: 'Your details are saved.' } : {}));

  app.post('/portal/profile', guarded, async (req, reply) => {
    const s = who(req);
    const body = (req.body ?? {}) as Record<string, string>;
    const values = { email: String(body.email ?? ''), phone: String(body.phone ?? '') };
    if (!d.csrf.verify(req)) return profile(req, reply, { error: 'This page was open too long. Please try again.', values }, 403);
    if (s.kind !== 'login') return profile(req, reply, { error: 'Changing contact details needs a fresh sign-in link.' }, 403);
    try {
      await d.clients.update(s.tenantId, s.clientId, { email: values.email, phone: values.phone }, 'client');
    } catch (err) {
      if (err instanceof AppError && err.status < 500) return profile(req, reply, { error: err.message, values }, err.status);
      throw err;
    }
    return reply.redirect('/portal/profile?saved=1', 303);
  });

  /** Step-up: a link session asks for a login link to the client's own contact on file. */
  app.post('/portal/profile/verify', guarded, async (req, reply) => {
    if (!d.csrf.verify(req)) return reply.redirect('/portal/profile', 303);
    const s = who(req);
    const c = (await clientsRepo(d.db).byId(s.tenantId, s.clientId))!;
    const r = await d.login.request((c.email ?? c.phone)!, requestContext(req));
    d.cookies.set(reply, 'bind', r.bindingCookie, r.maxAgeSeconds);
    return reply.redirect('/client-login/check', 303);
  });

  // The signed link from an automated email: signs in and lands on the object, token-free.
  app.get<{ Params: { token: string } }>('/s/:token', async (req, reply) => {
    reply.header('referrer-policy', 'no-referrer');
    const v = await d.limits.redeemFromIp(req.ip);
    if (!v.ok) return reply.header('retry-after', String(v.retryAfterSec)).code(429).type('text/plain; charset=utf-8').send('Too many attempts from your network. Please wait a few minutes.');
    const out = await d.links.redeem(req.params.token, requestContext(req));
    if (out.kind === 'invalid') return sendHtml(reply, signedLinkInvalidPage(), 410);
    if (out.kind === 'closed') return sendHtml(reply, linkClosedPage(out.shop, out.reason));
    d.cookies.set(reply, 'session', out.session.token, out.session.maxAgeSeconds);
    return reply.redirect(out.location, 303);
  });

  app.post('/logout', guarded, async (req, reply) => {
    if (!d.csrf.verify(req)) return reply.redirect('/portal', 303);
    const s = who(req);
    const everywhere = (req.body as Record<string, string> | undefined)?.everywhere === '1';
    if (everywhere) await d.sessions.endAllForClient(s.tenantId, s.clientId, 'client', requestContext(req));
    else await d.sessions.end(s, requestContext(req));
    d.cookies.clear(reply, 'session');
    return reply.redirect('/client-login?signed_out=1', 303);
  });
}
