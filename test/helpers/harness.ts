// Builds a real server on a fresh store for one test file: a temporary SQLite file, or a fresh
// PostgreSQL schema when DATABASE_URL is set (and then PostgreSQL must answer: no silent skip).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { loadConfig } from '../../src/config.ts';
import { testClock } from '../../src/lib/clock.ts';
import { buildServer, type ServerOptions } from '../../src/server.ts';
import { devOutboxRepo } from '../../src/modules/delivery/dev-outbox.repo.ts';
import { seedDemo } from '../../src/modules/demo/seed.ts';
import { TestBrowser } from './browser.ts';

export const storeKind = process.env.DATABASE_URL ? 'postgres' : 'sqlite';

export function testEnv(overrides: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'servicio-test-'));
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    DATA_DIR: dir,
    DATABASE_URL: process.env.DATABASE_URL ?? `sqlite:${join(dir, 'test.db')}`,
    ...(process.env.DATABASE_URL ? { DATABASE_SCHEMA: schema } : {}),
    APP_SECRET: 'test-secret-test-secret-test-secret-0123456789',
    PUBLIC_URL: 'http://localhost:3000',
    WORKER_ENABLED: 'false',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_NAMESPACE: schema,
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    // Flow tests sign in many times; the limits themselves are tested in abuse.test.ts.
    RATE_LOGIN_PER_IDENTIFIER_15M: '1000',
    RATE_LOGIN_PER_IDENTIFIER_DAY: '10000',
    RATE_LOGIN_PER_IP_15M: '10000',
    RATE_REDEEM_PER_IP_15M: '10000',
    RATE_CODE_PER_IP_15M: '10000',
    ...overrides,
  };
  return { env, dir, schema };
}

export async function startTestServer(o: { env?: Record<string, string>; seed?: boolean } & Omit<ServerOptions, 'clock'> = {}) {
  const { env, dir, schema } = testEnv(o.env);
  const config = loadConfig(env);
  const clock = testClock();
  const server = await buildServer({ ...config, appSecret: config.appSecret! }, { ...o, clock, logger: !!o.logStream });
  await server.app.ready();
  const demo = o.seed === false ? undefined : await seedDemo(server.services);
  const dev = devOutboxRepo(server.db);

  return {
    ...server,
    config,
    /** The environment this server was configured from (for a second process on the same store). */
    env,
    clock,
    demo,
    browser: () => new TestBrowser(server.app),
    /** Runs the worker once and returns the newest message sent to `to`, as its reader sees it. */
    async lastMessageTo(to: string) {
      await server.worker.runOnce();
      const [m] = await dev.latest(1, to);
      if (!m) throw new Error(`no message was sent to ${to}`);
      return { ...m, link: extractLink(m.text), code: extractCode(m.text) };
    },
    async messagesTo(to: string) {
      await server.worker.runOnce();
      return dev.latest(50, to);
    },
    async close() {
      if (storeKind === 'postgres') await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(server.db);
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
export type TestServer = Awaited<ReturnType<typeof startTestServer>>;

export function extractLink(text: string): string {
  const m = /https?:\/\/\S+\/l\/[A-Za-z0-9_-]{48}/.exec(text);
  if (!m) throw new Error(`no login link in message:\n${text}`);
  return m[0];
}

export function extractCode(text: string): string {
  const m = /(?:code|c[óo]digo)\D{0,40}(\d{6})\b/.exec(text); // English, or Spanish ("codigo" in a text)
  if (!m) throw new Error(`no code in message:\n${text}`);
  return m[1]!;
}
