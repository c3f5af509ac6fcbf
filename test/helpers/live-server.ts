// A real listening server with its delivery worker running, for browser tests.
import { createServer } from 'node:net';
import { loadConfig } from '../../src/config.ts';
import type { Clock } from '../../src/lib/clock.ts';
import { seedDemo, seedDemoContent } from '../../src/modules/demo/seed.ts';
import { buildServer } from '../../src/server.ts';
import { testEnv } from './harness.ts';

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface LiveServerOptions {
  /**
   * The server's time source. Pass `testClock(Date.now())` (src/lib/clock.ts) to expire links and
   * sign-ins by advancing it instead of waiting; the browser's own cookies still run on real time.
   */
  clock?: Clock;
  /** Also the demo's invoices and service reports (as `npm start` seeds them), dated by the clock. */
  content?: boolean;
}

export async function startLiveServer(env: Record<string, string> = {}, o: LiveServerOptions = {}) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const config = loadConfig(testEnv({ PUBLIC_URL: base, WORKER_ENABLED: 'true', WORKER_POLL_MS: '100', ...env }).env);
  const server = await buildServer({ ...config, appSecret: config.appSecret! }, { logger: false, ...(o.clock ? { clock: o.clock } : {}) });
  const demo = await seedDemo(server.services);
  if (o.content) await seedDemoContent(server.services, demo.tenants, new Date(o.clock ? o.clock.now() : Date.now()), config);
  server.worker.start();
  await server.app.listen({ host: '127.0.0.1', port });
  return { ...server, base, demo, config };
}
