// The language of a page. Chosen, in order: the switch on every page (`?lang=es`, remembered in a
// cookie for a year), the client's preferred language (written to that cookie when they sign in),
// the browser's Accept-Language, English. Pages say which they used (lang, Content-Language) and
// that the answer depends on the cookie and header (Vary).
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppError } from '../lib/app-error.ts';
import { isLocale, negotiate, translator, type Locale, type Tr } from '../lib/i18n.ts';
import type { Cookies } from './cookies.ts';

/** A page's words, and where the language switch on it points (a GET address of this page). */
export interface PageTr extends Tr {
  readonly here: string;
}

export const LANG_COOKIE_DAYS = 365;
const memo = new WeakMap<FastifyRequest, PageTr>();

declare module 'fastify' {
  interface FastifyRequest {
    /** This request's language, decided before any route runs (see createLanguage). */
    locale: Locale;
  }
}

// A page drawn by a POST (a form with a mistake) switches language on the page its form lives on.
const FORM_PAGE: [RegExp, string][] = [
  [/\/(code|other-channel|again)$/, '/check'],
  [/\/(pay|prove|confirm|language)$/, ''],
  [/^\/portal\/send-link$/, '/portal'],
];

function pagePath(req: FastifyRequest): string {
  // One leading slash, no backslash: `//evil.example` must stay a path on this site.
  const raw = req.url.split('?')[0]!;
  const path = /\\/.test(raw) ? '/' : `/${raw.replace(/^\/+/, '')}`;
  if (req.method === 'GET' || req.method === 'HEAD') return path;
  for (const [re, to] of FORM_PAGE) if (re.test(path)) return path.replace(re, to);
  return path;
}

/** The words for this request's page (computed once per request). */
export function trOf(req: FastifyRequest): PageTr {
  const hit = memo.get(req);
  if (hit) return hit;
  const tr: PageTr = { ...translator(req.locale ?? 'en'), here: pagePath(req) };
  memo.set(req, tr);
  return tr;
}

export function createLanguage(cookies: Cookies) {
  const chosen = (req: FastifyRequest): Locale | null => {
    const c = cookies.read(req, 'lang');
    return isLocale(c) ? c : null;
  };
  return {
    /** onRequest: decides the language; `?lang=es` on any page switches and is remembered. */
    decide(req: FastifyRequest, reply: FastifyReply, done: () => void) {
      const kept = chosen(req);
      if (req.url.includes('lang=')) {
        const asked = (req.query as Record<string, unknown> | undefined)?.lang;
        if (isLocale(asked)) {
          if (asked !== kept) cookies.set(reply, 'lang', asked, LANG_COOKIE_DAYS * 86_400);
          req.locale = asked;
          return done();
        }
      }
      req.locale = kept ?? negotiate(req.headers['accept-language']) ?? 'en';
      done();
    },
    /** After a sign-in: the client's own preference becomes this browser's, unless it chose one. */
    adopt(req: FastifyRequest, reply: FastifyReply, preferred: string | null | undefined) {
      if (isLocale(preferred) && !chosen(req)) cookies.set(reply, 'lang', preferred, LANG_COOKIE_DAYS * 86_400);
    },
    /** Save a choice made on the profile page in this browser too. */
    choose(reply: FastifyReply, locale: Locale) {
      cookies.set(reply, 'lang', locale, LANG_COOKIE_DAYS * 86_400);
    },
  };
}
export type Language = ReturnType<typeof createLanguage>;

/** What a person reads for an expected failure: the catalog's words for its code, else its own message. */
export function errorText(tr: Tr, err: AppError): string {
  const key = `errors:${err.code}`;
  return tr.has(key, err.vars) ? tr.t(key, err.vars) : err.message;
}
