// Cookie names and options in one place. With https we use the __Host- prefix, which browsers
// only accept with Secure, Path=/ and no Domain: the cookie cannot be set or shadowed by a subdomain.
import type { FastifyReply, FastifyRequest } from 'fastify';

export type CookieName = 'session' | 'staff' | 'support' | 'bind' | 'pick' | 'csrf' | 'device' | 'lang' | 'shop';

export function createCookies(secure: boolean) {
  const name = (n: CookieName) => (secure ? `__Host-sp_${n}` : `sp_${n}`);
  return {
    name,
    read(req: FastifyRequest, n: CookieName): string | undefined {
      return req.cookies[name(n)];
    },
    set(reply: FastifyReply, n: CookieName, value: string, maxAgeSeconds: number): void {
      reply.setCookie(name(n), value, { path: '/', httpOnly: true, secure, sameSite: 'lax', maxAge: maxAgeSeconds });
    },
    clear(reply: FastifyReply, n: CookieName): void {
      reply.clearCookie(name(n), { path: '/', httpOnly: true, secure, sameSite: 'lax' });
    },
  };
}
export type Cookies = ReturnType<typeof createCookies>;
