// Issue 7, sessions that outlived their purpose:
// - a scanner's GET of an email link got a full 30-day session → link sessions see only the object
//   their link names, for at most 24 hours, never renewed;
// - renewal made sessions immortal → the shop's session length is an absolute lifetime from sign-in;
// - opening a signed link replaced the browser's session (login CSRF) → ask first;
// - logout sends Clear-Site-Data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY, MINUTE } from '../../src/lib/clock.ts';
import { csrfOf } from '../helpers/browser.ts';
import { makeClient, makeInvoice, makeReport, makeShop, signIn } from '../helpers/factories.ts';
import { startTestServer, storeKind, type TestServer } from '../helpers/harness.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ seed: false });
});
afterAll(async () => t?.close());

async function homeowner() {
  const shop = await makeShop(t, { name: 'Greenway Lawn Care' });
  const c = await makeClient(t, shop.id, { name: 'Maria Lopez' });
  const mine = await makeInvoice(t, shop.id, c.external_id!, { number: 'A-100' });
  const other = await makeInvoice(t, shop.id, c.external_id!, { number: 'B-200' });
  const report = await makeReport(t, shop.id, c.external_id!);
  const link = (object: 'invoice' | 'report', objectId: string) =>
    t.services.links.urlFor({ tenantId: shop.id, clientId: c.id, linkVersion: c.link_version, object, objectId }).url;
  return { shop, c, mine, other, report, link };
}

const sessionRow = (b: ReturnType<TestServer['browser']>) =>
  t.db.selectFrom('sessions').selectAll().where('id', '=', b.cookie('session')!.split('.')[0]!).executeTakeFirstOrThrow();

describe(`a session from an email link sees only what the link names (${storeKind})`, () => {
  it('a cookieless GET of an invoice link can view and pay that invoice, and nothing else', async () => {
    const h = await homeowner();
    const scanner = t.browser();
    const res = await scanner.get(h.link('invoice', h.mine.id));
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/portal/invoices/${h.mine.id}`);
    expect((await sessionRow(scanner)).kind).toBe('link');

    const invoice = await scanner.get(`/portal/invoices/${h.mine.id}`);
    expect(invoice.statusCode).toBe(200);
    expect(invoice.body).toContain('Invoice A-100');

    // Everything else offers "See all your invoices" instead of showing it.
    for (const url of ['/portal', '/portal/invoices', '/portal/reports', '/portal/profile', `/portal/invoices/${h.other.id}`, `/portal/reports/${h.report.id}`]) {
      const page = await scanner.get(url);
      expect(page.body, url).not.toContain('B-200');
      expect(page.body, url).not.toContain(h.report.title);
      expect(page.body, url).not.toContain(h.c.email!);
      expect(page.body, url).toContain('See all your invoices');
    }
    expect((await scanner.get(`/portal/invoices/${h.other.id}`)).statusCode).toBe(403);
    expect((await scanner.get(`/portal/reports/${h.report.id}`)).statusCode).toBe(403);
    const otherPay = await scanner.post(`/portal/invoices/${h.other.id}/pay`, { _csrf: csrfOf(invoice.body) });
    expect(otherPay.statusCode).toBe(403);
    expect((await t.db.selectFrom('invoices').select('status').where('id', '=', h.other.id).executeTakeFirstOrThrow()).status).toBe('sent');

    // The one-tap pay promise stays: this invoice can be paid, and its receipt read.
    const paid = await scanner.post(`/portal/invoices/${h.mine.id}/pay`, { _csrf: csrfOf(invoice.body) });
    expect(paid.statusCode).toBe(303);
    expect((await scanner.get(`/portal/invoices/${h.mine.id}?paid=1`)).body).toContain('Receipt');
  });

  // Review finding: the link was checked outside the transaction that creates its session.
  it('a contact change between the check and the session kills the link', async () => {
    const h = await homeowner();
    const token = h.link('invoice', h.mine.id).split('/s/')[1]!;
    const checked = await t.services.links.check(token, { ip: null, userAgent: null });
    expect(checked.kind).toBe('ok');
    await t.services.clients.update(h.shop.id, h.c.id, { email: `changed.${Date.now()}@example.com` });
    const before = await t.db.selectFrom('sessions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(await t.services.links.open(checked as Extract<typeof checked, { kind: 'ok' }>, { ip: null, userAgent: null }, { keepSession: false })).toEqual({ ok: false });
    expect(await t.db.selectFrom('sessions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).toEqual(before);
  });

  it('a report link opens that report only', async () => {
    const h = await homeowner();
    const b = t.browser();
    expect((await b.get(h.link('report', h.report.id))).headers.location).toBe(`/portal/reports/${h.report.id}`);
    expect((await b.get(`/portal/reports/${h.report.id}`)).body).toContain(h.report.title);
    expect((await b.get(`/portal/invoices/${h.mine.id}`)).statusCode).toBe(403);
  });

  it('"See all your invoices" sends a sign-in link to the contact on file, in one tap', async () => {
    const h = await homeowner();
    const b = t.browser();
    await b.get(h.link('invoice', h.mine.id));
    const page = await b.get('/portal/invoices');
    const before = (await t.messagesTo(h.c.email!)).length;
    const res = await b.post('/portal/send-link', { _csrf: csrfOf(page.body) });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/client-login/check');
    const msg = await t.lastMessageTo(h.c.email!);
    expect((await t.messagesTo(h.c.email!)).length).toBe(before + 1);
    // The login link opens everything (a normal session).
    expect((await b.get(msg.link)).headers.location).toBe('/portal');
    expect((await b.get('/portal/invoices')).body).toContain('B-200');
  });

  it('lasts 24 hours at most and is never renewed', async () => {
    const h = await homeowner();
    const b = t.browser();
    const res = await b.get(h.link('invoice', h.mine.id));
    expect(res.cookies.find((c) => c.name === 'sp_session')!.maxAge).toBe(24 * 3600);
    for (let i = 0; i < 3; i++) {
      t.clock.advance(7 * 60 * MINUTE);
      const page = await b.get(`/portal/invoices/${h.mine.id}`);
      expect(page.statusCode).toBe(200);
      expect(page.cookies.find((c) => c.name === 'sp_session')).toBeUndefined();
    }
    t.clock.advance(3 * 60 * MINUTE + 1);
    expect((await b.get(`/portal/invoices/${h.mine.id}`)).statusCode).toBe(303);
  });
});

describe(`sessions end (${storeKind})`, () => {
  it('at the shop’s session length after sign-in, however often they are used', async () => {
    const shop = await makeShop(t, { sessionDays: 30 });
    const c = await makeClient(t, shop.id);
    const b = await signIn(t, c.email!);
    for (let day = 10; day < 30; day += 10) {
      t.clock.advance(10 * DAY);
      expect((await b.get('/portal')).statusCode).toBe(200);
    }
    t.clock.advance(10 * DAY);
    expect((await b.get('/portal')).statusCode).toBe(303);
  });

  it('sooner when idle longer than SESSION_IDLE_DAYS, and sliding while used', async () => {
    const s = await startTestServer({ seed: false, env: { SESSION_IDLE_DAYS: '7' } });
    try {
      const shop = await makeShop(s, { sessionDays: 30 });
      const c = await makeClient(s, shop.id);
      const b = await signIn(s, c.email!);
      s.clock.advance(5 * DAY);
      const renewed = await b.get('/portal');
      expect(renewed.statusCode).toBe(200);
      expect(renewed.cookies.find((x) => x.name === 'sp_session')?.maxAge).toBe(7 * 24 * 3600);
      s.clock.advance(6 * DAY); // 11 days in, 6 idle: still fine
      expect((await b.get('/portal')).statusCode).toBe(200);
      s.clock.advance(7 * DAY + 1);
      expect((await b.get('/portal')).statusCode).toBe(303);
    } finally {
      await s.close();
    }
  });

  it('renews near the absolute end only up to it, and never idles longer than the shop’s length', async () => {
    const s = await startTestServer({ seed: false, env: { SESSION_IDLE_DAYS: '7' } });
    try {
      const shop = await makeShop(s, { sessionDays: 10 });
      const c = await makeClient(s, shop.id);
      const b = await signIn(s, c.email!);
      s.clock.advance(4 * DAY);
      expect((await b.get('/portal')).cookies.find((x) => x.name === 'sp_session')?.maxAge).toBe(6 * 24 * 3600); // to the 10-day end, not 7 more days
      await s.services.tenants.setSessionDays(shop.id, 3); // now shorter than the idle limit
      expect((await b.get('/portal')).statusCode).toBe(303); // 4 days in: past the new 3-day end
      const fresh = await signIn(s, c.email!);
      const first = await fresh.get('/portal');
      expect(first.statusCode).toBe(200);
      s.clock.advance(3 * DAY + 1);
      expect((await fresh.get('/portal')).statusCode).toBe(303);
    } finally {
      await s.close();
    }
  });

  it('a link session stored with a longer expiry (before the limit) still ends after a day', async () => {
    const h = await homeowner();
    const b = t.browser();
    await b.get(h.link('invoice', h.mine.id));
    const id = b.cookie('session')!.split('.')[0]!;
    await t.db.updateTable('sessions').set({ expires_at: t.clock.now() + 30 * DAY }).where('id', '=', id).execute();
    t.services.sessions.forgetCached();
    t.clock.advance(DAY + 1);
    expect((await b.get(`/portal/invoices/${h.mine.id}`)).statusCode).toBe(303);
  });

  it('logout tells the browser to clear its cookies', async () => {
    const shop = await makeShop(t);
    const c = await makeClient(t, shop.id);
    const b = await signIn(t, c.email!);
    const out = await b.post('/logout', { _csrf: csrfOf((await b.get('/portal')).body) });
    expect(out.headers['clear-site-data']).toBe('"cookies"');
  });
});

describe(`a signed link does not silently replace another person’s session (${storeKind})`, () => {
  it('asks before switching, and keeps the current session until confirmed', async () => {
    const h = await homeowner();
    const pools = await makeShop(t, { name: 'BlueWave Pool Service' });
    const sam = await makeClient(t, pools.id, { name: 'Sam Carter' });
    const b = await signIn(t, sam.email!);
    const samSession = b.cookie('session');
    const sessionsBefore = await t.db.selectFrom('sessions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();

    const link = h.link('invoice', h.mine.id);
    const ask = await b.get(link);
    expect(ask.statusCode).toBe(200);
    expect(ask.body).toContain('You’re signed in as Sam Carter at BlueWave Pool Service');
    expect(ask.body).toContain('Continue as Maria Lopez at Greenway Lawn Care');
    expect(b.cookie('session')).toBe(samSession);
    expect(await t.db.selectFrom('sessions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).toEqual(sessionsBefore);
    expect((await b.get('/portal')).body).toContain('Sam');

    const yes = await b.post(link, { _csrf: csrfOf(ask.body) });
    expect(yes.statusCode).toBe(303);
    expect(yes.headers.location).toBe(`/portal/invoices/${h.mine.id}`);
    expect(b.cookie('session')).not.toBe(samSession);
    expect((await b.get(`/portal/invoices/${h.mine.id}`)).body).toContain('A-100');
  });

  it('a forged POST (no CSRF token) switches nothing', async () => {
    const h = await homeowner();
    const pools = await makeShop(t);
    const sam = await makeClient(t, pools.id);
    const b = await signIn(t, sam.email!);
    const before = b.cookie('session');
    const res = await b.post(h.link('invoice', h.mine.id), { _csrf: 'forged' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(h.link('invoice', h.mine.id).replace(/^https?:\/\/[^/]+/, ''));
    expect(b.cookie('session')).toBe(before);
  });

  // Review finding: a cross-site form POST carries no SameSite=Lax cookies, so the server saw
  // "no session" and landed the attacker's link session in the victim's browser.
  it('a cross-site POST, which carries no cookies, lands no session', async () => {
    const h = await homeowner();
    const sessionsBefore = await t.db.selectFrom('sessions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const path = h.link('invoice', h.mine.id).replace(/^https?:\/\/[^/]+/, '');
    const res = await t.app.inject({ method: 'POST', url: path, headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' }, payload: '' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(path);
    expect(res.cookies.find((c) => c.name === 'sp_session')).toBeUndefined();
    expect(await t.db.selectFrom('sessions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).toEqual(sessionsBefore);
  });

  it('same client, same shop: still one tap, and a full session is kept', async () => {
    const h = await homeowner();
    const b = await signIn(t, h.c.email!);
    const full = b.cookie('session');
    const res = await b.get(h.link('invoice', h.mine.id));
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/portal/invoices/${h.mine.id}`);
    expect(b.cookie('session')).toBe(full);
    expect((await b.get('/portal/invoices')).body).toContain('B-200');
  });
});
