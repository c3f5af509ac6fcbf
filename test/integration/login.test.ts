// The login flow over HTTP, reading messages the way a client reads them. Runs on SQLite, and on
// PostgreSQL when DATABASE_URL is set.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '../../src/modules/demo/seed.ts';
import { MINUTE } from '../../src/lib/clock.ts';
import { sha256 } from '../../src/lib/crypto.ts';
import { csrfOf } from '../helpers/browser.ts';
import { makeClient, makeShop } from '../helpers/factories.ts';
import { startTestServer, storeKind, type TestServer } from '../helpers/harness.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => t?.close());

async function requestLink(identifier: string, browser = t.browser()) {
  const res = await browser.submit('/client-login', { identifier });
  return { browser, res };
}

describe(`login by link (${storeKind})`, () => {
  it('emails a one-time link that a fresh browser must confirm with one POST', async () => {
    const { res } = await requestLink('  Maria@Example.COM ');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/client-login/check');

    const msg = await t.lastMessageTo(demo.oneShop.email);
    expect(msg.channel).toBe('email');
    expect(msg.subject).toBe('Your sign-in link for Greenway Lawn Care');
    expect(msg.link).toMatch(/^http:\/\/localhost:3000\/l\/[A-Za-z0-9_-]{48}$/);
    expect(msg.html).toContain(msg.link);

    // A scanner or another device: GET shows a Continue button and consumes nothing, however often.
    const phone = t.browser();
    for (let i = 0; i < 2; i++) {
      const page = await phone.get(msg.link);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('Sign in to Greenway Lawn Care');
      expect(page.body).toContain('>Continue</button>');
      expect(page.headers['cache-control']).toBe('no-store');
      expect(page.headers['referrer-policy']).toBe('no-referrer');
      expect(phone.cookie('session')).toBeUndefined();
    }
    const done = await phone.post(msg.link, { _csrf: csrfOf((await phone.get(msg.link)).body) });
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe('/portal');
    const session = done.cookies.find((c) => c.name === 'sp_session')!;
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(session.maxAge).toBe(30 * 24 * 3600);

    const portal = await phone.get('/portal');
    expect(portal.statusCode).toBe(200);
    expect(portal.body).toContain('Hi Maria');
    expect(portal.body).toContain('Greenway Lawn Care');

    // Used: the same link now only shows the friendly expired page, in any browser.
    const reused = await t.browser().get(msg.link);
    expect(reused.statusCode).toBe(410);
    expect(reused.body).toContain('This link has expired');
  });

  it('signs in with one tap when the link is opened in the browser that asked for it', async () => {
    const { browser } = await requestLink(demo.oneShop.email);
    const msg = await t.lastMessageTo(demo.oneShop.email);
    const res = await browser.get(msg.link);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/portal');
    expect(res.headers.location).not.toContain('/l/');
    expect(browser.cookie('bind')).toBeUndefined();
    expect((await browser.get('/portal')).body).toContain('Hi Maria');
  });

  it('texts the link and code when a phone number is entered, in one segment', async () => {
    const { browser } = await requestLink('(512) 555-0187');
    const msg = await t.lastMessageTo('+15125550187');
    expect(msg.channel).toBe('sms');
    expect(msg.text.length).toBeLessThanOrEqual(160);
    expect(msg.text).toContain('Greenway Lawn Care');
    const check = await browser.get('/client-login/check');
    expect(check.body).toContain('Check your phone');
    expect(check.body).toContain('***-***-0187');
  });

  it('gives the same answer for unknown and known identifiers', async () => {
    await t.worker.runOnce();
    const rows = async () => ({
      jobs: Number((await t.db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n),
      audit: Number((await t.db.selectFrom('audit_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n),
    });
    const before = await rows();
    const known = await requestLink(demo.oneShop.email); // m***@example.com
    const afterKnown = await rows();
    const unknown = await requestLink('mallory@example.com'); // m***@example.com too
    const afterUnknown = await rows();
    // The request path writes the same rows either way (matching happens later, in the worker).
    expect({ jobs: afterKnown.jobs - before.jobs, audit: afterKnown.audit - before.audit }).toEqual({ jobs: 1, audit: 1 });
    expect({ jobs: afterUnknown.jobs - afterKnown.jobs, audit: afterUnknown.audit - afterKnown.audit }).toEqual({ jobs: 1, audit: 1 });
    for (const r of [known.res, unknown.res]) {
      expect(r.statusCode).toBe(303);
      expect(r.headers.location).toBe('/client-login/check');
    }
    const names = (r: typeof known.res) => r.cookies.map((c) => `${c.name}:${c.maxAge}:${c.httpOnly}`).sort();
    expect(names(unknown.res)).toEqual(names(known.res));
    const page = async (b: typeof known.browser) => (await b.get('/client-login/check')).body.replace(/name="_csrf" value="[^"]+"/g, '');
    expect(await page(unknown.browser)).toBe(await page(known.browser));
    // The unknown address gets a notice that no portal uses it, never a link.
    const notices = await t.messagesTo('mallory@example.com');
    expect(notices.map((m) => m.subject)).toEqual(['We couldn’t find a client portal for this address']);
    expect(notices[0]!.text).not.toMatch(/\/l\//);
  });

  it('rejects bad input with a specific message and keeps what was typed', async () => {
    const b = t.browser();
    const res = await b.submit('/client-login', { identifier: 'maria@example' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('That email address doesn’t look complete');
    expect(res.body).toContain('value="maria@example"');
    expect(res.body).toContain('aria-invalid="true"');
    const phone = await b.submit('/client-login', { identifier: '555-12' });
    expect(phone.statusCode).toBe(400);
    expect(phone.body).toMatch(/email address \(like jo@example.com\) or a mobile number/);
    const empty = await b.submit('/client-login', { identifier: '  ' });
    expect(empty.body).toContain('Enter the email address or mobile number');
  });

  it('refuses a form without its CSRF token, and one from another origin', async () => {
    const b = t.browser();
    await b.get('/client-login');
    const res = await b.post('/client-login', { identifier: demo.oneShop.email, _csrf: 'forged' });
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('value="maria@example.com"');
    const page = await b.get('/client-login');
    const cross = await b.post('/client-login', { identifier: demo.oneShop.email, _csrf: csrfOf(page.body) }, { origin: 'https://evil.example' });
    expect(cross.statusCode).toBe(403);
  });

  it('gives exactly one session when one link is redeemed many times in parallel', async () => {
    await requestLink(demo.oneShop.email);
    const msg = await t.lastMessageTo(demo.oneShop.email);
    const browsers = Array.from({ length: 12 }, () => t.browser());
    const tokens = await Promise.all(browsers.map(async (b) => csrfOf((await b.get(msg.link)).body)));
    const before = await countSessions();
    const results = await Promise.all(browsers.map((b, i) => b.post(msg.link, { _csrf: tokens[i]! })));
    expect(results.filter((r) => r.statusCode === 303)).toHaveLength(1);
    expect(results.filter((r) => r.statusCode === 410)).toHaveLength(11);
    expect(await countSessions()).toBe(before + 1);
  });

  // Redeeming consumes the link and retires the identifier's other links in one step (one
  // statement on PostgreSQL, its pending logins locked in id order): links of one person used at
  // the same moment must neither deadlock nor both sign in.
  it('gives exactly one session when several links of one person are each redeemed at once', async () => {
    const links: string[] = [];
    for (let i = 0; i < 5; i++) {
      await requestLink(demo.oneShop.email);
      links.push((await t.lastMessageTo(demo.oneShop.email)).link);
    }
    const attempts = links.flatMap((link) => [link, link, link]);
    const browsers = attempts.map(() => t.browser());
    const tokens = await Promise.all(browsers.map(async (b, i) => csrfOf((await b.get(attempts[i]!)).body)));
    const before = await countSessions();
    const results = await Promise.all(browsers.map((b, i) => b.post(attempts[i]!, { _csrf: tokens[i]! })));
    expect(results.map((r) => r.statusCode).sort()).toEqual([303, ...Array(14).fill(410)]);
    expect(await countSessions()).toBe(before + 1);
    const rows = await t.db.selectFrom('login_requests').select(['status']).where('identifier', '=', demo.oneShop.email).where('status', 'in', ['pending', 'consumed', 'superseded']).execute();
    expect(rows.filter((r) => r.status === 'pending')).toEqual([]);
  });

  // On PostgreSQL the token lookups of one moment are one query (token_hash = any(…)): each link
  // must still get its own login, and so its own person's session.
  it('signs each person into their own portal when different links are used at the same moment', async () => {
    const shop = await makeShop(t);
    const people = await Promise.all(Array.from({ length: 6 }, () => makeClient(t, shop.id)));
    const links: string[] = [];
    for (const c of people) {
      await requestLink(c.email!);
      links.push((await t.lastMessageTo(c.email!)).link);
    }
    const browsers = links.map(() => t.browser());
    const tokens = await Promise.all(browsers.map(async (b, i) => csrfOf((await b.get(links[i]!)).body)));
    const results = await Promise.all(browsers.map((b, i) => b.post(links[i]!, { _csrf: tokens[i]! })));
    expect(results.map((r) => r.statusCode)).toEqual(Array(6).fill(303));
    const sessions = await Promise.all(
      browsers.map((b) => t.db.selectFrom('sessions').select(['tenant_id', 'client_id']).where('id', '=', b.cookie('session')!.split('.')[0]!).executeTakeFirstOrThrow()),
    );
    expect(sessions).toEqual(people.map((c) => ({ tenant_id: shop.id, client_id: c.id })));
  });

  it('expires links after 30 minutes', async () => {
    await requestLink(demo.oneShop.email);
    const msg = await t.lastMessageTo(demo.oneShop.email);
    t.clock.advance(30 * MINUTE + 1);
    const b = t.browser();
    expect((await b.get(msg.link)).statusCode).toBe(410);
    const events = await t.db.selectFrom('audit_events').select(['action', 'data']).where('action', '=', 'login.redemption_failed').execute();
    expect(events.some((e) => JSON.parse(e.data).reason === 'expired')).toBe(true);
  });

  it('retires the other outstanding links of an identifier when one is used', async () => {
    await requestLink(demo.oneShop.email);
    const first = await t.lastMessageTo(demo.oneShop.email);
    await requestLink(demo.oneShop.email);
    const second = await t.lastMessageTo(demo.oneShop.email);
    expect(second.link).not.toBe(first.link);
    const b = t.browser();
    const ok = await b.post(second.link, { _csrf: csrfOf((await b.get(second.link)).body) });
    expect(ok.statusCode).toBe(303);
    expect((await t.browser().get(first.link)).statusCode).toBe(410);
  });

  // Regression: a link kept working after the shop changed the client's email.
  it('stops a link when the client no longer has that email', async () => {
    const shop = await makeShop(t);
    const c = await makeClient(t, shop.id);
    await requestLink(c.email!);
    const msg = await t.lastMessageTo(c.email!);
    await t.services.clients.update(shop.id, c.id, { email: `new.${c.email}` });
    const b = t.browser();
    const res = await b.post(msg.link, { _csrf: csrfOf((await b.get(msg.link)).body) });
    expect(res.statusCode).toBe(410);
    expect(b.cookie('session')).toBeUndefined();
  });

  // Redeeming reads the shops a login may enter together with consuming it (one statement on
  // PostgreSQL): what counts is each shop's state at that moment, not when the link was sent.
  it('signs a client of two shops straight into the one still active when the link is used', async () => {
    const open = await makeShop(t, { name: 'Aardvark Pest', sessionDays: 7 });
    const closing = await makeShop(t, { name: 'Zephyr Cleaning' });
    const email = `two-shops-${Date.now()}@example.com`;
    const mine = await makeClient(t, open.id, { email });
    await makeClient(t, closing.id, { email });
    await requestLink(email);
    const msg = await t.lastMessageTo(email);
    expect(msg.subject).toBe('Your sign-in link for Aardvark Pest and Zephyr Cleaning');
    await t.services.tenants.setStatus(closing.id, 'disabled');
    const b = t.browser();
    const signedInAt = t.clock.now();
    const res = await b.post(msg.link, { _csrf: csrfOf((await b.get(msg.link)).body) });
    expect(res.headers.location).toBe('/portal');
    const row = await t.db.selectFrom('sessions').selectAll().where('id', '=', b.cookie('session')!.split('.')[0]!).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ tenant_id: open.id, client_id: mine.id, expires_at: signedInAt + 7 * 24 * 60 * MINUTE });
    const request = await t.db.selectFrom('login_requests').select(['id', 'status']).where('token_hash', '=', sha256(msg.link.split('/l/')[1]!)).executeTakeFirstOrThrow();
    expect(request.status).toBe('consumed');
    const consumed = await t.db.selectFrom('audit_events').select('tenant_id').where('subject_id', '=', request.id).where('action', '=', 'login.consumed').execute();
    expect(consumed).toEqual([{ tenant_id: open.id }]);
  });

  it('treats unknown and malformed links like expired ones', async () => {
    const b = t.browser();
    for (const url of ['/l/' + 'A'.repeat(48), '/l/short', '/l/%3Cscript%3E']) {
      const res = await b.get(url);
      expect(res.statusCode).toBe(410);
      expect(res.body).toContain('This link has expired');
      // A link we do not know cannot ask for a new one: it only points to the sign-in form.
      expect(res.body).not.toContain('/resend');
      expect(res.body).toContain('href="/client-login"');
    }
  });

  it('stores no secret in clear: tokens, codes and queued links are hashed or erased', async () => {
    await requestLink(demo.oneShop.email);
    const msg = await t.lastMessageTo(demo.oneShop.email);
    const token = msg.link.split('/l/')[1]!;
    const row = await t.db.selectFrom('login_requests').selectAll().where('token_hash', '=', sha256(token)).executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(token);
    expect(JSON.stringify(row)).not.toContain(msg.code);
    const queued = await t.db.selectFrom('outbox_messages').selectAll().where('login_request_id', '=', row.id).where('template', '=', 'login-link').executeTakeFirstOrThrow();
    expect(queued.status).toBe('sent');
    expect(queued.payload_enc).toBeNull();
    const audit = await t.db.selectFrom('audit_events').select('data').execute();
    const everything = audit.map((a) => a.data).join('\n');
    expect(everything).not.toContain(token);
    expect(everything).not.toContain(`"${msg.code}"`);
    expect(everything).not.toContain('maria@example.com');
  });
});

describe(`login by code (${storeKind})`, () => {
  it('signs in with the code typed in the same browser', async () => {
    const { browser } = await requestLink(demo.oneShop.email);
    const msg = await t.lastMessageTo(demo.oneShop.email);
    const wrong = await browser.submit('/client-login/check', { code: msg.code === '000000' ? '111111' : '000000' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain('That code doesn’t match');
    const res = await browser.submit('/client-login/check', { code: `${msg.code.slice(0, 3)} ${msg.code.slice(3)}` });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/portal');
    // The link of that login is spent too.
    expect((await t.browser().get(msg.link)).statusCode).toBe(410);
  });

  it('locks the login after five wrong codes, even for the right one', async () => {
    const { browser } = await requestLink(demo.oneShop.email);
    const msg = await t.lastMessageTo(demo.oneShop.email);
    const wrongCode = msg.code === '123456' ? '654321' : '123456';
    for (let i = 1; i <= 4; i++) expect((await browser.submit('/client-login/check', { code: wrongCode })).body).toContain('doesn’t match');
    const fifth = await browser.submit('/client-login/check', { code: wrongCode });
    expect(fifth.body).toContain('Too many wrong codes');
    const page = await browser.get('/client-login/check');
    expect(page.body).not.toContain('name="code"');
    expect(page.body).toContain('Send me a new link');
    const csrf = csrfOf((await browser.get('/client-login')).body);
    const right = await browser.post('/client-login/code', { code: msg.code, _csrf: csrf });
    expect(right.statusCode).toBe(400);
    expect(browser.cookie('session')).toBeUndefined();
    expect((await t.browser().get(msg.link)).statusCode).toBe(410);
  });

  it('does not accept a code from a browser that did not ask for it', async () => {
    await requestLink(demo.oneShop.email);
    const msg = await t.lastMessageTo(demo.oneShop.email);
    const other = t.browser();
    const page = await other.get('/client-login');
    const res = await other.post('/client-login/code', { code: msg.code, _csrf: csrfOf(page.body) });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/client-login');
    expect(other.cookie('session')).toBeUndefined();
  });
});

describe(`several shops (${storeKind})`, () => {
  it('lets a client of two shops pick one, once, and scopes the session to it', async () => {
    const { browser } = await requestLink(demo.bothShops.email);
    const msg = await t.lastMessageTo(demo.bothShops.email);
    expect(msg.subject).toBe('Your sign-in link for BlueWave Pool Service and Greenway Lawn Care');
    const res = await browser.get(msg.link);
    expect(res.headers.location).toBe('/choose-shop');
    const picker = await browser.get('/choose-shop');
    expect(picker.body).toContain('BlueWave Pool Service');
    expect(picker.body).toContain('Greenway Lawn Care');
    const pools = t.demo!.tenants[1]!;
    const csrf = csrfOf(picker.body);
    const chosen = await browser.post('/choose-shop', { tenant: pools.id, _csrf: csrf });
    expect(chosen.headers.location).toBe('/portal');
    const portal = await browser.get('/portal');
    expect(portal.body).toContain('BlueWave Pool Service');
    expect(portal.body).not.toContain('Greenway Lawn Care');
    const sessionId = browser.cookie('session')!.split('.')[0]!;
    const row = await t.db.selectFrom('sessions').selectAll().where('id', '=', sessionId).executeTakeFirstOrThrow();
    expect(row.tenant_id).toBe(pools.id);

    // Picking is single use: switching shops needs a new link.
    const again = await browser.post('/choose-shop', { tenant: t.demo!.tenants[0]!.id, _csrf: csrf });
    expect(again.statusCode).toBe(410);
  });

  it('refuses a shop that was not offered', async () => {
    const { browser } = await requestLink(demo.bothShops.email);
    const msg = await t.lastMessageTo(demo.bothShops.email);
    await browser.get(msg.link);
    const picker = await browser.get('/choose-shop');
    const res = await browser.post('/choose-shop', { tenant: '00000000-0000-0000-0000-000000000000', _csrf: csrfOf(picker.body) });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('Choose one of the shops listed');
  });
});

describe(`sessions (${storeKind})`, () => {
  async function signIn(identifier: string = demo.oneShop.email) {
    const { browser } = await requestLink(identifier);
    const msg = await t.lastMessageTo(identifier);
    await browser.get(msg.link);
    return browser;
  }

  it('logs out server-side: the old cookie no longer works', async () => {
    const b = await signIn();
    const token = b.cookie('session')!;
    const portal = await b.get('/portal');
    const out = await b.post('/logout', { _csrf: csrfOf(portal.body) });
    expect(out.headers.location).toMatch(/^\/c\/[a-z0-9-]+\?signed_out=1&lang=en$/);
    expect(b.cookie('session')).toBeUndefined();
    const replay = await t.app.inject({ url: '/portal', headers: { cookie: `sp_session=${token}` } });
    expect(replay.statusCode).toBe(303);
    expect(replay.headers.location).toBe('/client-login');
  });

  it('signs out every device of the client', async () => {
    const a = await signIn();
    const b = await signIn();
    const page = await a.get('/portal');
    await a.post('/logout', { _csrf: csrfOf(page.body), everywhere: '1' });
    expect((await b.get('/portal')).statusCode).toBe(303);
  });

  it('applies a lowered shop session length to existing sessions', async () => {
    const shop = await makeShop(t);
    const c = await makeClient(t, shop.id);
    const b = await signIn(c.email!);
    t.clock.advance(2 * 24 * 60 * MINUTE);
    expect((await b.get('/portal')).statusCode).toBe(200);
    await t.services.tenants.setSessionDays(shop.id, 1);
    expect((await b.get('/portal')).statusCode).toBe(303);
  });

  it('ends sessions 30 days after sign-in', async () => {
    const b = await signIn();
    t.clock.advance(30 * 24 * 60 * MINUTE + 1);
    expect((await b.get('/portal')).statusCode).toBe(303);
  });

  it('ends sessions of a disabled client', async () => {
    const shop = await makeShop(t);
    const c = await makeClient(t, shop.id);
    const b = await signIn(c.email!);
    await t.services.clients.update(shop.id, c.id, { status: 'disabled' });
    expect((await b.get('/portal')).statusCode).toBe(303);
  });

  it('rejects forged and malformed session cookies', async () => {
    const b = await signIn();
    const [id] = b.cookie('session')!.split('.');
    for (const cookie of [`sp_session=${id}.${'x'.repeat(43)}`, 'sp_session=garbage', `sp_session=${id}`]) {
      const res = await t.app.inject({ url: '/portal', headers: { cookie } });
      expect(res.statusCode).toBe(303);
    }
  });
});

describe(`audit (${storeKind})`, () => {
  it('records the life of a login in order, and forbids changing it', async () => {
    const shop = await makeShop(t);
    const c = await makeClient(t, shop.id);
    const { browser } = await requestLink(c.email!);
    const msg = await t.lastMessageTo(c.email!);
    await browser.get(msg.link);
    const request = await t.db.selectFrom('login_requests').select('id').where('identifier', '=', c.email!).executeTakeFirstOrThrow();
    const events = await t.db.selectFrom('audit_events').select(['action', 'tenant_id', 'data']).where('subject_id', '=', request.id).orderBy('id').execute();
    expect(events.map((e) => e.action)).toEqual(['login.requested', 'login.link_issued', 'delivery.queued', 'delivery.sent', 'login.consumed']);
    const sessionId = browser.cookie('session')!.split('.')[0]!;
    const created = await t.db.selectFrom('audit_events').select(['action', 'tenant_id']).where('subject_id', '=', sessionId).execute();
    expect(created).toEqual([{ action: 'session.created', tenant_id: shop.id }]);
    expect(JSON.parse(events[1]!.data)).toMatchObject({ channel: 'email', to: 'c***@example.com' });
    await expect(t.db.updateTable('audit_events').set({ action: 'x' }).execute()).rejects.toThrow(/append-only/);
    await expect(t.db.deleteFrom('audit_events').execute()).rejects.toThrow(/append-only/);
  });
});

async function countSessions() {
  const r = await t.db.selectFrom('sessions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}
