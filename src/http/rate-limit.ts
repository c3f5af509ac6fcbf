// Per-IP limits as a route's preHandler: over the limit the answer is 429 with Retry-After and a
// calm page, and the route's handler never runs — a refusal cannot go on to do the work.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendHtml } from './app.ts';
import { tooManyPage } from './views/pages.ts';
import { trOf } from './i18n.ts';

export type IpLimit = (ip: string) => Promise<{ ok: true } | { ok: false; retryAfterSec: number }>;

export function limitByIp(check: IpLimit) {
  return async function ipLimit(req: FastifyRequest, reply: FastifyReply) {
    const v = await check(req.ip);
    if (v.ok) return;
    reply.header('retry-after', String(v.retryAfterSec));
    return sendHtml(reply, tooManyPage(trOf(req), v.retryAfterSec), 429);
  };
}
