// Delivery through real protocols: nodemailer to an SMTP server and the Twilio Messages API
// contract to a Twilio-shaped server, both started here; failures are retried, then recorded.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { demo } from '../../src/modules/demo/seed.ts';
import { MINUTE } from '../../src/lib/clock.ts';
import { tenantsRepo } from '../../src/modules/tenants/tenants.repo.ts';
import { extractCode, extractLink, startTestServer, storeKind, type TestServer } from '../helpers/harness.ts';
import { startFakeProviders } from '../helpers/fake-providers.ts';
import { makeClient, makeShop } from '../helpers/factories.ts';
import { createDeliveryWorker } from '../../src/modules/delivery/worker.ts';

let providers: Awaited<ReturnType<typeof startFakeProviders>>;
let smtp: typeof providers.smtp;
let twilio: typeof providers.twilio;
let t: TestServer;

beforeAll(async () => {
  providers = await startFakeProviders({ accountSid: `AC${'1'.repeat(32)}`, from: '+15125550100' });
  ({ smtp, twilio } = providers);
  t = await startTestServer({ env: providers.env });
});
afterAll(async () => {
  await t?.close();
  await providers?.close();
});

async function ask(identifier: string) {
  t.clock.advance(1000); // keeps created_at ordered, so "the newest message" is well defined
  const res = await t.browser().submit('/client-login', { identifier });
  expect(res.statusCode).toBe(303);
}

async function messageStatus() {
  return t.db.selectFrom('outbox_messages').selectAll().orderBy('created_at', 'desc').orderBy('id').executeTakeFirstOrThrow();
}

describe(`delivery (${storeKind})`, () => {
  it('sends a batch of emails over a few kept-open SMTP connections, not one connection per message', async () => {
    const shop = await makeShop(t);
    const clients = await Promise.all(Array.from({ length: 30 }, () => makeClient(t, shop.id)));
    for (const c of clients) await ask(c.email!);
    const [received, connections] = [smtp.received.length, smtp.stats.connections];
    await t.worker.runOnce();
    expect(smtp.received.length - received).toBe(30);
    expect(new Set(smtp.received.slice(received).map((m) => m.messageId)).size).toBe(30);
    // The pool opens at most 10 connections (nodemailer pool, maxConnections).
    expect(smtp.stats.connections - connections).toBeGreaterThan(0);
    expect(smtp.stats.connections - connections).toBeLessThanOrEqual(10);
  });

  // Issue 12: full batches open more lanes (WORKER_LANES, 4 by default), claiming at the same time.
  it('sends a backlog bigger than a batch through several lanes, each message once', async () => {
    const shop = await makeShop(t);
    const clients = await Promise.all(Array.from({ length: 140 }, () => makeClient(t, shop.id)));
    for (const c of clients) await ask(c.email!);
    const received = smtp.received.length;
    await t.worker.runOnce();
    const mails = smtp.received.slice(received);
    expect(mails).toHaveLength(140);
    expect(new Set(mails.map((m) => m.messageId)).size).toBe(140);
    expect(new Set(mails.map((m) => (m.to && 'value' in m.to ? m.to.value[0]?.address : '')))).toEqual(new Set(clients.map((c) => c.email)));
    const rows = await t.db.selectFrom('outbox_messages').select(['status', 'attempts']).where('to_address', 'in', clients.map((c) => c.email!)).execute();
    expect(rows).toHaveLength(140);
    expect(rows.every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true); // no message claimed twice
  });

  // A lane that fails while the pass still waits on another must not become an unhandled
  // rejection (which ends the process): the pass logs it and the worker goes on.
  it('a lane that fails ends its pass with a logged error, not a crashed process', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const worker = createDeliveryWorker({
      db: t.db,
      clock: t.clock,
      sealer: t.services.sealer,
      outbox: t.services.outbox,
      channels: { email: async () => ({ provider: 'none', providerId: null }), sms: async () => ({ provider: 'none', providerId: null }) },
      log: { info() {}, warn() {}, error: (o: unknown) => void errors.push(o) },
      pollMs: 60_000,
      // The first batch comes back full (a second lane opens), the second lane's batch fails at
      // once, the first lane's next one only later.
      jobs: {
        async runBatch() {
          calls++;
          if (calls === 1) return 50;
          if (calls === 2) throw new Error('the store went away');
          await new Promise((r) => setTimeout(r, 50));
          return 0;
        },
      },
    });
    expect(await worker.runOnce()).toBe(0);
    expect(calls).toBe(3);
    expect(errors).toHaveLength(1);
    expect(String((errors[0] as { err: Error }).err.message)).toBe('the store went away');
  });

  /** A worker with these chores whose email channel records the addresses it sends to; one email queued. */
  async function withChores(chores: NonNullable<Parameters<typeof createDeliveryWorker>[0]['chores']>, warnings: unknown[] = []) {
    const sent: string[] = [];
    const worker = createDeliveryWorker({
      db: t.db,
      clock: t.clock,
      sealer: t.services.sealer,
      outbox: t.services.outbox,
      channels: { email: async (m) => (sent.push(m.to), { provider: 'none', providerId: null }), sms: async () => ({ provider: 'none', providerId: null }) },
      log: { info() {}, warn: (o: unknown) => void warnings.push(o), error() {} },
      pollMs: 60_000,
      chores,
    });
    const to = `chores-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`;
    await t.db.transaction().execute((trx) =>
      t.services.outbox.enqueue(trx, {
        channel: 'email',
        to,
        template: 'login-link',
        tenantId: null,
        now: t.clock.now(),
        data: { shopNames: ['Chores Lawn'], brandColor: '#000000', link: `http://localhost:3000/l/${'0'.repeat(48)}`, code: '123456', minutes: 30 },
      }),
    );
    return { worker, sent, to };
  }

  // The worker's chores (rate-limit clean-up, table statistics) are started by a pass and run beside
  // its deliveries: one that fails is logged and the pass still sends what is queued.
  it('a chore that fails is logged and the queued messages still go out', async () => {
    const warnings: unknown[] = [];
    let choreRuns = 0;
    const { worker, sent, to } = await withChores(
      [{ everyMs: 60_000, run: async () => void choreRuns++ }, { everyMs: 60_000, run: async () => { throw new Error('permission denied for table clients'); } }],
      warnings,
    );
    expect(await worker.runOnce()).toBe(1);
    expect(sent).toEqual([to]);
    await vi.waitFor(() => expect(warnings).toHaveLength(1)); // chores run beside the deliveries
    expect(choreRuns).toBe(1);
    expect(String((warnings[0] as { err: Error }).err.message)).toBe('permission denied for table clients');
    // Each chore keeps its own interval: not again within it, again after it.
    await worker.runOnce();
    expect(choreRuns).toBe(1);
    t.clock.advance(60_000);
    await worker.runOnce();
    await vi.waitFor(() => expect(warnings).toHaveLength(2));
    expect(choreRuns).toBe(2);
  });

  // A chore still running (an ANALYZE of a big table) holds back neither the messages nor the next
  // pass, and is not started a second time meanwhile; stop() waits for it.
  it('sends while a slow chore runs, never runs it twice at once, and waits for it on stop', async () => {
    let release!: () => void;
    let starts = 0;
    let finished = false;
    const { worker, sent, to } = await withChores([{ everyMs: 1, run: () => (starts++, new Promise<void>((r) => (release = r)).then(() => void (finished = true))) }]);
    expect(await worker.runOnce()).toBe(1);
    expect(sent).toEqual([to]);
    t.clock.advance(1_000);
    await worker.runOnce();
    expect(starts).toBe(1);
    const stopped = worker.stop();
    await new Promise((r) => setTimeout(r, 20));
    expect(finished).toBe(false);
    release();
    await stopped;
    expect(finished).toBe(true);
  });

  // Issue 12: a batch's sent messages are recorded by one statement, each with its own provider id.
  it('records each message of a batch, email and text alike, with its own provider id', async () => {
    const shop = await makeShop(t);
    const emails = await Promise.all(Array.from({ length: 6 }, () => makeClient(t, shop.id)));
    const phones = await Promise.all(Array.from({ length: 4 }, (_, i) => makeClient(t, shop.id, { email: null, phone: `+1512555${String(1200 + i)}` })));
    for (const c of [...emails.map((c) => c.email!), ...phones.map((c) => c.phone!)]) await ask(c);
    const [mailsBefore, textsBefore] = [smtp.received.length, twilio.received.length];
    await t.worker.runOnce();
    const rows = await t.db.selectFrom('outbox_messages').select(['to_address', 'status', 'provider', 'provider_id', 'sent_at', 'payload_enc']).where('to_address', 'in', [...emails.map((c) => c.email!), ...phones.map((c) => c.phone!)]).execute();
    expect(rows).toHaveLength(10);
    expect(rows.every((r) => r.status === 'sent' && r.sent_at !== null && r.payload_enc === null)).toBe(true);
    const mails = smtp.received.slice(mailsBefore);
    for (const c of emails) {
      const mail = mails.find((m) => m.to && 'value' in m.to && m.to.value[0]?.address === c.email);
      expect(rows.find((r) => r.to_address === c.email)).toMatchObject({ provider: 'smtp', provider_id: mail?.messageId?.replace(/^<(.*)>$/, '$1') });
    }
    const texts = twilio.received.slice(textsBefore);
    expect(texts).toHaveLength(4);
    for (const c of phones) {
      const n = twilio.received.findIndex((x) => x.To === c.phone) + 1;
      expect(rows.find((r) => r.to_address === c.phone)).toMatchObject({ provider: 'twilio', provider_id: `SM${String(n).padStart(32, '0')}` });
    }
  });

  it('sends login email over SMTP from the shop, with text and HTML', async () => {
    await ask(demo.oneShop.email);
    await t.worker.runOnce();
    const mail = smtp.received.at(-1)!;
    expect(mail.from?.value[0]).toMatchObject({ name: 'Greenway Lawn Care', address: 'portal@servicio.example' });
    expect(mail.to && 'value' in mail.to ? mail.to.value[0]?.address : undefined).toBe('maria@example.com');
    expect(mail.subject).toBe('Your sign-in link for Greenway Lawn Care');
    const link = extractLink(mail.text!);
    expect(mail.html).toContain(link);
    extractCode(mail.text!);
    const m = await messageStatus();
    expect(m).toMatchObject({ status: 'sent', provider: 'smtp', attempts: 1 });
    expect(m.provider_id).toMatch(/@/);
  });

  it('sends login texts through the Twilio Messages API', async () => {
    await ask('512 555 0142');
    await t.worker.runOnce();
    const sms = twilio.received.at(-1)!;
    expect(sms).toMatchObject({ To: '+15125550142', From: '+15125550100' });
    expect(sms.Body!.startsWith('BlueWave Pool Service and Greenway Lawn Care: tap to sign in ')).toBe(true); // the shops by name, never "your service providers"
    extractLink(sms.Body!);
    const m = await messageStatus();
    expect(m).toMatchObject({ status: 'sent', provider: 'twilio', provider_id: `SM${String(twilio.received.length).padStart(32, '0')}` });
  });

  it('retries a transient SMTP failure with backoff, then sends', async () => {
    smtp.fail(451);
    const before = smtp.received.length;
    await ask(demo.oneShop.email);
    await t.worker.runOnce();
    let m = await messageStatus();
    expect(m).toMatchObject({ status: 'queued', attempts: 1 });
    expect(m.last_error).toMatch(/SMTP/);
    expect(m.next_attempt_at).toBeGreaterThan(t.clock.now());
    smtp.fail(null);
    await t.worker.runOnce();
    expect((await messageStatus()).status).toBe('queued'); // not due yet
    t.clock.advance(MINUTE);
    await t.worker.runOnce();
    m = await messageStatus();
    expect(m).toMatchObject({ status: 'sent', attempts: 2 });
    expect(smtp.received.length).toBe(before + 1);
    const audit = await t.db.selectFrom('audit_events').select('action').where('subject_id', '=', m.login_request_id).orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual(['login.requested', 'login.link_issued', 'delivery.queued', 'delivery.attempt_failed', 'delivery.sent']);
  });

  it('marks a message failed at once on a permanent provider error, with the reason', async () => {
    twilio.fail({ status: 400, code: 21211, message: "The 'To' number is not a valid phone number." });
    await ask(demo.oneShop.phone);
    await t.worker.runOnce();
    twilio.fail(null);
    const m = await messageStatus();
    expect(m.status).toBe('failed');
    expect(m.last_error).toContain('21211');
    expect(m.payload_enc).toBeNull();
    const audit = await t.db.selectFrom('audit_events').select(['action', 'data']).where('subject_id', '=', m.login_request_id).orderBy('id').execute();
    expect(audit.at(-1)!.action).toBe('delivery.failed');
    expect(JSON.parse(audit.at(-1)!.data).to).toBe('***-***-0187');
  });

  it('does not send a login link that expired while it waited', async () => {
    smtp.fail(421);
    await ask(demo.oneShop.email);
    await t.worker.runOnce();
    smtp.fail(null);
    const before = smtp.received.length;
    t.clock.advance(31 * MINUTE);
    await t.worker.runOnce();
    const m = await messageStatus();
    expect(m.status).toBe('expired');
    expect(smtp.received.length).toBe(before);
  });
});

describe(`email headers (${storeKind})`, () => {
  it('cannot be injected through a shop name', async () => {
    const now = t.clock.now();
    const tenantId = 'evil-shop-id';
    // Written straight to the store, past input validation, to prove the mail layer holds on its own.
    await tenantsRepo(t.db).insert({ id: tenantId, slug: 'evil', name: 'Evil\r\nBcc: thief@evil.example\r\nSubject: hi', brand_color: '#000000', logo_url: null, logo_hash: null, session_days: 30, login_channels: 'both', staff_mfa_required: 0, contact_phone: null, contact_email: null, address: null, status: 'active', created_at: now, updated_at: now });
    await t.services.clients.add(tenantId, { name: 'Victim', email: 'victim@example.com' });
    await ask('victim@example.com');
    await t.worker.runOnce();
    const mail = smtp.received.at(-1)!;
    expect(smtp.envelopes.at(-1)).toEqual(['victim@example.com']);
    expect(mail.headers.has('bcc')).toBe(false);
    expect(mail.from!.value[0]!.name).toBe('Evil Bcc: thief@evil.example Subject: hi');
    expect(mail.subject).not.toMatch(/[\r\n]/);
    expect(mail.subject).toContain('Your sign-in link for Evil');
  });

  it('refuses control characters in shop names at the door', async () => {
    await expect(t.services.tenants.create({ name: 'Bad\nName', slug: 'bad-name' })).rejects.toThrow(/line breaks/);
  });
});

describe(`when a message cannot be delivered (${storeKind})`, () => {
  it('sends by the other channel, through the real SMS provider, when the email bounced', async () => {
    providers.smtp.fail(550);
    t.clock.advance(1000);
    const b = t.browser();
    await b.submit('/client-login', { identifier: demo.oneShop.email });
    await t.worker.runOnce();
    providers.smtp.fail(null);
    const page = await b.get('/client-login/check');
    // Offered to everyone, known or not, and without a digit of the number (no enumeration).
    expect(page.body).toContain('Text me instead');
    expect(page.body).not.toContain('0187');

    const before = twilio.received.length;
    await b.submit('/client-login/check', {}, '/client-login/other-channel');
    await t.worker.runOnce();
    expect(twilio.received.length).toBe(before + 1);
    expect(twilio.received.at(-1)!.To).toBe('+15125550187');
    const after = (await b.get('/client-login/check')).body;
    expect(after).toContain('Check your phone');
    expect(after).toContain('If a mobile number is on file for <strong>m***@example.com</strong>');
  });

  it('keeps each message’s whole life, per client and per login link', async () => {
    providers.smtp.fail(451);
    t.clock.advance(1000);
    await t.browser().submit('/client-login', { identifier: demo.oneShop.email });
    await t.worker.runOnce();
    providers.smtp.fail(null);
    t.clock.advance(10 * MINUTE);
    await t.worker.runOnce();
    const lawn = t.demo!.tenants[0]!;
    const maria = await t.services.clients.resolve(lawn.id, demo.oneShop.email);
    const [latest] = await t.services.history.forClient(lawn.id, maria.id);
    expect(latest).toMatchObject({ channel: 'email', to: 'm***@example.com', status: 'sent', attempts: 2, provider: 'smtp' });
    expect(latest!.events.map((e) => e.kind)).toEqual(['queued', 'attempt_failed', 'sent']);
    expect(latest!.events[1]!.detail).toMatch(/SMTP/);
    const byLink = await t.services.history.forLoginRequest(latest!.loginRequestId!);
    expect(byLink.map((m) => m.id)).toEqual([latest!.id]);
    // Tenant-scoped: the other shop sees nothing of Maria.
    expect(await t.services.history.forClient(t.demo!.tenants[1]!.id, maria.id)).toEqual([]);
  });
});
