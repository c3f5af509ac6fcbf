// HTTP for the login flow. Handlers translate between HTTP and the login service; no rules here.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { limitByIp, type IpLimit } from '../../http/rate-limit.ts';
import { AppError } from '../../lib/app-error.ts';
import { requestContext, sendHtml } from '../../http/app.ts';
import type { Cookies } from '../../http/cookies.ts';
import type { Csrf } from '../../http/csrf.ts';
import { errorText, trOf, type Language } from '../../http/i18n.ts';
import type { LoginOutcome, LoginService } from './login.service.ts';
import { DEVICE_COOKIE_DAYS } from './device-cookie.ts';
import { logoPath } from '../tenants/logo.ts';
import type { Tenant } from '../tenants/tenants.repo.ts';
import { checkPage, continuePage, linkInvalidPage, linkResentPage, loginPage, pickPage, type ShopBrand } from './login.views.ts';
import { PATHS } from './login.paths.ts';
import type { LoginMatch } from './login.repo.ts';
import type { LoginRequest } from './login.repo.ts';

type Form = Record<string, string | undefined>;
const field = (req: FastifyRequest, name: string): string => {
  const v = (req.body as Form | undefined)?.[name];
  return typeof v === 'string' ? v : '';
};
/** The browser remembers the last shop it signed in to (or whose page it opened) for a year. */
export const SHOP_COOKIE_DAYS = 365;
const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;

export const shopBrand = (t: Pick<Tenant, 'id' | 'slug' | 'name' | 'brand_color' | 'logo_hash'>): ShopBrand => ({ slug: t.slug, name: t.name, brandColor: t.brand_color, logoUrl: logoPath(t.id, t.logo_hash) });

export function loginRoutes(
  app: FastifyInstance,
  d: {
    login: LoginService;
    limits: { loginFromIp: IpLimit; redeemFromIp: IpLimit; codeFromIp: IpLimit };
    cookies: Cookies;
    csrf: Csrf;
    language: Language;
    tenants: { bySlug(slug: string): Promise<Tenant | undefined> };
  },
) {
  const { login, cookies, csrf } = d;
  // Over a per-IP limit the handler never runs (regression: a 429 used to go on and do the work).
  const loginLimit = { preHandler: limitByIp(d.limits.loginFromIp) };
  const redeemLimit = { preHandler: limitByIp(d.limits.redeemFromIp) };
  const codeLimit = { preHandler: limitByIp(d.limits.codeFromIp) };

  /** An active shop by its slug, as pages brand with it. */
  async function shopBySlug(slug: string | undefined): Promise<ShopBrand | null> {
    if (!slug || !SLUG.test(slug)) return null;
    const t = await d.tenants.bySlug(slug);
    return t && t.status === 'active' ? shopBrand(t) : null;
  }
  /** The shop this browser last used, for pages that know no other (the sign-in form, the check page). */
  const lastShop = (req: FastifyRequest) => shopBySlug(cookies.read(req, 'shop'));
  /** The shop a login link belonged to, when it was exactly one; else this browser's last shop. */
  async function linkShop(req: FastifyRequest, r: LoginRequest | undefined): Promise<ShopBrand | null> {
    if (r && r.audience === 'client') {
      const shops = await login.shopsOf(r);
      if (shops.length === 1) return shopBrand({ id: shops[0]!.tenant_id, slug: shops[0]!.slug, name: shops[0]!.tenant_name, brand_color: shops[0]!.brand_color, logo_hash: shops[0]!.logo_hash });
    }
    return lastShop(req);
  }

  function finish(req: FastifyRequest, reply: FastifyReply, out: LoginOutcome) {
    if (out.kind === 'invalid') return sendHtml(reply, linkInvalidPage({ tr: trOf(req) }), 410);
    const paths = PATHS[out.audience];
    cookies.clear(reply, 'bind');
    // This browser proved the identifier: it keeps its own limits from now on (device-cookie.ts).
    cookies.set(reply, 'device', login.rememberDevice(cookies.read(req, 'device'), out.proven), DEVICE_COOKIE_DAYS * 86_400);
    if (out.kind === 'pick') {
      cookies.set(reply, 'pick', out.pickCookie, out.maxAgeSeconds);
      return reply.redirect(paths.pick, 303);
    }
    signedIn(req, reply, out.audience, out.shop, out.locale);
    cookies.set(reply, paths.session, out.token, out.maxAgeSeconds);
    return reply.redirect(paths.home, 303);
  }
  /** A client signed in to a shop: the browser remembers the shop, and the client's language unless it chose one. */
  function signedIn(req: FastifyRequest, reply: FastifyReply, audience: string, shop: string, locale: string | null) {
    if (audience !== 'client') return;
    cookies.set(reply, 'shop', shop, SHOP_COOKIE_DAYS * 86_400);
    d.language.adopt(req, reply, locale);
  }

  // The same flow at three addresses: clients at /client-login (the portal), staff at /shop/sign-in
  // (the console), Servicio's agents at /support/sign-in. The login link itself (/l/:token) is
  // shared: the login knows whose it is.
  for (const paths of [PATHS.client, PATHS.staff, PATHS.support]) {
    const audience = paths.audience;
    const client = audience === 'client';

    /** Asks for a link; `shopOf` names the page's shop (only looked up when the form comes back). */
    async function ask(req: FastifyRequest, reply: FastifyReply, shopOf: () => Promise<ShopBrand | null>) {
      const value = field(req, 'identifier');
      const tr = trOf(req);
      if (!csrf.verify(req)) return sendHtml(reply, loginPage({ tr, paths, csrf: csrf.token(req, reply), value, error: tr.t('common:formExpired'), shop: await shopOf() }), 403);
      try {
        const r = await login.request(value, requestContext(req), cookies.read(req, 'device'), audience);
        cookies.set(reply, 'bind', r.bindingCookie, r.maxAgeSeconds);
        return reply.redirect(paths.check, 303);
      } catch (err) {
        if (err instanceof AppError && err.status === 400) {
          return sendHtml(reply, loginPage({ tr, paths, csrf: csrf.token(req, reply), value, error: errorText(tr, err), shop: await shopOf() }), 400);
        }
        throw err;
      }
    }

    app.get(paths.signIn, async (req, reply) => {
      const tr = trOf(req);
      const signedOut = (req.query as Form).signed_out === '1';
      const shop = client ? await lastShop(req) : null;
      return sendHtml(reply, loginPage({ tr, paths, csrf: csrf.token(req, reply), shop, ...(signedOut ? { notice: tr.t('login:signIn.signedOut') } : {}) }));
    });

    // After "send me a new link" from a browser that did not ask: it says only that, if the link
    // was theirs, a new one is on its way (the same words for anyone who opens this address).
    app.get(`${paths.signIn}/sent`, async (req, reply) =>
      sendHtml(reply, linkResentPage({ tr: trOf(req), shop: client ? await lastShop(req) : null, minutes: login.linkMinutes, audience })),
    );

    app.post(paths.signIn, loginLimit, async (req, reply) => ask(req, reply, async () => (client ? lastShop(req) : null)));

    if (client) {
      // Each shop's own sign-in address, linked from its emails and its portal: its name, colour
      // and logo from the first screen. The browser remembers it for /client-login too.
      app.get<{ Params: { slug: string } }>('/c/:slug', async (req, reply) => {
        const shop = await shopBySlug(req.params.slug);
        const tr = trOf(req);
        if (!shop) return sendHtml(reply, loginPage({ tr, paths, csrf: csrf.token(req, reply), notice: tr.t('login:shop.notFound') }), 404);
        cookies.set(reply, 'shop', shop.slug, SHOP_COOKIE_DAYS * 86_400);
        const signedOut = (req.query as Form).signed_out === '1';
        return sendHtml(reply, loginPage({ tr, paths, csrf: csrf.token(req, reply), shop, ...(signedOut ? { notice: tr.t('login:signIn.signedOut') } : {}) }));
      });
      app.post<{ Params: { slug: string } }>('/c/:slug', loginLimit, async (req, reply) => ask(req, reply, () => shopBySlug(req.params.slug)));
    }

    /** This browser's pending login, when it is one of this audience's. */
    const pendingHere = async (req: FastifyRequest) => {
      const p = await login.pending(cookies.read(req, 'bind'));
      return p && p.audience === audience ? p : null;
    };
    /** The check page for this browser's login, with what else the request brings. */
    async function showCheck(req: FastifyRequest, reply: FastifyReply, p: NonNullable<Awaited<ReturnType<typeof pendingHere>>>, extra: { error?: string; notice?: string; locked?: boolean } = {}, status = 200) {
      const tr = trOf(req);
      const shop = client ? await lastShop(req) : null;
      const locked = extra.locked || p.locked;
      return sendHtml(reply, checkPage({ tr, csrf: csrf.token(req, reply), ...p, shop, ...extra, locked, expired: !locked && p.expired }), status);
    }

    app.get(paths.check, async (req, reply) => {
      const p = await pendingHere(req);
      if (!p) return reply.redirect(paths.signIn, 303);
      const again = (req.query as Form).again === '1';
      return showCheck(req, reply, p, again ? { notice: trOf(req).t('login:check.sentAgain') } : {});
    });

    // "Send again" (and, when the sign-in is closed or expired, "Send me a new link"): the same
    // email or phone, the same channel, once a minute; the worker applies the usual limits.
    app.post(paths.again, loginLimit, async (req, reply) => {
      const p = await pendingHere(req);
      if (!p) return reply.redirect(paths.signIn, 303);
      if (!csrf.verify(req)) return showCheck(req, reply, p, { notice: trOf(req).t('common:formExpired') }, 403);
      try {
        const r = await login.sendAgain(cookies.read(req, 'bind'), requestContext(req));
        cookies.set(reply, 'bind', r.bindingCookie, r.maxAgeSeconds);
        return reply.redirect(`${paths.check}?again=1`, 303);
      } catch (err) {
        if (err instanceof AppError && err.code === 'RESEND_TOO_SOON') return showCheck(req, reply, p, { notice: errorText(trOf(req), err) }, 429);
        throw err;
      }
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
          if (p) return showCheck(req, reply, p, { notice: errorText(trOf(req), err) }, 429);
        }
        return reply.redirect(paths.check, 303);
      });
    }

    app.post(paths.code, codeLimit, async (req, reply) => {
      const bind = cookies.read(req, 'bind');
      const p = await pendingHere(req);
      if (!p) return reply.redirect(paths.signIn, 303);
      const tr = trOf(req);
      const again = (error: string, status: number, locked = false) => showCheck(req, reply, p, { error, locked: locked || p.locked }, status);
      if (!csrf.verify(req)) return again(tr.t('common:formExpired'), 403);
      try {
        return finish(req, reply, await login.redeemCode(bind, field(req, 'code'), requestContext(req)));
      } catch (err) {
        if (err instanceof AppError && err.status === 400) return again(errorText(tr, err), 400, err.code === 'CODE_LOCKED');
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
      if (!c) return sendHtml(reply, linkInvalidPage({ tr: trOf(req), audience }), 410);
      return sendHtml(reply, pickPage({ tr: trOf(req), paths, csrf: csrf.token(req, reply), shops: choices(c.shops) }));
    });

    app.post(paths.pick, async (req, reply) => {
      const pick = cookies.read(req, 'pick');
      const tr = trOf(req);
      const c = await choicesHere(req);
      if (!c) return sendHtml(reply, linkInvalidPage({ tr, audience }), 410);
      if (!csrf.verify(req)) return sendHtml(reply, pickPage({ tr, paths, csrf: csrf.token(req, reply), shops: choices(c.shops), error: tr.t('common:formExpired') }), 403);
      try {
        const s = await login.pick(pick, field(req, 'tenant'), requestContext(req));
        cookies.clear(reply, 'pick');
        signedIn(req, reply, s.audience, s.shop, s.locale);
        cookies.set(reply, paths.session, s.token, s.maxAgeSeconds);
        return reply.redirect(paths.home, 303);
      } catch (err) {
        if (err instanceof AppError && err.code === 'PICK_UNKNOWN') {
          return sendHtml(reply, pickPage({ tr, paths, csrf: csrf.token(req, reply), shops: choices(c.shops), error: errorText(tr, err) }), 400);
        }
        if (err instanceof AppError && err.code === 'PICK_EXPIRED') return sendHtml(reply, linkInvalidPage({ tr, audience }), 410);
        throw err;
      }
    });
  }

  /** The page of a link that no longer signs in: in its shop's branding, with one tap to a new one. */
  async function deadLink(req: FastifyRequest, reply: FastifyReply, token: string, request: LoginRequest | undefined) {
    const resend = login.canResend(request) ? { token, csrf: csrf.token(req, reply) } : null;
    const spent = !!request && request.resent_at !== null;
    return sendHtml(reply, linkInvalidPage({ tr: trOf(req), shop: await linkShop(req, request), resend, spent, audience: request?.audience ?? 'client' }), 410);
  }

  // The link itself. GET never consumes (scanners and previews open links), unless this is the
  // very browser that asked for it; everyone else gets one "Continue" button that POSTs.
  app.get<{ Params: { token: string } }>('/l/:token', redeemLimit, async (req, reply) => {
    const token = req.params.token;
    const seen = await login.inspectLink(token, cookies.read(req, 'bind'));
    if (!seen.usable) {
      await login.rejectLink(seen.request, requestContext(req));
      return deadLink(req, reply, token, seen.request);
    }
    if (seen.sameBrowser) return finish(req, reply, await login.redeemLink(token, requestContext(req)));
    const shops = seen.shops.map((s) => ({ name: s.tenant_name, brandColor: s.brand_color, logoUrl: logoPath(s.tenant_id, s.logo_hash) }));
    return sendHtml(reply, continuePage({ tr: trOf(req), token, csrf: csrf.token(req, reply), shops, audience: seen.request.audience }));
  });

  app.post<{ Params: { token: string } }>('/l/:token', redeemLimit, async (req, reply) => {
    const token = req.params.token;
    if (!csrf.verify(req)) {
      const seen = await login.inspectLink(token, undefined);
      if (!seen.usable) return deadLink(req, reply, token, seen.request);
      const shops = seen.shops.map((s) => ({ name: s.tenant_name, brandColor: s.brand_color, logoUrl: logoPath(s.tenant_id, s.logo_hash) }));
      return sendHtml(reply, continuePage({ tr: trOf(req), token, csrf: csrf.token(req, reply), shops, error: trOf(req).t('common:formExpired'), audience: seen.request.audience }), 403);
    }
    const out = await login.redeemLink(token, requestContext(req));
    if (out.kind === 'invalid') return deadLink(req, reply, token, await login.requestOfToken(token));
    return finish(req, reply, out);
  });

  // "Send me a new link" from an expired or used link: once per link, within the login limits.
  // The browser that asked for the old link is bound to the new one (its check page shows where
  // it went); any other browser only hears that, if the link was theirs, a new one is on its way.
  app.post<{ Params: { token: string } }>('/l/:token/resend', loginLimit, async (req, reply) => {
    const token = req.params.token;
    const request = await login.requestOfToken(token);
    if (!csrf.verify(req)) return deadLink(req, reply, token, request);
    const r = await login.resendFromLink(request, cookies.read(req, 'bind'), cookies.read(req, 'device'), requestContext(req));
    if (!r) return deadLink(req, reply, token, await login.requestOfToken(token));
    if (r.sameBrowser) {
      cookies.set(reply, 'bind', r.bindingCookie, r.maxAgeSeconds);
      return reply.redirect(PATHS[r.audience].check, 303);
    }
    const shop = r.audience === 'client' ? await linkShop(req, request) : null;
    if (shop) cookies.set(reply, 'shop', shop.slug, SHOP_COOKIE_DAYS * 86_400);
    return reply.redirect(`${PATHS[r.audience].signIn}/sent`, 303);
  });
}

function choices(shops: LoginMatch[]) {
  return shops.map((s) => ({ tenantId: s.tenant_id, name: s.tenant_name, brandColor: s.brand_color, logoUrl: logoPath(s.tenant_id, s.logo_hash), clientName: s.principal_name, role: s.role }));
}
