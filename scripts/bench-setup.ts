// The store the login-pipeline scripts (bench:pipeline, bench:floor) start from: migrated, the
// demo shops, and 1,000 clients of the first shop (user0@bench.test …), no worker running; or,
// with `reopen`, the store an earlier call made (bench:scale, after loading a million clients).
import { loadConfig } from '../src/config.ts';
import { buildServer } from '../src/server.ts';
import { seedDemo } from '../src/modules/demo/seed.ts';

export async function benchStore(o: { dir: string; databaseUrl: string; schema?: string; longLived?: boolean; env?: Record<string, string>; reopen?: boolean }) {
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
  if (o.reopen) {
    // A store made by an earlier call: the same shop and clients, found rather than created.
    const shop = (await server.services.tenants.list()).find((t) => t.slug === 'greenway-lawn')!;
    return { server, shop, clientIds: [] as string[] };
  }
  const shop = (await seedDemo(server.services)).tenants[0]!;
  const clientIds: string[] = [];
  for (let i = 0; i < 1000; i++) clientIds.push((await server.services.clients.add(shop.id, { name: `U ${i}`, email: `user${i}@bench.test` })).id);
  return { server, shop, clientIds };
}
