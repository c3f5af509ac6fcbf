// The web process: the HTTP app over the composed system (compose.ts) — routes of each module,
// given the services they use and nothing else.
import type { FastifyInstance } from 'fastify';
import { compose, type AppConfig, type ComposeOptions } from './compose.ts';
import type { Database } from './db/database.ts';
import { createApp } from './http/app.ts';
import { createAuth } from './http/auth.ts';
import { createCookies } from './http/cookies.ts';
import { createCsrf } from './http/csrf.ts';
import { createLanguage } from './http/i18n.ts';
import type { DeliveryWorker } from './modules/delivery/worker.ts';
import { apiRoutes } from './modules/api/api.routes.ts';
import { webhookRoutes } from './modules/delivery/webhooks.routes.ts';
import { devOutboxRoutes } from './modules/dev/dev-outbox.routes.ts';
import { loginRoutes, SHOP_COOKIE_DAYS } from './modules/login/login.routes.ts';
import { portalRoutes } from './modules/portal/portal.routes.ts';
import { brandRoutes } from './modules/tenants/brand.routes.ts';
import { opsRoutes } from './modules/ops/ops.routes.ts';
import { consoleRoutes } from './modules/console/console.routes.ts';
import { forbiddenPage } from './modules/console/console.views.ts';
import { supportRoutes } from './modules/support/support.routes.ts';
import { auditRepo } from './modules/audit/audit.repo.ts';

export interface ServerOptions extends Omit<ComposeOptions, 'log'> {
  logger?: boolean;
  /** Where log lines go (tests capture them to prove no secret is ever logged). Default: stdout. */
  logStream?: { write(line: string): void };
}

export interface Server {
  app: FastifyInstance;
  db: Database;
  worker: DeliveryWorker;
  services: Awaited<ReturnType<typeof compose>>['services'];
  close(): Promise<void>;
}

export async function buildServer(config: AppConfig, o: ServerOptions = {}): Promise<Server> {
  const app = createApp({ logLevel: config.logLevel, secureCookies: config.secureCookies, trustProxy: config.trustProxy, logger: o.logger ?? true, ...(o.logStream ? { logStream: o.logStream } : {}) });
  const system = await compose(config, { ...o, log: app.log });
  const { db, services, clock } = system;
  const cookies = createCookies(config.secureCookies);
  const csrf = createCsrf({ secret: config.appSecret, publicUrl: config.publicUrl, cookies });
  const language = createLanguage(cookies);
  app.addHook('onRequest', language.decide);
  const auth = createAuth({ sessions: services.sessions, staffSessions: services.staffSessions, supportSessions: services.supportSessions, cookies, forbidden: (req, reply) => forbiddenPage({ session: req.consoleSession ?? null, csrf: csrf.token(req, reply) }) });

  // First, so its request counter sees every route registered after it.
  opsRoutes(app, { metrics: system.metrics, ready: system.ready, metricsToken: config.metricsToken });
  loginRoutes(app, { login: services.login, limits: services.limits, cookies, csrf, language, tenants: services.tenants });
  portalRoutes(app, { auth, sessions: services.sessions, cookies, csrf, invoices: services.invoices, reports: services.reports, payments: services.payments, links: services.links, clients: services.clients, contactProofs: services.contactProofs, login: services.login, limits: services.limits, language, rememberShop: (reply, slug) => cookies.set(reply, 'shop', slug, SHOP_COOKIE_DAYS * 86_400) });
  apiRoutes(app, { apiKeys: services.apiKeys, staff: services.staff, clients: services.clients, invoices: services.invoices, reports: services.reports, notifications: services.notifications, publicUrl: config.publicUrl });
  webhookRoutes(app, { config, status: services.providerStatus, clock, tokenOnce: services.limits.webhookTokenOnce });
  brandRoutes(app, { tenants: services.tenants });
  consoleRoutes(app, { auth, cookies, csrf, clients: services.clients, history: services.history, sessions: services.sessions, staffSessions: services.staffSessions, login: services.login, limits: services.limits, smsAllowedCountries: config.smsAllowedCountries, audit: services.auditLog, mfa: services.staffMfa, health: services.health, tenants: services.tenants, staff: services.staff, apiKeys: services.apiKeys });
  supportRoutes(app, { auth, cookies, csrf, clock, clients: services.clients, tenants: services.tenants, history: services.history, recovery: services.recovery, supportSessions: services.supportSessions, sessions: services.sessions, mfa: services.supportMfa, audit: () => auditRepo(db), limits: services.limits, smsAllowedCountries: config.smsAllowedCountries });
  if (config.devOutbox) devOutboxRoutes(app, { outbox: services.devOutbox });

  return {
    app,
    db,
    worker: system.worker,
    services,
    async close() {
      await system.worker.stop();
      await app.close();
      await system.close();
    },
  };
}
