// The session check every portal request runs: one indexed lookup (see createSessionLookup in sessions.repo).
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { PortalSession, SessionsService } from '../modules/sessions/sessions.service.ts';
import type { Cookies } from './cookies.ts';

declare module 'fastify' {
  interface FastifyRequest {
    portalSession: PortalSession | null;
  }
}

export function createAuth(d: { sessions: SessionsService; cookies: Cookies }) {
  return {
    /** The browser's current session, if any — for pages that work signed in or not. */
    async current(req: FastifyRequest, reply: FastifyReply): Promise<PortalSession | null> {
      const token = d.cookies.read(req, 'session');
      const found = await d.sessions.validate(token);
      if (found?.renewedMaxAge) d.cookies.set(reply, 'session', token!, found.renewedMaxAge);
      return found?.session ?? null;
    },

    /** preHandler: sets request.portalSession or sends the visitor to sign in. */
    async requireSession(req: FastifyRequest, reply: FastifyReply): Promise<void> {
      const token = d.cookies.read(req, 'session');
      const found = await d.sessions.validate(token);
      if (!found) {
        if (token) d.cookies.clear(reply, 'session');
        if (req.method === 'GET' && !req.url.endsWith('.json')) {
          await reply.redirect('/client-login', 303);
        } else {
          await reply.code(401).send({ error: { code: 'SIGN_IN_REQUIRED', message: 'Please sign in again.' } });
        }
        return;
      }
      if (found.renewedMaxAge) d.cookies.set(reply, 'session', token!, found.renewedMaxAge);
      req.portalSession = found.session;
    },
  };
}
export type Auth = ReturnType<typeof createAuth>;
