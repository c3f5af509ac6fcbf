// Issue 7, the remaining findings on the login flow: the "other channel" offer that told anyone an
// address was on file, links sent with seconds to live, third-party logos on token pages, audit
// rows missing who and until when, the development outbox behind a proxy, and TRUNCATE.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { MINUTE } from '../../src/lib/clock.ts';
import { tenantsRepo } from '../../src/modules/tenants/tenants.repo.ts';
import { csrfOf } from '../helpers/browser.ts';
import { askLink, makeClient, makeInvoice, makeShop, newPhone } from '../helpers/factories.ts';
import { startTestServer, storeKind, type TestServer } from '../helpers/harness.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ seed: false, env: { UNKNOWN_EMAIL_NOTICE: 'false' } });
});
afterAll(async () => t?.close());

const withoutCsrf = (body: string) => body.replace(/name="_csrf" value="[^"]+"/g, '');

describe(`"try the other channel" tells nobody what is on file (${storeKind})`, () => {
  it('looks and behaves the same for a known address whose email bounced and for an unknown one', async () => {
    const shop = await makeShop(t);
    const phone = newPhone();
    const known = await makeClient(t, shop.id, { email: `mia.${Date.now()}@example.com`, phone });
    const unknownEmail = `mallory.${Date.now()}@example.com`; // masks to m***@example.com as well
    const a = (await askLink(t, known.email!)).browser;
    const b = (await askLink(t, unknownEmail)).browser;
    await t.worker.runOnce();
    await t.db.updateTable('outbox_messages').set({ delivery_status: 'bounced', delivery_reason: 'Mailbox does not exist' }).where('to_address', '=', known.email!).execute();

    const pageA = await a.get('/client-login/check');
    const pageB = await b.get('/client-login/check');
    expect(withoutCsrf(pageA.body)).toBe(withoutCsrf(pageB.body));
    expect(pageA.body).toContain('Text me instead');
    expect(pageA.body).not.toContain(phone.slice(-4));

    const resA = await a.post('/client-login/other-channel', { _csrf: csrfOf(pageA.body) });
    const resB = await b.post('/client-login/other-channel', { _csrf: csrfOf(pageB.body) });
    expect([resA.statusCode, resA.headers.location]).toEqual([resB.statusCode, resB.headers.location]);
    const afterA = await a.get('/client-login/check');
    const afterB = await b.get('/client-login/check');
    expect(withoutCsrf(afterA.body)).toBe(withoutCsrf(afterB.body));
    expect(afterA.body).toContain('If a mobile number is on file');
    expect(afterA.body).not.toContain(phone.slice(-4));

    // Only the known client's phone gets the text, and its code signs in that browser.
    const text = await t.lastMessageTo(phone);
    expect(text.channel).toBe('sms');
    const done = await a.submit('/client-login/check', { code: text.code });
    expect(done.headers.location).toBe('/portal');
  });
  it('the same for a phone: "Email me instead" says nothing about what is on file', async () => {
    const shop = await makeShop(t);
    const phone = newPhone();
    const known = await makeClient(t, shop.id, { phone });
    let unknownPhone = newPhone();
    while (unknownPhone.slice(-4) === phone.slice(-4)) unknownPhone = newPhone();
    const a = (await askLink(t, phone)).browser;
    const b = (await askLink(t, unknownPhone)).browser;
    const mask = (body: string) => withoutCsrf(body).replace(/\*\*\*-\*\*\*-\d{4}/g, '***-***-####');
    const pageA = await a.get('/client-login/check');
    const pageB = await b.get('/client-login/check');
    expect(mask(pageA.body)).toBe(mask(pageB.body));
    expect(pageA.body).toContain('Email me instead');
    await a.post('/client-login/other-channel', { _csrf: csrfOf(pageA.body) });
    await b.post('/client-login/other-channel', { _csrf: csrfOf(pageB.body) });
    const afterA = await a.get('/client-login/check');
    expect(mask(afterA.body)).toBe(mask((await b.get('/client-login/check')).body));
    expect(afterA.body).toContain('If an email address is on file');
    expect(afterA.body).not.toContain(known.email!);
    expect(await t.messagesTo(known.email!)).toHaveLength(1);
  });
});

describe(`no login link goes out with less than 5 minutes to live (${storeKind})`, () => {
  it('drops a link the worker reaches late, and audits it', async () => {
    const shop = await makeShop(t);
    const c = await makeClient(t, shop.id);
    await askLink(t, c.email!);
    t.clock.advance(26 * MINUTE); // the worker was down; 4 minutes of the 30 are left
    expect(await t.messagesTo(c.email!)).toHaveLength(0);
    const row = await t.db.selectFrom('login_requests').select('id').where('identifier', '=', c.email!).executeTakeFirstOrThrow();
    const actions = (await t.db.selectFrom('audit_events').select('action').where('subject_id', '=', row.id).execute()).map((a) => a.action);
    expect(actions).toContain('delivery.expired');
  });
});

describe(`pages that carry a token load nothing from another origin (${storeKind})`, () => {
  let logoServer: Server;
  let logoBase: string;
  const png = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(200, 7)]);
  beforeAll(async () => {
    logoServer = createServer((req, res) => {
      if (req.url === '/logo.png') return res.writeHead(200, { 'content-type': 'image/png' }).end(png);
      if (req.url === '/huge.png') return res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.concat([png, Buffer.alloc(600_000)]));
      if (req.url === '/page.html') return res.writeHead(200, { 'content-type': 'text/html' }).end('<svg onload=alert(1)>');
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => logoServer.listen(0, '127.0.0.1', () => r()));
    logoBase = `http://127.0.0.1:${(logoServer.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => logoServer.close(() => r())));

  it('the Continue page shows no third-party logo, and its CSP allows none', async () => {
    const shop = await makeShop(t);
    await tenantsRepo(t.db).update(shop.id, { logo_url: 'https://cdn.example.net/logo.png' });
    const c = await makeClient(t, shop.id);
    await askLink(t, c.email!);
    const msg = await t.lastMessageTo(c.email!);
    const page = await t.browser().get(msg.link);
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('cdn.example.net');
    expect(page.body).not.toMatch(/src="https?:/);
    expect(page.headers['content-security-policy']).not.toMatch(/img-src[^;]*https:/);
  });

  it('serves a shop’s logo from our origin, fetched and checked when it is set', async () => {
    const shop = await t.services.tenants.create({ name: 'Logo Lawns', slug: `logo-${Date.now()}`, logoUrl: `${logoBase}/logo.png` });
    const c = await makeClient(t, shop.id);
    await askLink(t, c.email!);
    const msg = await t.lastMessageTo(c.email!);
    const page = await t.browser().get(msg.link);
    const src = /<img src="([^"]+)"/.exec(page.body)?.[1];
    expect(src).toMatch(/^\/brand\//);
    const logo = await t.app.inject({ url: src! });
    expect(logo.statusCode).toBe(200);
    expect(logo.headers['content-type']).toBe('image/png');
    expect(logo.rawPayload.equals(png)).toBe(true);
    expect(logo.headers['cache-control']).toContain('immutable');

    await expect(t.services.tenants.create({ name: 'Huge', slug: `huge-${Date.now()}`, logoUrl: `${logoBase}/huge.png` })).rejects.toThrow(/too large/);
    await expect(t.services.tenants.create({ name: 'Html', slug: `html-${Date.now()}`, logoUrl: `${logoBase}/page.html` })).rejects.toThrow(/PNG, JPEG, GIF or WebP/);
    await expect(t.services.tenants.create({ name: 'Gone', slug: `gone-${Date.now()}`, logoUrl: `${logoBase}/missing.png` })).rejects.toThrow(/404/);
  });

  it('the Continue page of a link for two shops names both', async () => {
    const a = await makeShop(t, { name: 'Greenway Lawn Care' });
    const b = await makeShop(t, { name: 'BlueWave Pool Service' });
    const email = `both.${Date.now()}@example.com`;
    await makeClient(t, a.id, { email });
    await makeClient(t, b.id, { email });
    await askLink(t, email);
    const msg = await t.lastMessageTo(email);
    const page = await t.browser().get(msg.link);
    expect(page.body).toContain('Greenway Lawn Care');
    expect(page.body).toContain('BlueWave Pool Service');
  });
});

describe(`the audit trail says who and until when (${storeKind})`, () => {
  it('records the user agent and the expiry of an issued link', async () => {
    const shop = await makeShop(t);
    const c = await makeClient(t, shop.id);
    await askLink(t, c.email!, t.browser(), { 'user-agent': 'Mozilla/5.0 (Audit Test)' });
    await t.worker.runOnce();
    const row = await t.db.selectFrom('login_requests').select(['id', 'expires_at']).where('identifier', '=', c.email!).executeTakeFirstOrThrow();
    const events = await t.db.selectFrom('audit_events').select(['action', 'data', 'ip']).where('subject_id', '=', row.id).execute();
    for (const action of ['login.requested', 'login.link_issued']) {
      const e = events.find((x) => x.action === action)!;
      expect(JSON.parse(e.data), action).toMatchObject({ userAgent: 'Mozilla/5.0 (Audit Test)', expiresAt: new Date(row.expires_at).toISOString() });
      expect(e.ip, action).toBe('127.0.0.1');
    }
  });

  it('records the IP of signed-link issuance and use', async () => {
    const shop = await makeShop(t);
    const c = await makeClient(t, shop.id);
    const inv = await makeInvoice(t, shop.id, c.external_id!);
    const key = (await t.services.apiKeys.create(shop.id, 'Office')).key;
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/emails', remoteAddress: '198.51.100.7', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, payload: JSON.stringify({ type: 'invoice_sent', externalId: inv.external_id }) });
    expect(res.statusCode).toBe(202);
    const issued = await t.db.selectFrom('audit_events').select(['ip', 'data']).where('action', '=', 'email.invoice_sent').where('subject_id', '=', inv.id).executeTakeFirstOrThrow();
    expect(issued.ip).toBe('198.51.100.7');
    expect(JSON.parse(issued.data).linkExpiresAt).toMatch(/^\d{4}-/);
    const [mail] = await t.messagesTo(c.email!);
    const link = /https?:\/\/\S+\/s\/[A-Za-z0-9_~.-]+/.exec(mail!.text)![0];
    await t.app.inject({ url: link.replace(/^https?:\/\/[^/]+/, ''), remoteAddress: '203.0.113.9' });
    const used = await t.db.selectFrom('audit_events').select(['ip']).where('action', '=', 'link.redeemed').where('subject_id', '=', inv.id).executeTakeFirstOrThrow();
    expect(used.ip).toBe('203.0.113.9');
  });
});

describe('the development outbox is for this machine only', () => {
  it('exists only when PUBLIC_URL is a loopback address', async () => {
    const behindProxy = await startTestServer({ seed: false, env: { PUBLIC_URL: 'http://portal.example.com' } });
    try {
      expect(behindProxy.config.devOutbox).toBe(false);
      expect((await behindProxy.app.inject({ url: '/dev/outbox.json' })).statusCode).toBe(404);
    } finally {
      await behindProxy.close();
    }
    expect((await t.app.inject({ url: '/dev/outbox.json' })).statusCode).toBe(200);
    // Review finding: a tunnel to 127.0.0.1 arrives from loopback too; its Host and headers tell.
    expect((await t.app.inject({ url: '/dev/outbox.json', headers: { host: 'abc123.ngrok.app' } })).statusCode).toBe(404);
    expect((await t.app.inject({ url: '/dev/outbox.json', headers: { 'x-forwarded-for': '198.51.100.1' } })).statusCode).toBe(404);
    expect((await t.app.inject({ url: '/dev/outbox', headers: { forwarded: 'for=198.51.100.1' } })).statusCode).toBe(404);
  });

  it('refuses to start in development on a non-loopback HOST unless explicitly allowed', () => {
    expect(() => loadConfig({ NODE_ENV: 'development', HOST: '0.0.0.0' })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'development', HOST: '0.0.0.0' })).toThrow(/HOST/);
    expect(loadConfig({ NODE_ENV: 'development', HOST: '0.0.0.0', DEV_ALLOW_REMOTE: 'true' }).host).toBe('0.0.0.0');
    expect(loadConfig({ NODE_ENV: 'development', HOST: '::1' }).host).toBe('::1');
  });
});

describe(`the audit log cannot be emptied (${storeKind})`, () => {
  it('refuses UPDATE, DELETE and (PostgreSQL) TRUNCATE', async () => {
    await expect(t.db.updateTable('audit_events').set({ action: 'x' }).execute()).rejects.toThrow(/append-only/);
    await expect(t.db.deleteFrom('audit_events').execute()).rejects.toThrow(/append-only/);
    if (storeKind === 'postgres') await expect(sql`TRUNCATE audit_events`.execute(t.db)).rejects.toThrow(/append-only/);
    expect(Number((await t.db.selectFrom('audit_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n)).toBeGreaterThan(0);
  });
});

describe(`security headers (${storeKind})`, () => {
  it('every page: a strict CSP with no inline style or script, helmet’s headers, no HSTS on plain http', async () => {
    const res = await t.app.inject({ url: '/client-login' });
    const h = res.headers;
    expect(h['content-security-policy']).toBe("default-src 'none';style-src 'self';script-src 'self';img-src 'self' data:;form-action 'self';frame-ancestors 'none';base-uri 'none'");
    expect(h['x-frame-options']).toBe('DENY');
    expect(h['x-content-type-options']).toBe('nosniff');
    expect(h['cross-origin-opener-policy']).toBe('same-origin');
    expect(h['cross-origin-resource-policy']).toBe('same-origin');
    expect(h['permissions-policy']).toContain('camera=()');
    expect(h['cache-control']).toBe('no-store');
    expect(h['strict-transport-security']).toBeUndefined();
    // No inline style anywhere a page could need it: the brand colour is a stylesheet.
    expect(res.body).not.toMatch(/<style|style="/);
    const theme = /<link rel="stylesheet" href="(\/theme\/[0-9a-f-]+\.css)">/.exec(res.body)![1]!;
    const css = await t.app.inject({ url: theme });
    expect(css.headers['content-type']).toContain('text/css');
    expect(css.body).toBe('.t-2563eb{--brand:#2563eb;--shop:#2563eb}');
    expect((await t.app.inject({ url: '/theme/zzz.css' })).statusCode).toBe(404);
  });
});
