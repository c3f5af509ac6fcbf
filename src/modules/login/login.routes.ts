// HTTP for the login flow. Handlers translate between HTTP and the login service; no rules here.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { limitByIp, type IpLimit } from '../../http/rate-limit.ts';
import { AppError } from '../../lib/app-error.ts';
import { requestContext, sendHtml } from '../../http/app.ts';
import type { Cookies } from '../../http/cookies.ts';
import type { Csrf } from '../../http/csrf.ts';
import { messages } from '../../http/views/strings.ts';
import type { LoginOutcome, LoginService } from './login.service.ts';
import { DEVICE_COOKIE_DAYS } from './device-cookie.ts';
import { loginErrors } from './login.errors.ts';
import { logoPath } from '../tenants/logo.ts';
import { checkPage, continuePage, linkInvalidPage, loginPage, pickPage } from './login.views.ts';
import { PATHS } from './login.paths.ts';
import type { LoginMatch } from './login.repo.ts';

type Form = Record<string, string | undefined>;
const field = (req: FastifyRequest, name: string): string => {
  const v = (req.body as Form | undefined)?.[name];
  return typeof v === 'string' ? v : '';
};

export function loginRoutes(app: FastifyInstance, d: { login: LoginService; limits: { loginFromIp: IpLimit; redeemFromIp: IpLimit; codeFromIp: IpLimit }; cookies: Cookies; csrf: Csrf }) {
  const { login, cookies, csrf } = d;
  // Over a per-IP limit the handler never runs (regression: a 429 used to go on and do the work).
  const loginLimit = { preHandler: limitByIp(d.limits.loginFromIp) };
  const redeemLimit = { preHandler: limitByIp(d.limits.redeemFromIp) };
  const codeLimit = { preHandler: limitByIp(d.limits.codeFromIp) };

  function finish(req: FastifyRequest, reply: FastifyReply, out: LoginOutcome) {
    if (out.kind === 'invalid') return sendHtml(reply, linkInvalidPage(), 410);
    const paths = PATHS[out.audience];
    cookies.clear(reply, 'bind');
    // This browser proved the identifier: it keeps its own limits from now on (device-cookie.ts).
    cookies.set(reply, 'device', login.rememberDevice(cookies.read(req, 'device'), out.proven), DEVICE_COOKIE_DAYS * 86_400);
    if (out.kind === 'pick') {
      cookies.set(reply, 'pick', out.pickCookie, out.maxAgeSeconds);
      return reply.redirect(paths.pick, 303);
    }
    cookies.set(reply, paths.session, out.token, out.maxAgeSeconds);
    return reply.redirect(paths.home, 303);
  }

  // The same flow at three addresses: clients at /client-login (the portal), staff at /shop/sign-in
  // (the console), Servicio's agents at /support/sign-in. The login link itself (/l/:token) is
  // shared: the login knows whose it is.
  for (const paths of [PATHS.client, PATHS.staff, PATHS.support]) {
    const audience = paths.audience;

    app.get(paths.signIn, async (req, reply) => {
      const signedOut = (req.query as Form).signed_out === '1';
      return sendHtml(reply, loginPage({ paths, csrf: csrf.token(req, reply), ...(signedOut ? { notice: 'You’re signed out.' } : {}) }));
    });

    app.post(paths.signIn, loginLimit, async (req, reply) => {
      const value = field(req, 'identifier');
      if (!csrf.verify(req)) return sendHtml(reply, loginPage({ paths, csrf: csrf.token(req, reply), value, error: messages.formExpired }), 403);
      try {
        const r = await login.request(value, requestContext(req), cookies.read(req, 'device'), audience);
        cookies.set(reply, 'bind', r.bindingCookie, r.maxAgeSeconds);
        return reply.redirect(paths.check, 303);
      } catch (err) {
        if (err instanceof AppError && err.status === 400) {
          return sendHtml(reply, loginPage({ paths, csrf: csrf.token(req, reply), value, error: err.message }), 400);
        }
        throw err;
      }
    });

    /** This browser's pending login, when it is one of this audience's. */
    const pendingHere = async (req: FastifyRequest) => {
      const p = await login.pending(cookies.read(req, 'bind'));
      return p && p.audience === audience ? p : null;
    };

    app.get(paths.check, async (req, reply) => {
      const p = await pendingHere(req);
      if (!p) return reply.redirect(paths.signIn, 303);
      return sendHtml(reply, checkPage({ csrf: csrf.token(req, reply), ...p, ...(p.locked ? { error: loginErrors.CODE_LOCKED().message } : {}) }));
    });

    if (paths.otherChannel) {
      app.post(paths.otherChannel, loginLimit, async (req, reply) => {
        if (!csrf.verify(req)) return reply.redirect(paths.check, 303);
        try {
          const r = await login.resendByOtherChannel(cookies.read(req, 'bind'), requestContext(req));
          cookies.set(reply, 'bind', r.bindingCookie, r.maxAgeSeconds);
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          const p = err.code === 'OTHER_CHANNEL_LIMIT' ? await pendingHere(req) : null;
          if (p) return sendHtml(reply, checkPage({ csrf: csrf.token(req, reply), ...p, notice: err.message }), 429);
        }
        return reply.redirect(paths.check, 303);
      });
    }

    app.post(paths.code, codeLimit, async (req, reply) => {
      const bind = cookies.read(req, 'bind');
      const p = await pendingHere(req);
      if (!p) return reply.redirect(paths.signIn, 303);
      const again = (error: string, status: number, locked = false) =>
        sendHtml(reply, checkPage({ csrf: csrf.token(req, reply), ...p, error, locked: locked || p.locked }), status);
      if (!csrf.verify(req)) return again(messages.formExpired, 403);
      try {
        return finish(req, reply, await login.redeemCode(bind, field(req, 'code'), requestContext(req)));
      } catch (err) {
        if (err instanceof AppError && err.status === 400) return again(err.message, 400, err.code === 'CODE_LOCKED' || err.code === 'NO_PENDING_LOGIN');
        throw err;
      }
    });

    /** The picker's choices, when the pick cookie is good and belongs to this audience. */
    const choicesHere = async (req: FastifyRequest) => {
      const c = await login.pickChoices(cookies.read(req, 'pick'));
      return c && c.request.audience === audience ? c : null;
    };

    app.get(paths.pick, async (req, reply) => {
      const c = await choicesHere(req);
      if (!c) return sendHtml(reply, linkInvalidPage(), 410);
      return sendHtml(reply, pickPage({ paths, csrf: csrf.token(req, reply), shops: choices(c.shops) }));
    });

    app.post(paths.pick, async (req, reply) => {
      const pick = cookies.read(req, 'pick');
      const c = await choicesHere(req);
      if (!c) return sendHtml(reply, linkInvalidPage(), 410);
      if (!csrf.verify(req)) return sendHtml(reply, pickPage({ paths, csrf: csrf.token(req, reply), shops: choices(c.shops), error: messages.formExpired }), 403);
      try {
        const s = await login.pick(pick, field(req, 'tenant'), requestContext(req));
        cookies.clear(reply, 'pick');
        cookies.set(reply, paths.session, s.token, s.maxAgeSeconds);
        return reply.redirect(paths.home, 303);
      } catch (err) {
        if (err instanceof AppError && err.code === 'PICK_UNKNOWN') {
          return sendHtml(reply, pickPage({ paths, csrf: csrf.token(req, reply), shops: choices(c.shops), error: err.message }), 400);
        }
        if (err instanceof AppError && err.code === 'PICK_EXPIRED') return sendHtml(reply, linkInvalidPage(), 410);
        throw err;
      }
    });
  }

  // The link itself. GET never consumes (scanners and previews open links), unless this is the
  // very browser that asked for it; everyone else gets one "Continue" button that POSTs.
  app.get<{ Params: { token: string } }>('/l/:token', redeemLimit, async (req, reply) => {
    const token = req.params.token;
    const seen = await login.inspectLink(token, cookies.read(req, 'bind'));
    if (!seen.usable) return finish(req, reply, await login.rejectLink(seen.request, requestContext(req)));
    if (seen.sameBrowser) return finish(req, reply, await login.redeemLink(token, requestContext(req)));
    const shops = seen.shops.map((s) => ({ name: s.tenant_name, brandColor: s.brand_color, logoUrl: logoPath(s.tenant_id, s.logo_hash) }));
    return sendHtml(reply, continuePage({ token, csrf: csrf.token(req, reply), shops }));
  });

  app.post<{ Params: { token: string } }>('/l/:token', redeemLimit, async (req, reply) => {
    const token = req.params.token;
    if (!csrf.verify(req)) {
      const seen = await login.inspectLink(token, undefined);
      if (!seen.usable) return sendHtml(reply, linkInvalidPage(), 410);
      const shops = seen.shops.map((s) => ({ name: s.tenant_name, brandColor: s.brand_color, logoUrl: logoPath(s.tenant_id, s.logo_hash) }));
      return sendHtml(reply, continuePage({ token, csrf: csrf.token(req, reply), shops, error: messages.formExpired }), 403);
    }
    return finish(req, reply, await login.redeemLink(token, requestContext(req)));
  });
}

function choices(shops: LoginMatch[]) {
  return shops.map((s) => ({ tenantId: s.tenant_id, name: s.tenant_name, brandColor: s.brand_color, logoUrl: logoPath(s.tenant_id, s.logo_hash), clientName: s.principal_name, role: s.role }));
}
