// Child process for `npm run bench`: serves a bare Fastify route (with or without the app's security
// headers) or the real app with a signed-in session, and prints {port, cookie} on its first line.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { loadConfig } from '../src/config.ts';
import { buildServer } from '../src/server.ts';
import { securityHeaders } from '../src/http/app.ts';
import { seedDemo } from '../src/modules/demo/seed.ts';

const mode = process.argv[2];
// Exit normally on SIGTERM so profilers (node --cpu-prof) can write their output.
process.on('SIGTERM', () => process.exit(0));

if (mode === 'bare' || mode === 'bare-headers') {
  const app = Fastify({ logger: false });
  // 'bare-headers': the same route answering with the app's security headers (what every response
  // of ours carries), to tell what they cost from what the session check costs.
  if (mode === 'bare-headers') {
    const headers = securityHeaders(false);
    app.addHook('onRequest', (_req, reply, done) => {
      reply.headers(headers);
      done();
    });
  }
  app.get('/', async () => ({ ok: true }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  console.log(JSON.stringify({ port: (app.server.address() as { port: number }).port }));
} else {
  const dir = mkdtempSync(join(tmpdir(), 'servicio-bench-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: dir,
    DATABASE_URL: process.env.DATABASE_URL ?? `sqlite:${join(dir, 'bench.db')}`,
    APP_SECRET: 'bench-secret-bench-secret-bench-secret-01',
    WORKER_ENABLED: 'false',
    ...(process.env.SESSION_CACHE_MS ? { SESSION_CACHE_MS: process.env.SESSION_CACHE_MS } : {}),
    LOG_LEVEL: 'silent',
  });
  const server = await buildServer({ ...config, appSecret: config.appSecret! }, { logger: false });
  const demo = await seedDemo(server.services);
  const lawn = demo.tenants[0]!;
  const client = await server.services.clients.resolve(lawn.id, 'maria@example.com');
  // Realistic table sizes: many sessions, so the lookup is an index probe, not a scan of a few rows.
  let token = '';
  for (let i = 0; i < 2000; i++) {
    const s = await server.db.transaction().execute((trx) =>
      server.services.sessions.create(trx, { tenantId: lawn.id, clientId: client.id, kind: 'login' }, { ip: null, userAgent: null }),
    );
    token = s.token;
  }
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  console.log(JSON.stringify({ port: (server.app.server.address() as { port: number }).port, cookie: `sp_session=${token}` }));
}
