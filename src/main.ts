// `npm start`: migrate, seed demo data into an empty store, serve, and run the delivery worker.
import { ConfigError, loadConfig, type Config } from './config.ts';
import { demo, seedDemo, seedDemoContent } from './modules/demo/seed.ts';
import { resolveAppSecret } from './secret.ts';
import { buildServer } from './server.ts';

async function main() {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const appSecret = resolveAppSecret(config);
  const server = await buildServer({ ...config, appSecret }, { longLived: true });
  const { app, worker, services } = server;

  const seeded = !config.production && (await services.tenants.count()) === 0;
  // The demo invoice email is queued only into the development outbox, never to a real provider.
  let invoiceEmailQueued = false;
  if (seeded) {
    const { tenants } = await seedDemo(services);
    ({ invoiceEmailQueued } = await seedDemoContent(services, tenants, new Date(), config));
  }

  if (config.worker.enabled) worker.start();
  await app.listen({ host: config.host, port: config.port });

  const store = config.database.kind === 'sqlite' ? `SQLite ${config.database.path}` : 'PostgreSQL';
  const lines = [
    '',
    `  Servicio Portal is running (${config.env}, ${store})`,
    `  Sign in:        ${config.publicUrl}/client-login`,
  ];
  if (config.devOutbox) lines.push(`  Messages:       ${config.publicUrl}/dev/outbox  (links and codes land here; nothing is really sent)`);
  if (await services.tenants.bySlug(demo.shops[0].slug)) {
    lines.push(
      '',
      '  Demo clients:',
      `    ${demo.bothShops.name}: ${demo.bothShops.email} or ${demo.bothShops.phone}  (client of both shops → shop picker)`,
      `    ${demo.oneShop.name}: ${demo.oneShop.email} or ${demo.oneShop.phone}  (Greenway Lawn Care only${invoiceEmailQueued ? '; an invoice email with a one-tap link is in the outbox' : ''})`,
      `    ${demo.spanish.name}: ${demo.spanish.email} or ${demo.spanish.phone}  (Greenway Lawn Care only; prefers Spanish)`,
      '',
      `  Shop console:   ${config.publicUrl}/shop/sign-in`,
      `    ${demo.owners[0].email}  (owner of Greenway Lawn Care) · ${demo.owners[1].email}  (owner of BlueWave Pool Service)`,
      '',
      `  Servicio support: ${config.publicUrl}/support/sign-in`,
      `    ${demo.agent.email}  (${demo.agent.name}; an authenticator app is set up at the first sign-in)`,
      '',
      `  Integration API: ${config.publicUrl}/api/v1/openapi.json  (create a key: npx servicio apikey create --tenant greenway-lawn --name "Office")`,
    );
  }
  if (seeded && !invoiceEmailQueued) {
    lines.push('', `  A real email or SMS provider is configured: the demo data queued no message${config.deliverToExampleAddresses ? '' : ', and messages to example addresses (like the demo clients’) are never handed to it'}.`);
  }
  console.log(lines.join('\n') + '\n');

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    await server.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err) => {
  console.error(`Servicio Portal could not start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
