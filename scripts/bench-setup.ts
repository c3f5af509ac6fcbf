// The store the login-pipeline scripts (bench:pipeline, bench:floor) start from: migrated, the
// demo shops, and 1,000 clients of the first shop (user0@bench.test …), no worker running.
import { loadConfig } from '../src/config.ts';
import { buildServer } from '../src/server.ts';
import { seedDemo } from '../src/modules/demo/seed.ts';

export async function benchStore(o: { dir: string; databaseUrl: string; schema?: string; longLived?: boolean; env?: Record<string, string> }) {
  const config = loadConfig({
    NODE_ENV: 'development',
    DATA_DIR: o.dir,
    DATABASE_URL: o.databaseUrl,
    ...(o.schema ? { DATABASE_SCHEMA: o.schema } : {}),
    APP_SECRET: 'bench-secret-bench-secret-bench-secret-01',
    WORKER_ENABLED: 'false',
    LOG_LEVEL: 'silent',
    ...o.env,
  });
  const server = await buildServer({ ...config, appSecret: config.appSecret! }, { logger: false, longLived: o.longLived ?? false });
  const shop = (await seedDemo(server.services)).tenants[0]!;
  const clientIds: string[] = [];
  for (let i = 0; i < 1000; i++) clientIds.push((await server.services.clients.add(shop.id, { name: `U ${i}`, email: `user${i}@bench.test` })).id);
  return { server, shop, clientIds };
}
