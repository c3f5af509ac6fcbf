// The HTTP application: plugins, security headers, the central error handler and the routes of
// each module. Everything it needs is passed in; nothing here reads the environment.
import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import helmet, { type HelmetOptions } from 'helmet';
import { AppError } from '../lib/app-error.ts';
import { css, cssPath, js, jsPath } from './views/assets.ts';
import { errorPage } from './views/pages.ts';
import { redactSecrets } from '../lib/redact.ts';
import { errorText, trOf } from './i18n.ts';
import type { RequestContext } from '../lib/request-context.ts';
import { translator } from '../lib/i18n.ts';

export interface AppOptions {
  logLevel: string;
  secureCookies: boolean;
  /** Proxies whose X-Forwarded-For is believed (IPs/CIDRs), or false. */
  trustProxy?: string[] | false;
  /** Test and benchmark runs keep logs quiet. */
  logger?: boolean;
  logStream?: { write(line: string): void };
}

// Images only from our own origin (shop logos are fetched once and served from here), so no page —
// least of all one whose URL carries a token — makes a request to another host. The one exception
// is a service report with the shop's photos: its route widens img-src (reportPageCsp).
// Styles only from our stylesheets (brand colours come from /theme/<colours>.css): no inline style.
const CSP_DIRECTIVES = {
  defaultSrc: ["'none'"],
  styleSrc: ["'self'"],
  // One script of our own (assets.ts), never inline: pages work without it.
  scriptSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
};
const cspOf = (d: Record<string, string[]>) => Object.entries(d).map(([k, v]) => `${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${v.join(' ')}`).join(';');
export const reportPageCsp = cspOf({ ...CSP_DIRECTIVES, imgSrc: [...CSP_DIRECTIVES.imgSrc, 'https:'] });

export function createApp(o: AppOptions): FastifyInstance {
  const app = Fastify({
    logger:
      o.logger === false
        ? false
        : {
            level: o.logLevel,
            ...(o.logStream ? { stream: o.logStream } : {}),
            // Every line is scrubbed of anything shaped like a secret just before it is written, so no
            // code path — Fastify's own warnings included — can log a live link, session or key.
            hooks: { streamWrite: redactSecrets },
            // Login links carry their token in the path: logs get the path with the token cut out.
            serializers: {
              req: (req: { method: string; url: string; ip?: string }) => ({ method: req.method, url: redactUrl(req.url), ip: req.ip }),
            },
          },
    bodyLimit: 64 * 1024,
    // Short ids a person can quote to support, unique across processes and restarts (a random
    // prefix per process, then a counter: no randomness to pay for on every request).
    genReqId: ((prefix: string, n = 0) => () => `${prefix}${(++n).toString(36)}`)(randomBytes(4).toString('hex')),
    // Signed links carry their token as one path segment (about 130 characters).
    routerOptions: { maxParamLength: 300 },
    trustProxy: o.trustProxy && o.trustProxy.length ? o.trustProxy : false,
  });
  app.register(cookie);
  app.decorateRequest('locale', 'en');
  app.register(formbody);
  const headers = securityHeaders(o.secureCookies);
  app.addHook('onRequest', (req, reply, done) => {
    reply.headers(headers);
    // A URL that carries a token must not leak it to another site through the Referer header.
    if (TOKEN_PATH.test(req.url)) reply.header('referrer-policy', 'no-referrer');
    done();
  });

  // A shop's colours as a stylesheet: `.t-15803d{--brand:#15803d;--shop:#15803d}` per colour in the
  // name, so pages need no inline style (and the strict CSP can forbid it). Immutable by name.
  app.get<{ Params: { file: string } }>('/theme/:file', async (req, reply) => {
    const m = /^([0-9a-f]{6}(?:-[0-9a-f]{6}){0,9})\.css$/.exec(req.params.file);
    if (!m) return reply.callNotFound();
    reply.header('cache-control', 'public, max-age=31536000, immutable').type('text/css; charset=utf-8');
    return m[1]!.split('-').map((hex) => `.t-${hex}{--brand:#${hex};--shop:#${hex}}`).join('\n');
  });

  app.get(jsPath, async (_req, reply) => {
    reply.header('cache-control', 'public, max-age=31536000, immutable').type('text/javascript; charset=utf-8');
    return js;
  });

  app.get(cssPath, async (_req, reply) => {
    reply.header('cache-control', 'public, max-age=31536000, immutable').type('text/css; charset=utf-8');
    return css;
  });

  app.setNotFoundHandler(async (req, reply) => {
    const tr = trOf(req);
    if (wantsJson(req)) return reply.code(404).send({ error: { code: 'NOT_FOUND', message: translator('en').t('common:notFound') } });
    return sendHtml(reply, errorPage(tr, tr.t('common:notFound')), 404);
  });

  // The one error handler, for pages and the API alike. Expected failures (AppError) say what to
  // fix; anything else is logged with the request id and answered with a calm sentence and that
  // id — never a stack trace or SQL.
  app.setErrorHandler(async (err: unknown, req, reply) => {
    const known = err instanceof AppError ? err : undefined;
    const e = err as { statusCode?: number; code?: string; message?: string };
    const clientError = !known && typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500;
    const status = known?.status ?? (clientError ? e.statusCode! : 500);
    if (status >= 500) req.log.error({ err, url: req.routeOptions.url }, 'request failed');
    const code = known?.code ?? (clientError ? 'BAD_REQUEST' : 'INTERNAL');
    if (wantsJson(req)) {
      const message = known?.message ?? translator('en').t(clientError ? 'common:badRequest' : 'common:serverError');
      const error = { code, message, ...(known?.field ? { field: known.field } : {}), ...(known?.details ? { details: known.details } : {}), ...(status >= 500 ? { requestId: req.id } : {}) };
      return reply.code(status).send({ error });
    }
    const tr = trOf(req);
    const message = known ? errorText(tr, known) : tr.t(clientError ? 'common:badRequest' : 'common:serverError');
    return sendHtml(reply, errorPage(tr, message, status >= 500 ? req.id : undefined), status);
  });

  return app;
}

/**
 * The security headers of every response, by helmet: our strict CSP, frames denied, COOP/CORP
 * same-origin, nosniff, HSTS only where https is real (a localhost development server must not pin
 * itself to https). They are the same for every response, so helmet computes them once — run per
 * request (as @fastify/helmet does) it halved the throughput of every route (measured: 13.7k →
 * 7.6k req/s). `npm run bench` also serves them from a bare Fastify route, to show what they cost.
 */
export function securityHeaders(secureCookies: boolean): Record<string, string> {
  return {
    ...helmetHeaders({
      contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
      frameguard: { action: 'deny' },
      referrerPolicy: { policy: 'same-origin' },
      crossOriginResourcePolicy: { policy: 'same-origin' },
      crossOriginOpenerPolicy: { policy: 'same-origin' },
      strictTransportSecurity: secureCookies ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    }),
    // What helmet does not set: no caching of pages, and no powerful browser features for any page.
    'cache-control': 'no-store',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(self), usb=(), interest-cohort=()',
  };
}

/** The headers helmet would set, captured once from a stand-in response. */
export function helmetHeaders(options: HelmetOptions): Record<string, string> {
  const out: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: string | number) => void (out[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete out[name.toLowerCase()],
  };
  let failed: unknown;
  helmet(options)({} as never, res as never, (err?: unknown) => void (failed = err));
  if (failed) throw failed;
  return out;
}

const TOKEN_PATH = /^\/[lsr]\//;
const LANG_ATTR = /<html lang="([a-z]{2})"/;

/** `/l/<token>`, `/s/<signed link>` and `/r/<recovery token>` → `…/[redacted]`, and any query string dropped. */
export function redactUrl(url: string): string {
  return url.replace(/\?.*$/, '').replace(/^\/(l|s|r)\/[^/]+/, '/$1/[redacted]');
}

function wantsJson(req: FastifyRequest): boolean {
  return req.url.startsWith('/api/') || req.url.startsWith('/webhooks/') || req.url.endsWith('.json') || (req.headers.accept ?? '').startsWith('application/json');
}

export function requestContext(req: FastifyRequest): RequestContext {
  return { ip: req.ip ?? null, userAgent: req.headers['user-agent'] ?? null, locale: req.locale ?? 'en' };
}

/** A page, with the language it is written in (read from its <html lang>) and what chose it. */
export function sendHtml(reply: FastifyReply, page: string, status = 200): FastifyReply {
  const lang = LANG_ATTR.exec(page.slice(0, 64))?.[1];
  if (lang) reply.header('content-language', lang).header('vary', 'Accept-Language, Cookie');
  return reply.code(status).type('text/html; charset=utf-8').send(page);
}
