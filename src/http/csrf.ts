// CSRF protection for every form: a random per-browser cookie plus an HMAC of it in the form
// (signed double submit), and the Origin header, when the browser sends one, must be ours.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { hmac, randomToken, safeEqual } from '../lib/crypto.ts';
import type { Cookies } from './cookies.ts';

export function createCsrf(deps: { secret: string; publicUrl: string; cookies: Cookies }) {
  const sign = (v: string) => hmac(deps.secret, `csrf:${v}`);
  return {
    /** The token to put in a form's hidden `_csrf` field; sets the cookie on first use. */
    token(req: FastifyRequest, reply: FastifyReply): string {
      let value = deps.cookies.read(req, 'csrf');
      if (!value || value.length !== 32) {
        value = randomToken(24);
        deps.cookies.set(reply, 'csrf', value, 60 * 60 * 24 * 30);
        req.cookies[deps.cookies.name('csrf')] = value;
      }
      return sign(value);
    },
    verify(req: FastifyRequest): boolean {
      const origin = req.headers.origin;
      // Browsers send "Origin: null" from pages served with Referrer-Policy: no-referrer (our
      // token-bearing link pages); there the signed token below is the protection.
      if (origin !== undefined && origin !== 'null' && origin !== deps.publicUrl) return false;
      const value = deps.cookies.read(req, 'csrf');
      const sent = (req.body as Record<string, unknown> | undefined)?._csrf;
      return !!value && typeof sent === 'string' && safeEqual(sent, sign(value));
    },
  };
}
export type Csrf = ReturnType<typeof createCsrf>;
