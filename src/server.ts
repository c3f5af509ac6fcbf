// Builds the whole server from a configuration: store → services → HTTP + delivery worker,
// wired by hand so the dependency graph is visible here and nowhere else.
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import { openDatabase, type Database } from './db/database.ts';
import { migrateToLatest } from './db/migrate.ts';
import { createApp } from './http/app.ts';
import { createAuth } from './http/auth.ts';
import { createCookies } from './http/cookies.ts';
import { createCsrf } from './http/csrf.ts';
import { systemClock, type Clock } from './lib/clock.ts';
import { createSealer } from './lib/crypto.ts';
import { createClientsService } from './modules/clients/clients.service.ts';
import { createLimits } from './modules/abuse/limits.ts';
import { apiRoutes } from './modules/api/api.routes.ts';
import { createApiKeys } from './modules/apikeys/apikeys.service.ts';
import { createContentService } from './modules/invoices/content.service.ts';
import { createLinksService } from './modules/links/links.service.ts';
import { createLinkSigner } from './modules/links/signed-links.ts';
import { createNotifications } from './modules/notifications/notifications.service.ts';
import { testPaymentProvider } from './modules/payments/payment-provider.ts';
import { hmac } from './lib/crypto.ts';
import { purgeExpiredLimits } from './modules/abuse/kysely-store.ts';
import { Redis as IORedis, type Redis } from 'ioredis';
import { createChannels, type Channels } from './modules/delivery/channels.ts';
import { createDeliveryHistory } from './modules/delivery/history.ts';
import { createOutbox } from './modules/delivery/outbox.service.ts';
import { createDeliveryWorker, type DeliveryWorker, type WorkerOptions } from './modules/delivery/worker.ts';
import { devOutboxRoutes } from './modules/dev/dev-outbox.routes.ts';
import { createProviderStatus } from './modules/delivery/provider-status.ts';
import { webhookRoutes } from './modules/delivery/webhooks.routes.ts';
import { loginRoutes } from './modules/login/login.routes.ts';
import { createLoginService } from './modules/login/login.service.ts';
import { createLoginDispatcher } from './modules/login/login.dispatch.ts';
import { createDeviceCookies } from './modules/login/device-cookie.ts';
import { portalRoutes } from './modules/portal/portal.routes.ts';
import { createSessionsService } from './modules/sessions/sessions.service.ts';
import { createTenantsService } from './modules/tenants/tenants.service.ts';
import { createLogoFetcher } from './modules/tenants/logo-fetcher.ts';
import { brandRoutes } from './modules/tenants/brand.routes.ts';

export interface ServerOptions {
  clock?: Clock;
  /** Replaces the real channels (tests of the worker's failure handling). */
  channels?: Channels;
  logger?: boolean;
  /** Where log lines go (tests capture them to prove no secret is ever logged). Default: stdout. */
  logStream?: { write(line: string): void };
  db?: Database;
}

export async function openStore(config: Config): Promise<Database> {
  const db = await openDatabase(config.database);
  await migrateToLatest(db, config.database.kind === 'postgres' ? config.database.schema : undefined);
  return db;
}

/** The services an operator (CLI) or the web app uses. */
export function createServices(config: Config & { appSecret: string }, db: Database, clock: Clock = systemClock, redis?: Redis) {
  const sealer = createSealer(config.appSecret);
  const outbox = createOutbox({ sealer });
  const sessions = createSessionsService({ db, clock, cacheMs: config.sessionCacheMs, ...(config.sessionIdleMs ? { idleMs: config.sessionIdleMs } : {}) });
  // Changes to a shop or client can end sessions: drop this process's cached session checks.
  const onAuthChange = () => sessions.forgetCached();
  const tenants = createTenantsService({ db, clock, sessionDaysDefault: config.sessionDaysDefault, fetchLogo: createLogoFetcher({ production: config.production }), onAuthChange });
  const clients = createClientsService({ db, clock, defaultRegion: config.login.defaultRegion, onAuthChange });
  const limits = createLimits({ config, db, clock, ...(redis ? { redis } : {}) });
  const login = createLoginService({
    db,
    clock,
    outbox,
    sessions,
    devices: createDeviceCookies(config.appSecret),
    appSecret: config.appSecret,
    linkTtlMs: config.login.linkTtlMs,
    codeMaxAttempts: config.login.codeMaxAttempts,
    defaultRegion: config.login.defaultRegion,
  });
  const loginDispatch = createLoginDispatcher({
    db,
    clock,
    outbox,
    publicUrl: config.publicUrl,
    linkTtlMs: config.login.linkTtlMs,
    limits,
    smsAllowedCountries: config.smsAllowedCountries,
    unknownEmailNotice: config.unknownEmailNotice,
  });
  const history = createDeliveryHistory({ db });
  const signer = createLinkSigner(config.linkSigningKeys ?? [{ id: 'app', secret: hmac(config.appSecret, 'link-signing-key') }]);
  const links = createLinksService({ db, clock, signer, sessions, publicUrl: config.publicUrl });
  const content = createContentService({ db, clock, payments: testPaymentProvider() });
  const notifications = createNotifications({ db, clock, outbox, links, publicUrl: config.publicUrl });
  const apiKeys = createApiKeys({ db, clock });
  return { sealer, outbox, sessions, tenants, clients, login, loginDispatch, limits, history, links, content, notifications, apiKeys };
}

/** The delivery worker over the configured channels (in the web process or on its own). */
export function createWorker(
  config: Config,
  db: Database,
  services: Pick<ReturnType<typeof createServices>, 'sealer' | 'outbox' | 'loginDispatch'>,
  o: { clock: Clock; log: WorkerOptions['log']; channels?: Channels },
): DeliveryWorker {
  return createDeliveryWorker({
    db,
    clock: o.clock,
    sealer: services.sealer,
    outbox: services.outbox,
    channels: o.channels ?? createChannels({ config, db, clock: o.clock }),
    log: o.log,
    pollMs: config.worker.pollMs,
    maxAttempts: config.worker.maxAttempts,
    leaseMs: config.worker.leaseMs,
    housekeeping: () => purgeExpiredLimits(db, o.clock.now()),
    jobs: {
      'login-dispatch': async (data, m) => {
        await services.loginDispatch.dispatch({ requestId: m.login_request_id!, ...data });
        services.outbox.notify();
      },
    },
  });
}

/** Connects to Redis and checks it answers, so a wrong REDIS_URL fails at start, not at the first login. */
export async function connectRedis(url: string): Promise<Redis> {
  const redis = new IORedis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 5000 });
  redis.on('error', () => {}); // reconnects by itself; limits fall back to memory meanwhile
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    throw new Error(`Cannot reach Redis at ${url.replace(/\/\/[^@]*@/, '//***@')}: ${(err as Error).message}`);
  }
  return redis;
}

export interface Server {
  app: FastifyInstance;
  db: Database;
  worker: DeliveryWorker;
  services: ReturnType<typeof createServices>;
  close(): Promise<void>;
}

export async function buildServer(config: Config & { appSecret: string }, o: ServerOptions = {}): Promise<Server> {
  const clock = o.clock ?? systemClock;
  const redis = config.redisUrl ? await connectRedis(config.redisUrl) : undefined;
  const db = o.db ?? (await openStore(config));
  const services = createServices(config, db, clock, redis);
  const cookies = createCookies(config.secureCookies);
  const csrf = createCsrf({ secret: config.appSecret, publicUrl: config.publicUrl, cookies });
  const auth = createAuth({ sessions: services.sessions, cookies });

  const app = createApp({ logLevel: config.logLevel, secureCookies: config.secureCookies, trustProxy: config.trustProxy, logger: o.logger ?? true, ...(o.logStream ? { logStream: o.logStream } : {}) });
  loginRoutes(app, { login: services.login, limits: services.limits, cookies, csrf });
  portalRoutes(app, { auth, sessions: services.sessions, cookies, csrf, content: services.content, links: services.links, clients: services.clients, login: services.login, limits: services.limits, db });
  apiRoutes(app, { db, apiKeys: services.apiKeys, clients: services.clients, content: services.content, notifications: services.notifications, publicUrl: config.publicUrl });
  webhookRoutes(app, { config, status: createProviderStatus({ db, clock }), clock, tokenOnce: services.limits.webhookTokenOnce });
  brandRoutes(app, { tenants: services.tenants });
  if (config.devOutbox) devOutboxRoutes(app, { db });

  const worker = createWorker(config, db, services, { clock, log: app.log, ...(o.channels ? { channels: o.channels } : {}) });

  return {
    app,
    db,
    worker,
    services,
    async close() {
      await worker.stop();
      await app.close();
      redis?.disconnect();
      if (!o.db) await db.destroy();
    },
  };
}
