// Faults: outages of SMTP and Twilio, bounded retries, several workers on one store, and a
// kill -9 of the whole server between accepting a login and sending it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db/database.ts';
import { MINUTE } from '../../src/lib/clock.ts';
import { demo } from '../../src/modules/demo/seed.ts';
import { compose } from '../../src/compose.ts';
import { startTestServer, storeKind, testEnv, type TestServer } from '../helpers/harness.ts';
import { startFakeProviders } from '../helpers/fake-providers.ts';
import { freePort } from '../helpers/live-server.ts';

let providers: Awaited<ReturnType<typeof startFakeProviders>>;
let t: TestServer;
const quiet = { info() {}, warn() {}, error() {} } as never;

beforeAll(async () => {
  providers = await startFakeProviders({ accountSid: `AC${'5'.repeat(32)}`, from: '+15125550100' });
  t = await startTestServer({ env: { ...providers.env, WORKER_MAX_ATTEMPTS: '4' } });
});
afterAll(async () => {
  await t?.close();
  await providers?.close();
});

/** The messages queued since `since` (this test's own). */
const status = async (since: number) => t.db.selectFrom('outbox_messages').select(['status', 'id']).where('created_at', '>=', since).execute();

describe(`outages (${storeKind})`, () => {
  it('delays everything during an SMTP and Twilio outage and sends it all when they return', async () => {
    t.clock.advance(MINUTE);
    const since = t.clock.now();
    providers.smtp.fail(421);
    providers.twilio.fail({ status: 503, code: 20500, message: 'Service Unavailable' });
    const identifiers = [demo.oneShop.email, demo.bothShops.email, demo.oneShop.phone, demo.bothShops.phone];
    for (const id of identifiers) await t.browser().submit('/client-login', { identifier: id });
    await t.worker.runOnce();
    t.clock.advance(MINUTE);
    await t.worker.runOnce();
    expect((await status(since)).filter((m) => m.status === 'queued')).toHaveLength(4);
    const sentBefore = providers.smtp.received.length + providers.twilio.received.length;

    providers.smtp.fail(null);
    providers.twilio.fail(null);
    t.clock.advance(MINUTE);
    await t.worker.runOnce();
    expect((await status(since)).map((m) => m.status)).toEqual(['sent', 'sent', 'sent', 'sent']);
    expect(providers.smtp.received.length + providers.twilio.received.length).toBe(sentBefore + 4);
  });

  it('gives up after the configured number of attempts and keeps the last error', async () => {
    providers.twilio.fail({ status: 429, code: 20429, message: 'Too Many Requests' });
    t.clock.advance(1000);
    await t.browser().submit('/client-login', { identifier: demo.oneShop.phone });
    for (let i = 0; i < 6; i++) {
      await t.worker.runOnce();
      t.clock.advance(MINUTE); // past each backoff (at most 24 s here), well inside the link's life
    }
    providers.twilio.fail(null);
    const m = await t.db.selectFrom('outbox_messages').selectAll().orderBy('created_at', 'desc').executeTakeFirstOrThrow();
    expect(m).toMatchObject({ status: 'failed', attempts: 4, payload_enc: null });
    expect(m.last_error).toBe('Twilio 429 error 20429: Too Many Requests');
  });
});

describe(`several workers on one store (${storeKind})`, () => {
  it('sends 1,000 queued messages exactly once with two workers', async () => {
    const { env } = testEnv({ ...providers.env, WORKER_LEASE_MS: '60000' });
    const config = { ...loadConfig(env), appSecret: 'test-secret-test-secret-test-secret-0123456789' };
    // Two composed systems, as two worker processes would be; on PostgreSQL each has its own pool.
    const sysA = await compose(config, { log: quiet });
    const dbA = sysA.db;
    const sysB = config.database.kind === 'postgres' ? await compose(config, { log: quiet }) : await compose(config, { log: quiet, db: dbA });
    try {
      const svcA = sysA.services;
      const now = Date.now();
      await dbA.transaction().execute(async (trx) => {
        for (let i = 0; i < 1000; i++) {
          await svcA.outbox.enqueue(trx, {
            channel: 'sms',
            to: `+1512555${String(1000 + i).slice(-4)}`,
            template: 'login-link',
            tenantId: null,
            now,
            data: { shopNames: ['Load Test'], brandColor: '#000000', link: `http://localhost:3000/l/${String(i).padStart(48, '0')}`, code: '123456', minutes: 30 },
          });
        }
      });
      const before = providers.twilio.received.length;
      const a = sysA.worker;
      const b = sysB.worker;
      const [byA, byB] = await Promise.all([a.runOnce(), b.runOnce()]);
      expect(byA + byB).toBe(1000);
      expect(byA).toBeGreaterThan(0); // both really worked, side by side
      expect(byB).toBeGreaterThan(0);
      const bodies = providers.twilio.received.slice(before).map((r) => /\/l\/(\d{48})/.exec(r.Body!)![1]);
      expect(bodies).toHaveLength(1000);
      expect(new Set(bodies).size).toBe(1000);
      const left = await dbA.selectFrom('outbox_messages').select('status').where('status', '!=', 'sent').execute();
      expect(left).toEqual([]);
    } finally {
      await sysB.close();
      if (config.database.kind === 'postgres') {
        const { sql } = await import('kysely');
        await sql`DROP SCHEMA IF EXISTS ${sql.id(config.database.schema!)} CASCADE`.execute(dbA);
      }
      await sysA.close();
    }
  });
});

describe(`kill -9 (${storeKind})`, () => {
  async function startProcess(env: Record<string, string>): Promise<ChildProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d) => {
        out += d;
        if (out.includes('Servicio Portal is running')) resolve();
      });
      child.stderr!.on('data', (d) => (out += d));
      child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${out}`)));
    });
    return child;
  }

  async function requestLink(base: string, identifier: string) {
    const page = await fetch(`${base}/client-login`);
    const cookie = page.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
    const res = await fetch(`${base}/client-login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ identifier, _csrf: csrf }),
    });
    expect(res.status).toBe(303);
  }

  async function waitFor(check: () => boolean, what: string) {
    for (let i = 0; i < 150; i++) {
      if (check()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  it('sends after a restart what was accepted before the kill, including a message caught mid-send', async () => {
    const port = await freePort();
    const { env } = testEnv({
      ...providers.env,
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      LOG_LEVEL: 'silent',
      WORKER_POLL_MS: '100',
      WORKER_LEASE_MS: '1500',
    });
    delete (env as Record<string, string>).WORKER_ENABLED;
    const base = `http://127.0.0.1:${port}`;

    // 1. Accepted, never attempted: the worker is off when the process dies.
    let server = await startProcess({ ...env, WORKER_ENABLED: 'false' });
    await requestLink(base, demo.oneShop.email);
    server.kill('SIGKILL');

    // 2. Caught mid-send: SMTP hangs, so the message is claimed ("sending") when the process dies.
    const hanging = await hangingSmtp();
    server = await startProcess({ ...env, SMTP_URL: hanging.url });
    await requestLink(base, demo.bothShops.email);
    await waitFor(() => hanging.connections > 0, 'the worker to start sending');
    server.kill('SIGKILL');
    hanging.close();

    // Only login messages count here (the demo data also queues an invoice email at first start).
    const logins = () => providers.smtp.received.filter((m) => m.subject?.startsWith('Your sign-in link'));
    const sentBefore = logins().length;
    server = await startProcess(env);
    try {
      await waitFor(() => logins().length >= sentBefore + 2, 'both messages after restart');
      const to = logins().slice(sentBefore).map((m) => (m.to && 'value' in m.to ? m.to.value[0]!.address : ''));
      expect(to.sort()).toEqual(['maria@example.com', 'sam@example.com']);
    } finally {
      server.kill('SIGKILL');
      if (storeKind === 'postgres') {
        const db = await openDatabase(loadConfig(env).database);
        const { sql } = await import('kysely');
        await sql`DROP SCHEMA IF EXISTS ${sql.id(env.DATABASE_SCHEMA!)} CASCADE`.execute(db);
        await db.destroy();
      }
    }
  });
});

/** An SMTP server that accepts connections and never answers: a send stays in flight. */
async function hangingSmtp() {
  const sockets = new Set<import('node:net').Socket>();
  let connections = 0;
  const server = createServer((s) => {
    connections++;
    sockets.add(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `smtp://127.0.0.1:${(server.address() as { port: number }).port}`,
    get connections() {
      return connections;
    },
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}
