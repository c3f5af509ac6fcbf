// The second-factor pages of a console (the shop console, Servicio support): GET shows enrolment
// (a new secret and its QR code) or the code form; POST proves enrolment (then shows the recovery
// codes, once) or checks a code, then opens the console's home.
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import { requestContext, sendHtml } from '../../http/app.ts';
import type { Csrf } from '../../http/csrf.ts';
import { limitByIp, type IpLimit } from '../../http/rate-limit.ts';
import { messages } from '../../http/views/strings.ts';
import { AppError } from '../../lib/app-error.ts';
import type { RequestContext } from '../../lib/request-context.ts';
import { recoveryCodesPage, secondFactorPage, type FactorPlace } from './mfa.views.ts';

export interface SecondFactorOf<S extends { mfaPending: boolean; mfaEnrolled: boolean }> {
  /** Where the pages live, e.g. /shop/second-factor. */
  path: string;
  /** The session's pre-handler (it lets the second-factor page through while the factor is owed). */
  auth: preHandlerHookHandler;
  session(req: FastifyRequest): S;
  place(session: S): FactorPlace;
  mfa: {
    startEnrolment(s: S): Promise<{ secret: string; qrSvg: string }>;
    finishEnrolment(s: S, code: string, ctx: RequestContext): Promise<string[]>;
    verify(s: S, code: string, ctx: RequestContext): Promise<unknown>;
  };
  csrf: Csrf;
  codeFromIp: IpLimit;
}

export function secondFactorRoutes<S extends { mfaPending: boolean; mfaEnrolled: boolean }>(app: FastifyInstance, d: SecondFactorOf<S>) {
  const show = async (req: FastifyRequest, reply: FastifyReply, s: S, o: { error?: string; newSecret?: boolean } = {}, status = 200) => {
    const enrol = !s.mfaEnrolled && o.newSecret !== false ? await d.mfa.startEnrolment(s) : undefined;
    return sendHtml(reply, secondFactorPage({ at: d.place(s), csrf: d.csrf.token(req, reply), ...(o.error ? { error: o.error } : {}), ...(enrol ? { enrol } : {}) }), status);
  };

  app.get(d.path, { preHandler: d.auth }, async (req, reply) => {
    const s = d.session(req);
    if (!s.mfaPending) return reply.redirect(d.place(s).home, 303);
    return show(req, reply, s);
  });

  app.post(d.path, { preHandler: [d.auth, limitByIp(d.codeFromIp)] }, async (req, reply) => {
    const s = d.session(req);
    if (!s.mfaPending) return reply.redirect(d.place(s).home, 303);
    const code = String(((req.body ?? {}) as Record<string, string | undefined>).code ?? '');
    if (!d.csrf.verify(req)) return show(req, reply, s, { error: messages.formExpired }, 403);
    try {
      if (!s.mfaEnrolled) return sendHtml(reply, recoveryCodesPage({ at: d.place(s), codes: await d.mfa.finishEnrolment(s, code, requestContext(req)) }));
      await d.mfa.verify(s, code, requestContext(req));
      return reply.redirect(d.place(s).home, 303);
    } catch (err) {
      // A wrong first code during enrolment keeps the same secret: the app already has it.
      if (err instanceof AppError && err.status < 500) return show(req, reply, s, { error: err.message, newSecret: s.mfaEnrolled || err.code === 'LOCKED' }, err.status);
      throw err;
    }
  });
}
