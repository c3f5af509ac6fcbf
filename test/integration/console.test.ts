// Issue 9, the shop console: staff sign in like clients (scanner-safe link or code, same limits,
// no enumeration) into a separate, stricter session; every page and action stays inside the
// session's shop; a client can be found, understood and helped; every action is audited.
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE } from '../../src/lib/clock.ts';
import { csrfOf, type TestBrowser } from '../helpers/browser.ts';
import { makeClient, makeInvoice, makeShop, newPhone } from '../helpers/factories.ts';
import { startTestServer, storeKind, type TestServer } from '../helpers/harness.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ seed: false, env: { UNKNOWN_EMAIL_NOTICE: 'false' } });
});
afterAll(async () => t?.close());

async function shopWithOwner(role: 'owner' | 'staff' = 'owner') {
  const shop = await makeShop(t, { name: `Greenway ${Date.now() % 100000}` });
  const email = `owner.${shop.slug}@greenway.example`;
  const member = await t.services.staff.add(shop.id, { name: 'Gina Green', email, role });
  return { shop, member, email };
}

/** Signs a staff member in with the link, in the browser that asked (one tap). */
async function staffSignIn(email: string, b: TestBrowser = t.browser()) {
  const page = await b.get('/shop/sign-in');
  const res = await b.post('/shop/sign-in', { identifier: email, _csrf: csrfOf(page.body) });
  expect(res.headers.location).toBe('/shop/sign-in/check');
  const msg = await t.lastMessageTo(email);
  const opened = await b.get(msg.link);
  return { b, msg, opened };
}

const auditRows = (tenantId: string, action: string) => t.db.selectFrom('audit_events').selectAll().where('tenant_id', '=', tenantId).where('action', '=', action).execute();

describe(`staff sign-in (${storeKind})`, () => {
  it('emails a console link that opens the console in a separate session, not the portal', async () => {
    const { shop, email } = await shopWithOwner();
    const { b, msg, opened } = await staffSignIn(email);
    expect(msg.subject).toBe(`Your sign-in link for ${shop.name} — shop console`);
    expect(msg.text).toContain('open the shop console');
    expect(opened.headers.location).toBe('/shop');
    expect(b.cookie('staff')).toBeDefined();
    expect(b.cookie('session')).toBeUndefined();
    const page = await b.get('/shop/clients');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Signed in as Gina Green (owner)');
    // A console session is no portal session, and the other way round.
    expect((await b.get('/portal')).headers.location).toBe('/client-login');
    const c = await makeClient(t, shop.id);
    const client = t.browser();
    await client.submit('/client-login', { identifier: c.email! });
    await client.get((await t.lastMessageTo(c.email!)).link);
    expect((await client.get('/shop/clients')).headers.location).toBe('/shop/sign-in');
  });

  it('accepts the code in the browser that asked, and a scanner’s GET consumes nothing', async () => {
    const { email } = await shopWithOwner();
    const b = t.browser();
    await b.submit('/shop/sign-in', { identifier: email });
    const msg = await t.lastMessageTo(email);
    const scanner = await t.browser().get(msg.link);
    expect(scanner.statusCode).toBe(200);
    expect(scanner.body).toContain('>Continue</button>');
    const done = await b.submit('/shop/sign-in/check', { code: msg.code });
    expect(done.headers.location).toBe('/shop');
  });

  it('answers the same for an unknown email, and refuses a phone number with what to do', async () => {
    const { email } = await shopWithOwner();
    const known = t.browser();
    const unknown = t.browser();
    await known.submit('/shop/sign-in', { identifier: email });
    await unknown.submit('/shop/sign-in', { identifier: `o${email.slice(1)}x` });
    const strip = (s: string) => s.replace(/name="_csrf" value="[^"]+"/g, '').replace(/<strong>[^<]+<\/strong>/, '');
    expect(strip((await known.get('/shop/sign-in/check')).body)).toBe(strip((await unknown.get('/shop/sign-in/check')).body));
    expect((await unknown.get('/shop/sign-in/check')).body).not.toContain('Text me instead');
    const phone = await t.browser().submit('/shop/sign-in', { identifier: '(512) 555-0187' });
    expect(phone.statusCode).toBe(400);
    expect(phone.body).toContain('Sign in to the shop console with your work email address');
  });

  it('lets someone who works for two shops pick one', async () => {
    const a = await shopWithOwner();
    const other = await makeShop(t, { name: 'Zed Pools' });
    await t.services.staff.add(other.id, { name: 'Gina Green', email: a.email, role: 'staff' });
    const { b, opened } = await staffSignIn(a.email);
    expect(opened.headers.location).toBe('/shop/choose-shop');
    const pick = await b.get('/shop/choose-shop');
    expect(pick.body).toContain('Which shop?');
    expect(pick.body).toContain('(staff)');
    const res = await b.post('/shop/choose-shop', { tenant: other.id, _csrf: csrfOf(pick.body) });
    expect(res.headers.location).toBe('/shop');
    expect((await b.get('/shop/clients')).body).toContain('Zed Pools');
  });

  it('ends after 12 idle hours, after 7 days however used, and at once when the member is disabled', async () => {
    const { shop, member, email } = await shopWithOwner();
    const idle = (await staffSignIn(email)).b;
    t.clock.advance(12 * HOUR + MINUTE);
    expect((await idle.get('/shop/clients')).headers.location).toBe('/shop/sign-in');

    const busy = (await staffSignIn(email)).b;
    for (let h = 0; h < 7 * 24 - 6; h += 6) {
      t.clock.advance(6 * HOUR);
      expect((await busy.get('/shop/clients')).statusCode, `after ${h + 6} hours`).toBe(200);
    }
    t.clock.advance(6 * HOUR + MINUTE);
    expect((await busy.get('/shop/clients')).statusCode).toBe(303);

    const fresh = (await staffSignIn(email)).b;
    await t.services.staff.add(shop.id, { name: 'Second Owner', email: `second.${email}`, role: 'owner' });
    await t.services.staff.update(shop.id, member.id, { status: 'disabled' }, { actor: 'operator' });
    expect((await fresh.get('/shop/clients')).headers.location).toBe('/shop/sign-in');
    const rows = await t.db.selectFrom('staff_sessions').select('revoked_at').where('staff_id', '=', member.id).execute();
    expect(rows.every((r) => r.revoked_at !== null)).toBe(true);
    t.clock.advance(DAY);
  });
});

describe(`finding and helping a client (${storeKind})`, () => {
  it('finds a client by name, email or a phone typed any way, with sign-in state at a glance', async () => {
    const { shop, email } = await shopWithOwner();
    const phone = newPhone();
    const maria = await makeClient(t, shop.id, { name: 'Maria Lopez', phone });
    await makeClient(t, shop.id, { name: 'Sam Carter' });
    const typed = `(${phone.slice(2, 5)}) ${phone.slice(5, 8)}-${phone.slice(8)}`;
    const { b } = await staffSignIn(email);
    for (const q of ['maria', 'MARIA LO', maria.email!.toUpperCase(), typed, phone.slice(-4)]) {
      const page = await b.get(`/shop/clients?q=${encodeURIComponent(q)}`);
      expect(page.body, q).toContain('Maria Lopez');
      expect(page.body, q).not.toContain('Sam Carter');
    }
    const none = await b.get('/shop/clients?q=nobody-here');
    expect(none.body).toContain('No client of');
    // The list shows the last message and what happened to it.
    await t.browser().submit('/client-login', { identifier: maria.email! });
    await t.worker.runOnce();
    expect((await b.get('/shop/clients?q=maria')).body).toMatch(/Sign-in link by email[\s\S]*Sent/);
  });

  it('pages through a long list', async () => {
    const { shop, email } = await shopWithOwner();
    for (let i = 0; i < 27; i++) await makeClient(t, shop.id, { name: `Client ${String(i).padStart(2, '0')}` });
    const { b } = await staffSignIn(email);
    const first = await b.get('/shop/clients');
    expect(first.body).toContain('Next →');
    expect(first.body).not.toContain('Client 26');
    const second = await b.get('/shop/clients?page=2');
    expect(second.body).toContain('Client 26');
    expect(second.body).toContain('← Previous');
  });

  it('says in plain words why messages failed, and flags numbers texts cannot reach', async () => {
    const { shop, email } = await shopWithOwner();
    const c = await makeClient(t, shop.id, { name: 'Bounce Case', phone: '+1 512 555 0199' });
    await t.browser().submit('/client-login', { identifier: c.email! });
    await t.worker.runOnce();
    await t.db.updateTable('outbox_messages').set({ delivery_status: 'bounced', delivery_reason: '550 5.1.1 The email account that you tried to reach does not exist' }).where('to_address', '=', c.email!).execute();
    const landline = await makeClient(t, shop.id, { name: 'Land Line', phone: '+1 800 246 1234' });
    const { b } = await staffSignIn(email);
    const page = await b.get(`/shop/clients/${c.id}`);
    expect(page.body).toContain('Mailbox does not exist');
    expect(page.body).toContain('550 5.1.1');
    expect(page.body).toContain('Sign-in link');
    expect((await b.get(`/shop/clients/${landline.id}`)).body).toContain('Texts can’t reach this number');
  });

  it('fixes an address with a typo suggestion that is offered, not forced', async () => {
    const { shop, email } = await shopWithOwner();
    const c = await makeClient(t, shop.id, { name: 'Typo Case' });
    const { b } = await staffSignIn(email);
    const page = await b.get(`/shop/clients/${c.id}`);
    const asked = await b.post(`/shop/clients/${c.id}/contact`, { _csrf: csrfOf(page.body), email: 'typo.case@gmial.com', phone: '' });
    expect(asked.statusCode).toBe(200);
    expect(asked.body).toContain('Did you mean <strong>typo.case@gmail.com</strong>?');
    expect((await t.services.clients.get(shop.id, c.id))!.email).toBe(c.email); // nothing saved yet
    const saved = await b.post(`/shop/clients/${c.id}/contact`, { _csrf: csrfOf(asked.body), email: 'typo.case@gmial.com', phone: '', email_choice: 'suggested' });
    expect(saved.headers.location).toBe(`/shop/clients/${c.id}?done=saved`);
    expect((await t.services.clients.get(shop.id, c.id))!.email).toBe('typo.case@gmail.com');
    const kept = await b.post(`/shop/clients/${c.id}/contact`, { _csrf: csrfOf(page.body), email: 'typo.case@gmial.com', phone: '', email_choice: 'as_typed' });
    expect(kept.statusCode).toBe(303);
    expect((await t.services.clients.get(shop.id, c.id))!.email).toBe('typo.case@gmial.com');
    const bad = await b.post(`/shop/clients/${c.id}/contact`, { _csrf: csrfOf(page.body), email: 'nope@', phone: '' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('value="nope@"');
    const updated = await auditRows(shop.id, 'client.updated');
    expect(JSON.parse(updated.at(-1)!.data)).toMatchObject({ by: 'Gina Green', changed: ['email'] });
  });

  it('sends a sign-in link by text to the number on file, audited with who sent it', async () => {
    const { shop, email } = await shopWithOwner();
    const phone = newPhone();
    const c = await makeClient(t, shop.id, { phone });
    const { b } = await staffSignIn(email);
    const page = await b.get(`/shop/clients/${c.id}`);
    const res = await b.post(`/shop/clients/${c.id}/send-link`, { _csrf: csrfOf(page.body), channel: 'sms' });
    expect(res.headers.location).toBe(`/shop/clients/${c.id}?done=link-sms`);
    const text = await t.lastMessageTo(phone);
    expect(text.channel).toBe('sms');
    const sent = await auditRows(shop.id, 'console.link_sent');
    expect(JSON.parse(sent.at(-1)!.data)).toMatchObject({ by: 'Gina Green', channel: 'sms' });
    // The client signs in with it, and the console's history says so.
    const client = t.browser();
    await client.post(text.link, { _csrf: csrfOf((await client.get(text.link)).body) });
    expect((await b.get(`/shop/clients/${c.id}`)).body).toContain('signed in with it');
  });

  it('signs a client out everywhere and stops email links, each after a confirmation', async () => {
    const { shop, email } = await shopWithOwner();
    const c = await makeClient(t, shop.id);
    const inv = await makeInvoice(t, shop.id, c.external_id!);
    const portal = t.browser();
    await portal.submit('/client-login', { identifier: c.email! });
    await portal.get((await t.lastMessageTo(c.email!)).link);
    const { b } = await staffSignIn(email);
    let page = await b.get(`/shop/clients/${c.id}`);
    const asked = await b.post(`/shop/clients/${c.id}/sign-out-all`, { _csrf: csrfOf(page.body) });
    expect(asked.body).toContain('Yes, sign out everywhere');
    expect((await portal.get('/portal')).statusCode).toBe(200); // not yet
    await b.post(`/shop/clients/${c.id}/sign-out-all`, { _csrf: csrfOf(asked.body), confirm: 'yes' });
    expect((await portal.get('/portal')).statusCode).toBe(303);

    const link = t.services.links.urlFor({ tenantId: shop.id, clientId: c.id, linkVersion: c.link_version, object: 'invoice', objectId: inv.id }).url;
    page = await b.get(`/shop/clients/${c.id}`);
    await b.post(`/shop/clients/${c.id}/stop-email-links`, { _csrf: csrfOf(page.body), confirm: 'yes' });
    expect((await t.browser().get(link)).statusCode).toBe(410);
    expect(JSON.parse((await auditRows(shop.id, 'client.email_links_stopped'))[0]!.data)).toMatchObject({ by: 'Gina Green' });
    expect(JSON.parse((await auditRows(shop.id, 'session.ended_all'))[0]!.data)).toMatchObject({ by: 'Gina Green', count: 1 });
  });
});

describe(`nothing of another shop (${storeKind})`, () => {
  it('answers 404 for another shop’s client on every client route, and changes nothing', async () => {
    const mine = await shopWithOwner();
    const theirs = await makeShop(t);
    const stranger = await makeClient(t, theirs.id, { phone: newPhone() });
    const { b } = await staffSignIn(mine.email);
    const csrf = csrfOf((await b.get('/shop/clients')).body);
    const before = await t.db.selectFrom('audit_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect((await b.get(`/shop/clients/${stranger.id}`)).statusCode).toBe(404);
    for (const action of ['contact', 'send-link', 'sign-out-all', 'stop-email-links']) {
      const res = await b.post(`/shop/clients/${stranger.id}/${action}`, { _csrf: csrf, email: 'x@example.com', phone: '', channel: 'email', confirm: 'yes' });
      expect(res.statusCode, action).toBe(404);
    }
    expect(await t.db.selectFrom('audit_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).toEqual(before);
    expect((await t.services.clients.get(theirs.id, stranger.id))!.link_version).toBe(stranger.link_version);
    expect((await b.get(`/shop/clients?q=${encodeURIComponent(stranger.email!)}`)).body).not.toContain(stranger.name);
  });
});

describe(`the audit log (${storeKind})`, () => {
  it('shows this shop’s events newest first, filters by client, kind and dates, and exports the same as CSV', async () => {
    const { shop, email } = await shopWithOwner();
    const other = await makeShop(t);
    const otherClient = await makeClient(t, other.id, { name: 'Other Shop Person' });
    const maria = await makeClient(t, shop.id, { name: '=SUM(1) Maria' });
    const sam = await makeClient(t, shop.id, { name: 'Sam Carter' });
    for (const c of [maria, sam, otherClient]) await t.browser().submit('/client-login', { identifier: c.email! });
    await t.browser().submit('/client-login', { identifier: 'nobody.at.all@example.com' });
    await t.worker.runOnce();
    const { b } = await staffSignIn(email);
    const all = await b.get('/shop/audit');
    expect(all.statusCode).toBe(200);
    expect(all.body).toContain('Sign-in link sent');
    expect(all.body).toContain('Sam Carter');
    expect(all.body).not.toContain('Other Shop Person');
    expect(all.body).not.toContain('no matching contact'); // operator-only events never appear
    const table = all.body.slice(all.body.indexOf('<tbody>'));
    expect(table.indexOf('Staff member signed in')).toBeLessThan(table.indexOf('Client added')); // newest first

    const onlyMaria = await b.get(`/shop/audit?client=${maria.id}&action=login.link_issued`);
    expect(onlyMaria.body).toContain('Maria');
    expect(onlyMaria.body).not.toContain('Sam Carter');
    expect((await b.get(`/shop/audit?client=${otherClient.id}`)).body).not.toContain('Other Shop Person');
    const past = await b.get('/shop/audit?to=2020-01-01');
    expect(past.body).toContain('No events match');
    const bad = await b.get('/shop/audit?from=yesterday');
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('Dates are written like 2026-11-25');

    const csv = await b.get(`/shop/audit.csv?client=${maria.id}`);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.headers['content-disposition']).toMatch(/attachment; filename=".+-audit-\d{4}-\d{2}-\d{2}\.csv"/);
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toBe('time (UTC),who,what,event,client,details,ip');
    expect(lines.length).toBeGreaterThan(2);
    expect(lines.slice(1).every((l) => l.includes(",'=SUM(1) Maria,")), lines.join('\n')).toBe(true); // the formula is defused
    expect(csv.body).not.toContain('Sam Carter');
    expect(csv.body).not.toMatch(/\/l\/|code/);
  });
});

describe(`owner pages (${storeKind})`, () => {
  it('are 403 for staff on every owner route, and change nothing', async () => {
    const { shop, email } = await shopWithOwner('staff');
    await t.services.staff.add(shop.id, { name: 'The Owner', email: `boss.${email}`, role: 'owner' });
    const { b } = await staffSignIn(email);
    const csrf = csrfOf((await b.get('/shop/clients')).body);
    for (const url of ['/shop/settings/security', '/shop/staff', '/shop/api-keys']) {
      const page = await b.get(url);
      expect(page.statusCode, url).toBe(403);
      expect(page.body).toContain('Owners only');
    }
    const before = await t.db.selectFrom('audit_events').select((eb) => eb.fn.countAll<number>().as('n')).where('tenant_id', '=', shop.id).executeTakeFirstOrThrow();
    for (const [url, body] of [['/shop/settings/security', { sessionDays: '1', loginChannels: 'email' }], ['/shop/staff', { name: 'X', email: 'x@example.com' }], ['/shop/api-keys', { name: 'Mine' }]] as const) {
      expect((await b.post(url, { _csrf: csrf, ...body })).statusCode, url).toBe(403);
    }
    expect(await t.db.selectFrom('audit_events').select((eb) => eb.fn.countAll<number>().as('n')).where('tenant_id', '=', shop.id).executeTakeFirstOrThrow()).toEqual(before);
    expect((await t.services.tenants.resolve(shop.id)).session_days).toBe(30);
  });

  it('Settings → Security: session length applies to signed-in clients at once; channels are enforced; audited before and after', async () => {
    const { shop, email } = await shopWithOwner();
    const phone = newPhone();
    const c = await makeClient(t, shop.id, { phone });
    const portal = t.browser();
    await portal.submit('/client-login', { identifier: c.email! });
    await portal.get((await t.lastMessageTo(c.email!)).link);
    t.clock.advance(3 * DAY);
    const { b } = await staffSignIn(email);
    const page = await b.get('/shop/settings/security');
    expect(page.body).toContain('applies at once to clients already signed in');
    const bad = await b.post('/shop/settings/security', { _csrf: csrfOf(page.body), sessionDays: '45', loginChannels: 'both' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('must be 1–30 days');
    const ok = await b.post('/shop/settings/security', { _csrf: csrfOf(page.body), sessionDays: '2', loginChannels: 'email' });
    expect(ok.headers.location).toBe('/shop/settings/security?saved=1');
    expect((await portal.get('/portal')).statusCode).toBe(303); // 3 days in, the new length is 2
    const changed = (await auditRows(shop.id, 'tenant.settings_changed')).at(-1)!;
    expect(JSON.parse(changed.data)).toMatchObject({ by: 'Gina Green', before: { sessionDays: 30, loginChannels: 'both' }, after: { sessionDays: 2, loginChannels: 'email' } });
    // Email only: a text is never sent for this shop, whatever the client types.
    await t.browser().submit('/client-login', { identifier: phone });
    expect(await t.messagesTo(phone)).toHaveLength(0);
    const refused = (await auditRows(shop.id, 'login.link_refused')).at(-1)!;
    expect(JSON.parse(refused.data).reason).toBe('channel_off');
  });

  it('Staff: invites with a sign-in link, changes roles, keeps one owner, disables after a confirmation', async () => {
    const { shop, email, member } = await shopWithOwner();
    const { b } = await staffSignIn(email);
    let page = await b.get('/shop/staff');
    const invited = await b.post('/shop/staff', { _csrf: csrfOf(page.body), name: 'Dev Patel', email: `dev.${email}`, role: 'staff' });
    expect(invited.headers.location).toBe('/shop/staff?done=invited');
    const invite = await t.lastMessageTo(`dev.${email}`);
    expect(invite.subject).toContain('shop console');
    const dup = await b.post('/shop/staff', { _csrf: csrfOf(page.body), name: 'Again', email: `DEV.${email}`, role: 'staff' });
    expect(dup.statusCode).toBe(400);
    expect(dup.body).toContain('already has a staff account with this email');
    const dev = (await t.services.staff.list(shop.id)).find((m) => m.name === 'Dev Patel')!;
    page = await b.get('/shop/staff');
    const lastOwner = await b.post(`/shop/staff/${member.id}`, { _csrf: csrfOf(page.body), role: 'staff' });
    expect(lastOwner.statusCode).toBe(409);
    expect(lastOwner.body).toContain('at least one active owner');
    const asked = await b.post(`/shop/staff/${dev.id}`, { _csrf: csrfOf(page.body), status: 'disabled' });
    expect(asked.body).toContain('Yes, disable Dev Patel');
    expect((await t.services.staff.get(shop.id, dev.id))!.status).toBe('active');
    await b.post(`/shop/staff/${dev.id}`, { _csrf: csrfOf(page.body), status: 'disabled', confirm: 'yes' });
    expect((await t.services.staff.get(shop.id, dev.id))!.status).toBe('disabled');
    expect(JSON.parse((await auditRows(shop.id, 'staff.updated')).at(-1)!.data)).toMatchObject({ by: 'Gina Green', status: 'disabled' });
    const other = await makeShop(t);
    const stranger = await t.services.staff.add(other.id, { name: 'Stranger', email: `s.${email}`, role: 'owner' });
    expect((await b.post(`/shop/staff/${stranger.id}`, { _csrf: csrfOf(page.body), status: 'disabled', confirm: 'yes' })).statusCode).toBe(404);
  });

  it('API keys: shown once at creation, last use recorded, revoked after a confirmation', async () => {
    const { shop, email } = await shopWithOwner();
    const { b } = await staffSignIn(email);
    const page = await b.get('/shop/api-keys');
    const created = await b.post('/shop/api-keys', { _csrf: csrfOf(page.body), name: 'Main office system' });
    expect(created.statusCode, created.body).toBe(201);
    const key = /<pre>(spk_[^<]+)<\/pre>/.exec(created.body)![1]!;
    expect((await b.get('/shop/api-keys')).body).not.toContain(key);
    expect((await b.get('/shop/api-keys')).body).toContain('Never');
    const call = await t.app.inject({ method: 'PUT', url: '/api/v1/clients/k-1', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, payload: JSON.stringify({ name: 'Via Key', email: `via.${email}` }) });
    expect(call.statusCode).toBe(201);
    const list = await t.services.apiKeys.list(shop.id);
    expect(list[0]!.last_used_at).toBe(t.clock.now());
    const keyId = list[0]!.id;
    const asked = await b.post(`/shop/api-keys/${keyId}/revoke`, { _csrf: csrfOf(page.body) });
    expect(asked.body).toContain('Yes, revoke it');
    await b.post(`/shop/api-keys/${keyId}/revoke`, { _csrf: csrfOf(page.body), confirm: 'yes' });
    expect((await t.app.inject({ method: 'PUT', url: '/api/v1/clients/k-1', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, payload: JSON.stringify({ name: 'Via Key' }) })).statusCode).toBe(401);
    expect(JSON.parse((await auditRows(shop.id, 'api_key.revoked'))[0]!.data)).toMatchObject({ by: 'Gina Green' });
  });
});

describe(`a second factor for staff (${storeKind})`, () => {
  it('when the shop requires it: enrol with the app (QR code), save recovery codes, then a code at every sign-in', async () => {
    const { shop, email, member } = await shopWithOwner();
    await t.services.tenants.setSecurity(shop.id, { sessionDays: 30, loginChannels: 'both', staffMfaRequired: true }, { name: 'Gina Green', staffId: member.id });
    const { b } = await staffSignIn(email);
    // Nothing but the second factor until it is given.
    expect((await b.get('/shop/clients')).headers.location).toBe('/shop/second-factor');
    const enrol = await b.get('/shop/second-factor');
    expect(enrol.body).toContain('Set up your authenticator app');
    expect(enrol.body).toMatch(/<svg[^>]*>[\s\S]*<path/);
    const secret = /<code>([A-Z2-7 ]+)<\/code>/.exec(enrol.body)![1]!.replace(/ /g, '');
    const totp = (at: number) => new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: at });
    const wrong = await b.post('/shop/second-factor', { _csrf: csrfOf(enrol.body), code: totp(t.clock.now()) === '000000' ? '111111' : '000000' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain('doesn’t match');
    const done = await b.post('/shop/second-factor', { _csrf: csrfOf(enrol.body), code: totp(t.clock.now()) });
    expect(done.body).toContain('Save your recovery codes');
    const codes = [...done.body.matchAll(/<li><code>([a-z0-9-]+)<\/code><\/li>/g)].map((m) => m[1]!);
    expect(codes).toHaveLength(10);
    expect((await b.get('/shop/clients')).statusCode).toBe(200);
    const stored = (await t.services.staff.get(shop.id, member.id))!;
    expect(stored.recovery_codes).not.toContain(codes[0]!);
    expect(stored.totp_secret_enc).not.toContain(secret);

    // Next sign-in: a code from the app; then a recovery code works once.
    const second = (await staffSignIn(email)).b;
    expect((await second.get('/shop/clients')).headers.location).toBe('/shop/second-factor');
    const ask = await second.get('/shop/second-factor');
    expect(ask.body).toContain('Enter your authenticator code');
    t.clock.advance(60_000);
    expect((await second.post('/shop/second-factor', { _csrf: csrfOf(ask.body), code: totp(t.clock.now()) })).headers.location).toBe('/shop');
    const third = (await staffSignIn(email)).b;
    const ask3 = await third.get('/shop/second-factor');
    expect((await third.post('/shop/second-factor', { _csrf: csrfOf(ask3.body), code: codes[0]!.toUpperCase() })).headers.location).toBe('/shop');
    const fourth = (await staffSignIn(email)).b;
    const ask4 = await fourth.get('/shop/second-factor');
    expect((await fourth.post('/shop/second-factor', { _csrf: csrfOf(ask4.body), code: codes[0]! })).statusCode).toBe(400);
  });

  it('locks the factor after five wrong codes, even for the right one', async () => {
    const { shop, email, member } = await shopWithOwner();
    await t.services.tenants.setSecurity(shop.id, { sessionDays: 30, loginChannels: 'both', staffMfaRequired: true }, { name: 'Gina Green', staffId: member.id });
    const { b } = await staffSignIn(email);
    const enrol = await b.get('/shop/second-factor');
    const secret = /<code>([A-Z2-7 ]+)<\/code>/.exec(enrol.body)![1]!.replace(/ /g, '');
    const totp = () => new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: t.clock.now() });
    await b.post('/shop/second-factor', { _csrf: csrfOf(enrol.body), code: totp() });
    const next = (await staffSignIn(email)).b;
    const ask = await next.get('/shop/second-factor');
    const wrong = totp() === '000000' ? '111111' : '000000';
    for (let i = 0; i < 4; i++) expect((await next.post('/shop/second-factor', { _csrf: csrfOf(ask.body), code: wrong })).statusCode).toBe(400);
    const locked = await next.post('/shop/second-factor', { _csrf: csrfOf(ask.body), code: wrong });
    expect(locked.statusCode).toBe(429);
    expect(locked.body).toContain('Too many wrong codes');
    expect((await next.post('/shop/second-factor', { _csrf: csrfOf(ask.body), code: totp() })).statusCode).toBe(429);
    expect((await next.get('/shop/clients')).headers.location).toBe('/shop/second-factor');
    expect((await auditRows(shop.id, 'staff.second_factor_locked')).length).toBe(1);
    t.clock.advance(16 * MINUTE);
    expect((await next.post('/shop/second-factor', { _csrf: csrfOf(ask.body), code: totp() })).headers.location).toBe('/shop');
  });
});

describe(`sign-in health (${storeKind})`, () => {
  it('counts the last 30 days of this shop: asked, sent, delivered, opened, signed in, and why messages failed', async () => {
    const { shop, email } = await shopWithOwner();
    const a = await makeClient(t, shop.id);
    const phone = newPhone();
    await makeClient(t, shop.id, { phone });
    const other = await makeShop(t);
    const stranger = await makeClient(t, other.id);
    // a: two links by email, one used; b2: a text the carrier blocked; a stranger elsewhere.
    const first = t.browser();
    await first.submit('/client-login', { identifier: a.email! });
    await first.get((await t.lastMessageTo(a.email!)).link);
    await t.browser().submit('/client-login', { identifier: a.email! });
    await t.browser().submit('/client-login', { identifier: phone });
    await t.browser().submit('/client-login', { identifier: stranger.email! });
    await t.worker.runOnce();
    await t.db.updateTable('outbox_messages').set({ delivery_status: 'undelivered', delivery_error_code: '30007' }).where('to_address', '=', phone).execute();
    const { b } = await staffSignIn(email);
    const page = await b.get('/shop');
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(/<svg class="chart"[^>]*role="img"/);
    const channelRow = (name: string) => [...new RegExp(`<th scope="row">${name}</th>((?:<td class="num">[^<]*</td>){6})`).exec(page.body)![1]!.matchAll(/<td class="num">([^<]*)<\/td>/g)].map((m) => m[1]);
    expect(channelRow('Email')).toEqual(['2', '2', '2', '1', '1', '100%']);
    expect(channelRow('Text message')).toEqual(['1', '1', '0', '0', '0', '0%']);
    expect(page.body).toContain('Carrier blocked the text (30007)');
    expect(page.body).toContain('<strong>3</strong> asked for a link');
    // The day-by-day table has every one of the 30 days.
    expect((page.body.match(/<tr><td>\d{4}-\d{2}-\d{2}<\/td>/g) ?? []).length).toBe(30);
  });
});

describe(`console actions keep the limits (${storeKind})`, () => {
  it('"send a sign-in link" is refused over the IP limit and over the client’s own caps, sending nothing', async () => {
    const s = await startTestServer({ seed: false, env: { RATE_LOGIN_PER_IP_15M: '3', RATE_LOGIN_PER_IDENTIFIER_15M: '1' } });
    try {
      const shop = await makeShop(s);
      await s.services.staff.add(shop.id, { name: 'Gina Green', email: `gina.${shop.slug}@greenway.example`, role: 'owner' });
      const c = await makeClient(s, shop.id);
      const b = s.browser();
      await b.submit('/shop/sign-in', { identifier: `gina.${shop.slug}@greenway.example` }); // 1 of the IP's 3
      await b.get((await s.lastMessageTo(`gina.${shop.slug}@greenway.example`)).link);
      const csrf = csrfOf((await b.get(`/shop/clients/${c.id}`)).body);
      await b.post(`/shop/clients/${c.id}/send-link`, { _csrf: csrf, channel: 'email' }); // 2: sent
      await b.post(`/shop/clients/${c.id}/send-link`, { _csrf: csrf, channel: 'email' }); // 3: over the client's cap of 1
      expect(await s.messagesTo(c.email!)).toHaveLength(1);
      const refused = await s.db.selectFrom('audit_events').select('data').where('tenant_id', '=', shop.id).where('action', '=', 'login.link_refused').execute();
      expect(refused.map((r) => JSON.parse(r.data).reason)).toEqual(['rate_limited']);
      const before = await s.db.selectFrom('login_requests').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const over = await b.post(`/shop/clients/${c.id}/send-link`, { _csrf: csrf, channel: 'email' }); // 4: over the IP limit
      expect(over.statusCode).toBe(429);
      expect(await s.db.selectFrom('login_requests').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).toEqual(before);
    } finally {
      await s.close();
    }
  });
});

describe(`staff through the integration API (${storeKind})`, () => {
  it('PUT /api/v1/staff/{externalId} creates and updates a console account, documented in OpenAPI', async () => {
    const { shop } = await shopWithOwner();
    const key = (await t.services.apiKeys.create(shop.id, 'Office')).key;
    const put = (body: unknown) => t.app.inject({ method: 'PUT', url: '/api/v1/staff/emp-7', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
    const created = await put({ name: 'Dev Patel', email: 'Dev@Greenway.example', role: 'staff' });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().staff).toMatchObject({ externalId: 'emp-7', email: 'dev@greenway.example', role: 'staff', status: 'active' });
    const updated = await put({ name: 'Dev Patel', email: 'dev@greenway.example', role: 'owner' });
    expect(updated.statusCode).toBe(200);
    expect(updated.json().staff.role).toBe('owner');
    const bad = await put({ name: 'Dev', email: 'dev@', role: 'staff' });
    expect(bad.json().error.code).toBe('INVALID_EMAIL');
    const doc = (await t.app.inject({ url: '/api/v1/openapi.json' })).json();
    expect(doc.paths['/api/v1/staff/{externalId}'].put.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/Staff');
    expect(doc.components.schemas.Staff.properties.role.enum).toEqual(['owner', 'staff']);
  });
});
