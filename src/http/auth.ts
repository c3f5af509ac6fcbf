// The session check every portal request runs: one indexed lookup (see createSessionLookup in sessions.repo).
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { PortalSession, SessionsService } from '../modules/sessions/sessions.service.ts';
import type { Cookies } from './cookies.ts';
import type { ConsoleSession, StaffSessions } from '../modules/staff/staff-sessions.service.ts';
import type { SupportSession, SupportSessions } from '../modules/support/support-sessions.service.ts';

declare module 'fastify' {
  interface FastifyRequest {
    portalSession: PortalSession | null;
    consoleSession: ConsoleSession | null;
    supportSession: SupportSession | null;
  }
}

export function createAuth(d: { sessions: SessionsService; staffSessions: StaffSessions; supportSessions: SupportSessions; cookies: Cookies; forbidden: (req: FastifyRequest, reply: FastifyReply) => string }) {
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

    /**
     * preHandler of the shop console: a staff session (separate cookie and table), whose second
     * factor, when owed, has been given; else to the sign-in (or second-factor) page.
     */
    async requireStaff(req: FastifyRequest, reply: FastifyReply): Promise<void> {
      const token = d.cookies.read(req, 'staff');
      const found = await d.staffSessions.validate(token);
      if (!found) {
        if (token) d.cookies.clear(reply, 'staff');
        if (req.method === 'GET') await reply.redirect('/shop/sign-in', 303);
        else await reply.code(401).type('text/html; charset=utf-8').send(d.forbidden(req, reply));
        return;
      }
      req.consoleSession = found.session;
      if (found.session.mfaPending && !req.url.startsWith('/shop/second-factor') && !req.url.startsWith('/shop/sign-out')) await reply.redirect('/shop/second-factor', 303);
    },

    /**
     * preHandler of Servicio support: a support session whose second factor has been given (it is
     * always owed after the email link); else to the sign-in (or second-factor) page.
     */
    async requireSupport(req: FastifyRequest, reply: FastifyReply): Promise<void> {
      const token = d.cookies.read(req, 'support');
      const found = await d.supportSessions.validate(token);
      if (!found) {
        if (token) d.cookies.clear(reply, 'support');
        if (req.method === 'GET') await reply.redirect('/support/sign-in', 303);
        else await reply.code(401).type('text/plain; charset=utf-8').send('Your support session has ended. Sign in again at /support/sign-in.');
        return;
      }
      req.supportSession = found;
      if (found.mfaPending && !req.url.startsWith('/support/second-factor') && !req.url.startsWith('/support/sign-out')) await reply.redirect('/support/second-factor', 303);
    },

    /** preHandler after requireStaff: owners only (settings, staff, API keys); staff get a 403 page. */
    async requireOwner(req: FastifyRequest, reply: FastifyReply): Promise<void> {
      if (req.consoleSession?.role !== 'owner') await reply.code(403).type('text/html; charset=utf-8').send(d.forbidden(req, reply));
    },
  };
}
export type Auth = ReturnType<typeof createAuth>;
