// The one wiring of every process. `npm start` (server.ts via main.ts), the operator CLI and its
// standalone worker, and the tests all call compose(): the same store, the same Redis, the same
// services, the same worker. The dependency graph is visible here and nowhere else.
import type { Redis } from 'ioredis';
import { sql } from 'kysely';
import { onAudit } from './modules/audit/audit.repo.ts';
import { createAuditLog } from './modules/audit/audit-log.service.ts';
import { createHealth } from './modules/health/health.service.ts';
import { jobsRepo } from './modules/jobs/jobs.repo.ts';
import { createMetrics, type Metrics } from './modules/ops/metrics.ts';
import type { Config } from './config.ts';
import { openDatabase, type Database, type OpenOptions } from './db/database.ts';
import { migrateToLatest } from './db/migrate.ts';
import { refreshStatistics } from './db/statistics.ts';
import { systemClock, type Clock } from './lib/clock.ts';
import { createSealer, hmac } from './lib/crypto.ts';
import { purgeExpiredLimits } from './modules/abuse/kysely-store.ts';
import { createLimits } from './modules/abuse/limits.ts';
import { createApiKeys } from './modules/apikeys/apikeys.service.ts';
import { createClientsService } from './modules/clients/clients.service.ts';
import { createClientImport } from './modules/clients/import.service.ts';
import { createChannels, type Channels } from './modules/delivery/channels.ts';
import { createDeliveryHistory } from './modules/delivery/history.ts';
import { createOutbox } from './modules/delivery/outbox.service.ts';
import { createProviderStatus } from './modules/delivery/provider-status.ts';
import { devOutboxRepo, type DevOutbox } from './modules/delivery/dev-outbox.repo.ts';
import { outboxRepo } from './modules/delivery/outbox.repo.ts';
import { backoffMs, createDeliveryWorker, type DeliveryWorker, type WorkerOptions } from './modules/delivery/worker.ts';
import { createJobQueue, createJobRunner, type JobHandlers } from './modules/jobs/jobs.ts';
import { createInvoicesService } from './modules/invoices/invoices.service.ts';
import { createPaymentsService } from './modules/payments/payments.service.ts';
import { createReportsService } from './modules/reports/reports.service.ts';
import { createLinksService } from './modules/links/links.service.ts';
import { createLinkSigner } from './modules/links/signed-links.ts';
import { createDeviceCookies } from './modules/login/device-cookie.ts';
import { createLoginDispatcher } from './modules/login/login.dispatch.ts';
import { createLoginService } from './modules/login/login.service.ts';
import { createNotifications } from './modules/notifications/notifications.service.ts';
import { testPaymentProvider, type PaymentProvider } from './modules/payments/payment-provider.ts';
import { createSessionsService } from './modules/sessions/sessions.service.ts';
import { createLogoFetcher } from './modules/tenants/logo-fetcher.ts';
import { createTenantsService } from './modules/tenants/tenants.service.ts';
import { createStaffService } from './modules/staff/staff.service.ts';
import { createStaffSessions } from './modules/staff/staff-sessions.service.ts';
import { createStaffMfa } from './modules/staff/staff-mfa.service.ts';
import { createSupportService } from './modules/support/support.service.ts';
import { createSupportSessions } from './modules/support/support-sessions.service.ts';
import { createSupportMfa } from './modules/support/support-mfa.service.ts';
import { createRecovery } from './modules/support/recovery.service.ts';
import { createContactProofs } from './modules/clients/contact-proofs.service.ts';

export type AppConfig = Config & { appSecret: string };

export interface ComposeOptions {
  clock?: Clock;
  /** Replaces the real channels (tests of the worker's failure handling). */
  channels?: Channels;
  /** Replaces the built-in test payment provider (tests of a declined payment). */
  payments?: PaymentProvider;
  /** Wraps the real job handlers (tests of a crash between a job's effects and its completion). */
  jobHandlers?: (real: JobHandlers) => JobHandlers;
  /** An already open store (a second instance on the same store, in tests). Not closed by close(). */
  db?: Database;
  log?: WorkerOptions['log'];
  /** A long-lived process (web server, `servicio worker`): SQLite checkpoints from a thread. */
  longLived?: boolean;
}

export async function openStore(config: Config, o: OpenOptions = {}): Promise<Database> {
  const db = await openDatabase(config.database, o);
  await migrateToLatest(db, config.database.kind === 'postgres' ? config.database.schema : undefined);
  return db;
}

/** The services an operator (CLI) or the web app uses. */
export function createServices(config: AppConfig, db: Database, clock: Clock = systemClock, redis?: Redis, payments: PaymentProvider = testPaymentProvider(), metrics?: Metrics) {
  const sealer = createSealer(config.appSecret);
  const outbox = createOutbox({ sealer });
  const sessions = createSessionsService({
    db,
    clock,
    cacheMs: config.sessionCacheMs,
    ...(config.sessionIdleMs ? { idleMs: config.sessionIdleMs } : {}),
    ...(metrics ? { onCheck: (valid: boolean) => metrics.sessionCheck(valid ? 'valid' : 'invalid') } : {}),
  });
  // Changes to a shop or client can end sessions: drop this process's cached session checks.
  const onAuthChange = () => sessions.forgetCached();
  const tenants = createTenantsService({ db, clock, sessionDaysDefault: config.sessionDaysDefault, fetchLogo: createLogoFetcher({ production: config.production }), defaultRegion: config.login.defaultRegion, onAuthChange });
  const clients = createClientsService({ db, clock, defaultRegion: config.login.defaultRegion, onAuthChange });
  const clientImport = createClientImport({ db, clock, defaultRegion: config.login.defaultRegion, onAuthChange });
  const limits = createLimits({ config, db, clock, ...(redis ? { redis } : {}), ...(metrics ? { onRefused: metrics.refused } : {}) });
  const jobs = createJobQueue({ sealer, notify: outbox.notify });
  const staff = createStaffService({ db, clock, onAuthChange });
  const staffSessions = createStaffSessions({ db, clock });
  const staffMfa = createStaffMfa({ db, clock, sealer, staffSessions });
  const support = createSupportService({ db, clock, onAuthChange });
  const supportSessions = createSupportSessions({ db, clock });
  const supportMfa = createSupportMfa({ db, clock, sealer, supportSessions });
  const login = createLoginService({
    db,
    clock,
    jobs,
    // A redeemed login opens a portal session (clients), a console session (staff) or a support session.
    openSession: (trx, w, request, match, ctx) =>
      request.audience === 'support'
        ? supportSessions.create(trx, { agentId: match.principal_id }, ctx)
        : request.audience === 'staff'
          ? staffSessions.create(trx, { tenantId: match.tenant_id, staffId: match.principal_id }, ctx)
          : match.session_days !== null
            ? sessions.add(w, { tenantId: match.tenant_id, clientId: match.principal_id, kind: 'login' }, match.session_days, ctx)
            : sessions.create(trx, { tenantId: match.tenant_id, clientId: match.principal_id, kind: 'login' }, ctx),
    clientSessionForStatement: sessions.forStatement,
    devices: createDeviceCookies(config.appSecret),
    appSecret: config.appSecret,
    linkTtlMs: config.login.linkTtlMs,
    codeMaxAttempts: config.login.codeMaxAttempts,
    defaultRegion: config.login.defaultRegion,
    otherChannelLimit: limits.otherChannelFor,
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
  const invoices = createInvoicesService({ db, clock });
  const reports = createReportsService({ db, clock });
  const paymentsService = createPaymentsService({ db, clock, provider: payments, outbox, publicUrl: config.publicUrl });
  const notifications = createNotifications({ db, clock, outbox, links, publicUrl: config.publicUrl });
  const apiKeys = createApiKeys({ db, clock });
  const recovery = createRecovery({ db, clock, outbox, sessions, limits, publicUrl: config.publicUrl, ttlMs: config.recoveryLinkTtlMs });
  const contactProofs = createContactProofs({ db, clock, outbox, clients, appSecret: config.appSecret, publicUrl: config.publicUrl, defaultRegion: config.login.defaultRegion });
  const providerStatus = createProviderStatus({ db, clock });
  const auditLog = createAuditLog({ db });
  const health = createHealth({ db, clock });
  const devOutbox: DevOutbox = devOutboxRepo(db);
  return { sealer, outbox, jobs, sessions, staff, staffSessions, staffMfa, support, supportSessions, supportMfa, recovery, contactProofs, tenants, clients, clientImport, login, loginDispatch, limits, history, links, invoices, reports, payments: paymentsService, notifications, apiKeys, providerStatus, devOutbox, auditLog, health };
}

/** The delivery worker over the configured channels (in the web process or on its own). */
function createWorker(
  config: Config,
  db: Database,
  services: Pick<ReturnType<typeof createServices>, 'sealer' | 'outbox' | 'loginDispatch' | 'limits'>,
  o: { clock: Clock; log: WorkerOptions['log']; channels?: Channels; jobHandlers?: (real: JobHandlers) => JobHandlers },
): DeliveryWorker {
  const handlers: JobHandlers = { 'login-dispatch': services.loginDispatch };
  const jobs = createJobRunner({
    db,
    clock: o.clock,
    sealer: services.sealer,
    handlers: o.jobHandlers ? o.jobHandlers(handlers) : handlers,
    log: o.log,
    leaseMs: config.worker.leaseMs,
    maxAttempts: config.worker.maxAttempts,
    backoffMs,
  });
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
    lanes: config.worker.lanes,
    chores: [
      { everyMs: 10 * 60_000, run: () => purgeExpiredLimits(db, o.clock.now()) },
      // PostgreSQL's table statistics, where autovacuum has not refreshed them (db/statistics.ts).
      {
        everyMs: 15_000,
        run: async () => {
          const analyzed = await refreshStatistics(db);
          if (analyzed.length) o.log.info({ tables: analyzed }, 'refreshed table statistics');
        },
      },
    ],
    // A login text that never went out (failed for good, or expired unsent) costs no SMS budget.
    onUndelivered: async (m) => {
      if (m.channel === 'sms' && m.template === 'login-link') await services.limits.refundSms(await outboxRepo(db).tenantsOf(m));
    },
    jobs,
  });
}

/** Connects to Redis and checks it answers, so a wrong REDIS_URL fails at start, not at the first login. */
export async function connectRedis(url: string): Promise<Redis> {
  // Loaded only when Redis is configured.
  const { Redis: IORedis } = await import('ioredis');
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


export interface System {
  config: AppConfig;
  clock: Clock;
  db: Database;
  services: ReturnType<typeof createServices>;
  worker: DeliveryWorker;
  metrics: Metrics;
  /** Whether the store (and Redis, when configured) answer: { store: 'ok' | why, redis?: … }. */
  ready(): Promise<Record<string, string>>;
  close(): Promise<void>;
}

/** Opens the store (migrated) and Redis when configured, and builds the services and the worker. */
export async function compose(config: AppConfig, o: ComposeOptions = {}): Promise<System> {
  const clock = o.clock ?? systemClock;
  const redis = config.redisUrl ? await connectRedis(config.redisUrl) : undefined;
  let db: Database;
  try {
    db = o.db ?? (await openStore(config, o.longLived ? { backgroundCheckpoints: true, onCheckpointError: (m) => o.log?.warn({ error: m }, 'background checkpoint failed') } : {}));
  } catch (err) {
    redis?.disconnect();
    throw err;
  }
  const metrics = createMetrics({
    backlogs: { outbox: () => outboxRepo(db).backlog(clock.now()), jobs: () => jobsRepo(db).backlog(clock.now()) },
  });
  const stopCounting = onAudit(metrics.audited);
  const services = createServices(config, db, clock, redis, o.payments, metrics);
  const log = o.log ?? { info: () => {}, warn: () => {}, error: () => {} };
  const worker = createWorker(config, db, services, { clock, log: log as WorkerOptions['log'], ...(o.channels ? { channels: o.channels } : {}), ...(o.jobHandlers ? { jobHandlers: o.jobHandlers } : {}) });
  return {
    config,
    clock,
    db,
    services,
    worker,
    metrics,
    async ready() {
      const answer = (p: Promise<unknown>) => p.then(() => 'ok', (err: unknown) => `not answering: ${err instanceof Error ? err.message : String(err)}`);
      const [store, cache] = await Promise.all([answer(sql`SELECT 1`.execute(db)), redis ? answer(redis.ping()) : undefined]);
      return { store, ...(cache ? { redis: cache } : {}) };
    },
    async close() {
      stopCounting();
      await worker.stop();
      redis?.disconnect();
      if (!o.db) await db.destroy();
    },
  };
}
