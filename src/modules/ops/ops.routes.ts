// For the operator: /healthz (the process answers), /readyz (the store, and Redis when configured,
// answer) and /metrics (Prometheus text; with METRICS_TOKEN as a bearer token, else only to this
// machine). Every request is counted by route pattern and status.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isLoopbackHost } from '../../config.ts';
import { safeEqual } from '../../lib/crypto.ts';
import type { Metrics } from './metrics.ts';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export function opsRoutes(app: FastifyInstance, d: { metrics: Metrics; ready: () => Promise<Record<string, string>>; metricsToken: string | undefined }) {
  app.addHook('onResponse', (req, reply, done) => {
    d.metrics.request(req.routeOptions.url ?? 'unmatched', req.method, reply.statusCode);
    done();
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_req, reply) => {
    const checks = await d.ready();
    const ok = Object.values(checks).every((v) => v === 'ok');
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not ready', checks });
  });

  const allowed = (req: FastifyRequest) => {
    if (d.metricsToken) {
      const h = req.headers.authorization ?? '';
      return h.startsWith('Bearer ') && safeEqual(h.slice(7), d.metricsToken);
    }
    const forwarded = req.headers['x-forwarded-for'] ?? req.headers.forwarded;
    return LOOPBACK.has(req.socket.remoteAddress ?? '') && isLoopbackHost((req.headers.host ?? '').replace(/:\d+$/, '')) && !forwarded;
  };
  app.get('/metrics', async (req, reply) => {
    if (!allowed(req)) return reply.callNotFound();
    return reply.type(d.metrics.registry.contentType).send(await d.metrics.registry.metrics());
  });
}
