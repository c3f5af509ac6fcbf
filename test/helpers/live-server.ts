// A real listening server with its delivery worker running, for browser tests.
import { createServer } from 'node:net';
import { loadConfig } from '../../src/config.ts';
import { seedDemo } from '../../src/modules/demo/seed.ts';
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

export async function startLiveServer(env: Record<string, string> = {}) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const config = loadConfig(testEnv({ PUBLIC_URL: base, WORKER_ENABLED: 'true', WORKER_POLL_MS: '100', ...env }).env);
  const server = await buildServer({ ...config, appSecret: config.appSecret! }, { logger: false });
  const demo = await seedDemo(server.services);
  server.worker.start();
  await server.app.listen({ host: '127.0.0.1', port });
  return { ...server, base, demo };
}
