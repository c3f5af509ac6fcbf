// Demo and example data never reach a real provider: (a) the demo content queues no message when
// SMTP or Twilio is configured, (b) the delivery layer never hands SMTP or Twilio a message for an
// example address (RFC 2606/6761 domains, 555-01xx numbers) unless DELIVER_TO_EXAMPLE_ADDRESSES=true.
import { spawn, type ChildProcess } from 'node:child_process';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db/database.ts';
import { demo, seedDemoContent } from '../../src/modules/demo/seed.ts';
import { csrfOf } from '../helpers/browser.ts';
import { makeClient, makeShop } from '../helpers/factories.ts';
import { extractLink, startTestServer, storeKind, testEnv, type TestServer } from '../helpers/harness.ts';
import { startFakeProviders } from '../helpers/fake-providers.ts';
import { freePort } from '../helpers/live-server.ts';

let providers: Awaited<ReturnType<typeof startFakeProviders>>;
let t: TestServer;

beforeAll(async () => {
  providers = await startFakeProviders({ accountSid: `AC${'9'.repeat(32)}`, from: '+15122010100' });
  // Real providers, as a deployer configures them: the example-address setting left at its default.
  const { DELIVER_TO_EXAMPLE_ADDRESSES: _on, ...real } = providers.env;
  t = await startTestServer({ env: real });
});
afterAll(async () => {
  await t?.close();
  await providers?.close();
});

const countOutbox = async () => Number((await t.db.selectFrom('outbox_messages').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
const newest = () => t.db.selectFrom('outbox_messages').selectAll().orderBy('created_at', 'desc').orderBy('id').executeTakeFirstOrThrow();

async function ask(identifier: string) {
  t.clock.advance(1000);
  expect((await t.browser().submit('/client-login', { identifier })).statusCode).toBe(303);
  await t.worker.runOnce();
}

describe(`example addresses never reach a real provider (${storeKind})`, () => {
  it('is off unless the operator turns it on', () => {
    expect(t.config.deliverToExampleAddresses).toBe(false);
    expect(loadConfig({ DELIVER_TO_EXAMPLE_ADDRESSES: 'true' }).deliverToExampleAddresses).toBe(true);
  });

  it('fails an email to an example.com address at once, without a word to the SMTP server', async () => {
    const mails = providers.smtp.received.length;
    await ask(demo.oneShop.email);
    const m = await newest();
    expect(m).toMatchObject({ channel: 'email', to_address: 'maria@example.com', status: 'failed', attempts: 1, provider: null, provider_id: null, payload_enc: null });
    expect(m.last_error).toMatch(/^Not sent: an example address/);
    expect(providers.smtp.received.length).toBe(mails);
    const audit = await t.db.selectFrom('audit_events').select(['action', 'data']).where('subject_id', '=', m.login_request_id).orderBy('id').execute();
    expect(audit.map((a) => a.action)).not.toContain('delivery.sent');
    expect(audit.at(-1)!.action).toBe('delivery.failed');
    expect(JSON.parse(audit.at(-1)!.data).error).toMatch(/example address/);
  });

  it('fails a text to a fictional 555-01xx number without calling Twilio', async () => {
    const texts = providers.twilio.received.length;
    await ask(demo.oneShop.phone);
    const m = await newest();
    expect(m).toMatchObject({ channel: 'sms', to_address: '+15125550187', status: 'failed', provider: null });
    expect(m.last_error).toMatch(/^Not sent: an example address/);
    expect(providers.twilio.received.length).toBe(texts);
  });

  it('still sends to real-looking addresses and numbers', async () => {
    const shop = await makeShop(t);
    const c = await makeClient(t, shop.id, { email: 'lee.park@gmail.com', phone: '+15122010142' });
    const mails = providers.smtp.received.length;
    const texts = providers.twilio.received.length;
    await ask(c.email!);
    expect(providers.smtp.received.length).toBe(mails + 1);
    expect((await newest()).status).toBe('sent');
    await ask('(512) 201-0142');
    expect(providers.twilio.received.length).toBe(texts + 1);
    expect(providers.twilio.received.at(-1)).toMatchObject({ To: '+15122010142' });
  });

  it('tells the shop in plain words: "Example address — never sent"', async () => {
    const shop = await makeShop(t);
    const c = await makeClient(t, shop.id, { email: 'pat@yard.test' });
    await t.services.staff.add(shop.id, { name: 'Olive Owner', email: `owner@${shop.slug}.com`, role: 'owner' });
    await ask(c.email!);
    expect((await t.services.history.forClient(shop.id, c.id))[0]!.outcome).toMatchObject({ label: 'Example address — never sent', tone: 'bad' });
    // The console, signed in with a link that did go out (the owner's address is no example).
    const b = t.browser();
    const page = await b.get('/shop/sign-in');
    await b.post('/shop/sign-in', { identifier: `owner@${shop.slug}.com`, _csrf: csrfOf(page.body) });
    await t.worker.runOnce();
    await b.get(extractLink(providers.smtp.received.at(-1)!.text!));
    const client = await b.get(`/shop/clients/${c.id}`);
    expect(client.statusCode).toBe(200);
    expect(client.body).toContain('Example address — never sent');
    expect(client.body).toContain('nothing was handed to the email provider');
  });
});

describe(`demo content with a real provider configured (${storeKind})`, () => {
  it('queues no message at all', async () => {
    const shops = t.demo!.tenants;
    const mails = providers.smtp.received.length;
    const before = await countOutbox();
    // Nothing in the outbox at all: this holds whatever the delivery layer would do with it.
    const r = await seedDemoContent(t.services, shops, new Date('2026-11-20T12:00:00Z'), t.config);
    expect(r).toEqual({ invoiceEmailQueued: false });
    expect(await countOutbox()).toBe(before);
    await t.worker.runOnce();
    expect(providers.smtp.received.length).toBe(mails);
    // The content itself is there: Lucía's open invoice and report among it.
    const lucia = await t.services.clients.resolve(shops[0]!.id, demo.spanish.email);
    expect(await t.db.selectFrom('invoices').select('status').where('client_id', '=', lucia.id).execute()).toEqual([{ status: 'sent' }]);
    expect(await t.db.selectFrom('service_reports').select('id').where('client_id', '=', lucia.id).execute()).toHaveLength(1);
  });

  it('queues the demo invoice email into the development outbox when no provider is configured', async () => {
    const dev = await startTestServer();
    try {
      const r = await seedDemoContent(dev.services, dev.demo!.tenants, new Date('2026-11-20T12:00:00Z'), dev.config);
      expect(r).toEqual({ invoiceEmailQueued: true });
      const [mail] = await dev.messagesTo(demo.oneShop.email);
      expect(mail!.subject).toContain('Invoice 1042');
    } finally {
      await dev.close();
    }
  });
});

describe(`npm start on an empty store with SMTP and Twilio configured (${storeKind})`, () => {
  it('emails nobody: no demo message is queued, and a demo sign-in is refused before the provider', async () => {
    const port = await freePort();
    const { DELIVER_TO_EXAMPLE_ADDRESSES: _on, ...real } = providers.env;
    const { env } = testEnv({ ...real, PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, WORKER_ENABLED: 'true', WORKER_POLL_MS: '100' });
    const mails = providers.smtp.received.length;
    const texts = providers.twilio.received.length;
    let out = '';
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const db = await openDatabase(loadConfig(env).database);
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', (d) => {
          out += d;
          if (out.includes('Servicio Portal is running') && out.includes('Integration API')) resolve();
        });
        child.stderr!.on('data', (d) => (out += d));
        child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${out}`)));
      });
      expect(out).toContain(demo.spanish.name);
      expect(out).toContain('queued no message');
      expect(out).not.toContain('an invoice email with a one-tap link is in the outbox');
      const n = async () => Number((await db.selectFrom('outbox_messages').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
      expect(await n()).toBe(0);

      // A demo client asks to sign in: the message is queued, then refused before SMTP.
      const base = `http://127.0.0.1:${port}`;
      const page = await fetch(`${base}/client-login`);
      const cookie = page.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
      const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
      await fetch(`${base}/client-login`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ identifier: demo.oneShop.email, _csrf: csrf }) });
      let status: string | undefined;
      for (let i = 0; i < 100 && status !== 'failed'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        status = (await db.selectFrom('outbox_messages').select('status').executeTakeFirst())?.status;
      }
      expect(status).toBe('failed');
      expect(providers.smtp.received.length).toBe(mails);
      expect(providers.twilio.received.length).toBe(texts);
    } finally {
      child.kill('SIGKILL');
      if (storeKind === 'postgres') await sql`DROP SCHEMA IF EXISTS ${sql.id(env.DATABASE_SCHEMA!)} CASCADE`.execute(db);
      await db.destroy();
    }
  });
});
