import type { FastifyInstance } from 'fastify';
import { requestContext, sendHtml } from '../../http/app.ts';
import type { Auth } from '../../http/auth.ts';
import type { Cookies } from '../../http/cookies.ts';
import type { Csrf } from '../../http/csrf.ts';
import type { SessionsService } from '../sessions/sessions.service.ts';
import { portalHome } from './portal.views.ts';

export function portalRoutes(app: FastifyInstance, d: { auth: Auth; sessions: SessionsService; cookies: Cookies; csrf: Csrf }) {
  app.decorateRequest('portalSession', null);
  const guarded = { preHandler: d.auth.requireSession };

  app.get('/', async (req, reply) => reply.redirect(d.cookies.read(req, 'session') ? '/portal' : '/client-login', 303));

  app.get('/portal', guarded, async (req, reply) => sendHtml(reply, portalHome({ session: req.portalSession!, csrf: d.csrf.token(req, reply) })));

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
    const s = req.portalSession!;
    return { tenant: { name: s.tenant.name, slug: s.tenant.slug }, client: { name: s.clientName }, kind: s.kind };
  });

  app.post('/logout', guarded, async (req, reply) => {
    if (!d.csrf.verify(req)) return reply.redirect('/portal', 303);
    const s = req.portalSession!;
    const everywhere = (req.body as Record<string, string> | undefined)?.everywhere === '1';
    if (everywhere) await d.sessions.endAllForClient(s.tenantId, s.clientId, 'client', requestContext(req));
    else await d.sessions.end(s, requestContext(req));
    d.cookies.clear(reply, 'session');
    return reply.redirect('/client-login?signed_out=1', 303);
  });
}
