// Issue 10, Servicio support and the one-time recovery link: agents sign in with an email link AND
// a TOTP code, always; they find a client across shops and see (read-only) what the shop's console
// shows; a recovery link needs a reason, is single use, short-lived, scanner-safe, limited, told to
// every contact on file, audited for the shop and the operator, and opens a restricted session for
// one shop only.
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE } from '../../src/lib/clock.ts';
import { sha256 } from '../../src/lib/crypto.ts';
import { csrfOf, type TestBrowser } from '../helpers/browser.ts';
import { makeClient, makeInvoice, makeShop, newPhone } from '../helpers/factories.ts';
import { startTestServer, storeKind, type TestServer } from '../helpers/harness.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ seed: false, env: { UNKNOWN_EMAIL_NOTICE: 'false' } });
});
afterAll(async () => t?.close());

let agentSeq = 0;
async function newAgent(name = 'Ana Alvarez') {
  const email = `agent${++agentSeq}.${Date.now() % 100000}@servicio.example`;
  const agent = await t.services.support.add({ email, name });
  return { agent, email };
}

/** The email link, in the browser that asked: the session then owes the second factor. */
async function linkOnly(email: string, b: TestBrowser = t.browser()) {
  await b.submit('/support/sign-in', { identifier: email });
  const msg = await t.lastMessageTo(email);
  const opened = await b.get(msg.link);
  return { b, msg, opened };
}

const secrets = new Map<string, string>();
const totp = (secret: string) => new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: t.clock.now() });

/** A fully signed-in agent: email link, then the authenticator (enrolling the first time). */
async function agentSignIn(email: string, b: TestBrowser = t.browser()) {
  await linkOnly(email, b);
  const page = await b.get('/support/second-factor');
  if (page.body.includes('Set up your authenticator app')) {
    secrets.set(email, /<code>([A-Z2-7 ]+)<\/code>/.exec(page.body)![1]!.replace(/ /g, ''));
  } else {
    t.clock.advance(31_000); // a fresh 30-second step: a TOTP code is never accepted twice in practice
  }
  const done = await b.post('/support/second-factor', { _csrf: csrfOf(page.body), code: totp(secrets.get(email)!) });
  expect([200, 303]).toContain(done.statusCode);
  return b;
}

async function shopWithOwner(name = `Greenway Lawn Care ${Date.now() % 100000}`) {
  const shop = await makeShop(t, { name });
  const ownerEmail = `owner.${shop.slug}@greenway.example`;
  const owner = await t.services.staff.add(shop.id, { name: 'Gina Green', email: ownerEmail, role: 'owner' });
  return { shop, owner, ownerEmail };
}

const clientPath = (tenantId: string, clientId: string) => `/support/shops/${tenantId}/clients/${clientId}`;

const nonceOf = (body: string) => /name="nonce" value="([^"]+)"/.exec(body)![1]!;
async function issue(b: TestBrowser, tenantId: string, clientId: string, form: Partial<Record<'category' | 'reason' | 'delivery', string>>) {
  const page = await b.get(clientPath(tenantId, clientId));
  return b.post(`${clientPath(tenantId, clientId)}/recovery`, { _csrf: csrfOf(page.body), nonce: nonceOf(page.body), category: 'email_bounced', reason: 'Her mailbox at work was closed last week.', delivery: 'shown', ...form });
}
const shownLink = (body: string) => /value="(https?:\/\/[^"]+\/r\/[A-Za-z0-9_-]{48})"/.exec(body)?.[1];
const recoveryLinkIn = (text: string) => /https?:\/\/\S+\/r\/[A-Za-z0-9_-]{48}/.exec(text)?.[0];
const count = async (table: 'recovery_links' | 'outbox_messages' | 'sessions' | 'audit_events') => Number((await t.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
const operatorRows = (action: string) => t.db.selectFrom('audit_events').selectAll().where('tenant_id', 'is', null).where('action', '=', action).orderBy('id').execute();
const shopRows = (tenantId: string, action: string) => t.db.selectFrom('audit_events').selectAll().where('tenant_id', '=', tenantId).where('action', '=', action).orderBy('id').execute();

describe(`support agents sign in with an email link and a second factor, always (${storeKind})`, () => {
  it('owes the authenticator after the email link: enrolment the first time, a code every time after', async () => {
    const { email } = await newAgent();
    const { b, msg, opened } = await linkOnly(email);
    expect(msg.subject).toBe('Your sign-in link for Servicio support');
    expect(msg.text).toContain('open the support console');
    expect(opened.headers.location).toBe('/support');
    expect(b.cookie('support')).toBeDefined();
    expect(b.cookie('session')).toBeUndefined();
    expect(b.cookie('staff')).toBeUndefined();
    // Nothing but the second factor until it is given — not the search, not a recovery link.
    expect((await b.get('/support?q=sam')).headers.location).toBe('/support/second-factor');
    const { shop } = await shopWithOwner();
    const c = await makeClient(t, shop.id);
    expect((await b.get(clientPath(shop.id, c.id))).headers.location).toBe('/support/second-factor');
    expect(await operatorRows('support.client_viewed').then((r) => r.filter((x) => JSON.parse(x.data).client === c.id))).toHaveLength(0);
    const before = await count('recovery_links');
    const blocked = await b.post(`${clientPath(shop.id, c.id)}/recovery`, { category: 'email_bounced', reason: 'Her mailbox was closed.', delivery: 'shown' });
    expect(blocked.statusCode).toBe(303);
    expect(blocked.headers.location).toBe('/support/second-factor');
    expect(await count('recovery_links')).toBe(before);

    const enrol = await b.get('/support/second-factor');
    expect(enrol.body).toContain('Set up your authenticator app');
    expect(enrol.body).toMatch(/<svg[^>]*>[\s\S]*<path/);
    const secret = /<code>([A-Z2-7 ]+)<\/code>/.exec(enrol.body)![1]!.replace(/ /g, '');
    secrets.set(email, secret);
    const done = await b.post('/support/second-factor', { _csrf: csrfOf(enrol.body), code: totp(secret) });
    expect(done.body).toContain('Save your recovery codes');
    const codes = [...done.body.matchAll(/<li><code>([a-z0-9-]+)<\/code><\/li>/g)].map((m) => m[1]!);
    expect(codes).toHaveLength(10);
    expect((await b.get('/support')).statusCode).toBe(200);

    // The next sign-in asks for a code from the app; a recovery code works once.
    const next = (await linkOnly(email)).b;
    const ask = await next.get('/support/second-factor');
    expect(ask.body).toContain('Enter your authenticator code');
    expect((await next.post('/support/second-factor', { _csrf: csrfOf(ask.body), code: codes[3]! })).headers.location).toBe('/support');
    const again = (await linkOnly(email)).b;
    const ask2 = await again.get('/support/second-factor');
    expect((await again.post('/support/second-factor', { _csrf: csrfOf(ask2.body), code: codes[3]! })).statusCode).toBe(400);
    const rows = await operatorRows('support.second_factor_enabled');
    expect(rows.some((r) => JSON.parse(r.data).by === 'Ana Alvarez')).toBe(true);
  });

  it('accepts an authenticator code once: the same code cannot open a second session', async () => {
    const { email } = await newAgent();
    await agentSignIn(email);
    t.clock.advance(31_000);
    const code = totp(secrets.get(email)!);
    const first = (await linkOnly(email)).b;
    const ask = await first.get('/support/second-factor');
    expect((await first.post('/support/second-factor', { _csrf: csrfOf(ask.body), code })).headers.location).toBe('/support');
    const replay = (await linkOnly(email)).b;
    const ask2 = await replay.get('/support/second-factor');
    const again = await replay.post('/support/second-factor', { _csrf: csrfOf(ask2.body), code });
    expect(again.statusCode).toBe(400);
    expect((await replay.get('/support')).headers.location).toBe('/support/second-factor');
  });

  it('counts parallel guesses: a burst of wrong codes locks the factor', async () => {
    const { email } = await newAgent();
    await agentSignIn(email);
    const b = (await linkOnly(email)).b;
    const ask = await b.get('/support/second-factor');
    t.clock.advance(31_000);
    const right = totp(secrets.get(email)!);
    const wrongs = ['000001', '000002', '000003', '000004', '000005', '000006', '000007', '000008'].filter((c) => c !== right);
    const answers = await Promise.all(wrongs.map((code) => b.post('/support/second-factor', { _csrf: csrfOf(ask.body), code })));
    expect(answers.every((a) => a.statusCode === 400 || a.statusCode === 429)).toBe(true);
    expect(answers.some((a) => a.statusCode === 429)).toBe(true);
    expect((await b.post('/support/second-factor', { _csrf: csrfOf(ask.body), code: right })).statusCode).toBe(429);
  });

  it('locks the factor after five wrong codes', async () => {
    const { email } = await newAgent();
    await agentSignIn(email);
    const b = (await linkOnly(email)).b;
    const ask = await b.get('/support/second-factor');
    const right = totp(secrets.get(email)!);
    const wrong = right === '000000' ? '111111' : '000000';
    for (let i = 0; i < 4; i++) expect((await b.post('/support/second-factor', { _csrf: csrfOf(ask.body), code: wrong })).statusCode).toBe(400);
    const locked = await b.post('/support/second-factor', { _csrf: csrfOf(ask.body), code: wrong });
    expect(locked.statusCode).toBe(429);
    expect(locked.body).toContain('Too many wrong codes');
    expect((await b.post('/support/second-factor', { _csrf: csrfOf(ask.body), code: right })).statusCode).toBe(429);
    expect((await b.get('/support')).headers.location).toBe('/support/second-factor');
  });

  it('ends a session after 1 hour idle or 8 hours in all, and at once when the agent is disabled', async () => {
    const { email } = await newAgent();
    const idle = await agentSignIn(email);
    t.clock.advance(59 * MINUTE);
    expect((await idle.get('/support')).statusCode).toBe(200);
    t.clock.advance(61 * MINUTE);
    expect((await idle.get('/support')).headers.location).toBe('/support/sign-in');

    const busy = await agentSignIn(email);
    for (let i = 0; i < 9; i++) {
      t.clock.advance(50 * MINUTE);
      expect((await busy.get('/support')).statusCode).toBe(200);
    }
    t.clock.advance(40 * MINUTE); // 8 h 10 min since sign-in, used 40 minutes ago
    expect((await busy.get('/support')).headers.location).toBe('/support/sign-in');

    const third = await agentSignIn(email);
    const r = await t.services.support.disable(email);
    expect(r.sessionsEnded).toBeGreaterThanOrEqual(1);
    expect((await third.get('/support')).headers.location).toBe('/support/sign-in');
    const before = await count('outbox_messages');
    await t.browser().submit('/support/sign-in', { identifier: email });
    await t.worker.runOnce();
    expect(await count('outbox_messages')).toBe(before); // a disabled agent gets no link
  });

  it('takes email only, answers an unknown email like a known one, and is no shop’s sign-in', async () => {
    const phone = await t.browser().submit('/support/sign-in', { identifier: '(512) 555-0187' });
    expect(phone.statusCode).toBe(400);
    expect(phone.body).toContain('Sign in to Servicio support with your work email address');
    const { email } = await newAgent();
    const { ownerEmail } = await shopWithOwner();
    const known = t.browser();
    const staff = t.browser();
    await known.submit('/support/sign-in', { identifier: email });
    await staff.submit('/support/sign-in', { identifier: ownerEmail });
    const strip = (s: string) => s.replace(/name="_csrf" value="[^"]+"/g, '').replace(/<strong>[^<]+<\/strong>/, '');
    expect(strip((await known.get('/support/sign-in/check')).body)).toBe(strip((await staff.get('/support/sign-in/check')).body));
    expect(await t.messagesTo(ownerEmail)).toHaveLength(0); // a shop owner is not a support agent
  });
});

describe(`finding a client across shops (${storeKind})`, () => {
  it('finds Sam by phone in every shop, shows contacts and messages read-only, and logs what the agent opened', async () => {
    const { email, agent } = await newAgent();
    const b = await agentSignIn(email);
    const a = await shopWithOwner('Greenway Lawn Care');
    const other = await shopWithOwner('Blue Lagoon Pools');
    const phone = newPhone();
    const samA = await makeClient(t, a.shop.id, { name: 'Sam Rivera', phone, email: `sam.${Date.now()}@example.com` });
    await makeClient(t, other.shop.id, { name: 'Sam Rivera', phone, email: null });
    // Sam asked for a link by text: the page shows what happened to it, in plain words.
    await t.browser().submit('/client-login', { identifier: phone });
    await t.lastMessageTo(phone);

    const digits = phone.slice(2);
    const found = await b.get(`/support?q=${encodeURIComponent(`(${digits.slice(0, 3)}) ${digits.slice(3, 6)}-${digits.slice(6)}`)}`);
    expect(found.statusCode).toBe(200);
    expect(found.body).toContain('Greenway Lawn Care');
    expect(found.body).toContain('Blue Lagoon Pools');
    expect(found.body).toContain(clientPath(a.shop.id, samA.id));
    expect((await b.get(`/support?q=${encodeURIComponent(samA.email!)}`)).body).toContain(clientPath(a.shop.id, samA.id));
    expect((await b.get('/support?q=sa')).body).not.toContain('Sam Rivera'); // too short: no listing of everyone

    const page = await b.get(clientPath(a.shop.id, samA.id));
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Client of <strong>Greenway Lawn Care</strong>');
    expect(page.body).toContain(samA.email!);
    expect(page.body).toContain('Sign-in link');
    expect(page.body).toMatch(/Sent|Delivered|Handed/);
    // Read-only: none of the console's edit actions are here.
    expect(page.body).not.toContain('/contact"');
    expect(page.body).not.toContain('send-link');
    const viewed = (await operatorRows('support.client_viewed')).map((r) => ({ ...JSON.parse(r.data), ip: r.ip }));
    expect(viewed.at(-1)).toMatchObject({ agent: agent.id, tenant: a.shop.id, client: samA.id, ip: '127.0.0.1' });
    const searched = (await operatorRows('support.searched')).map((r) => JSON.parse(r.data));
    // What was searched for is kept, with the email masked.
    expect(searched.at(-1)).toMatchObject({ agent: agent.id, query: 's***@example.com' });
    expect(JSON.stringify(searched)).not.toContain(samA.email!);
  });

  it('answers 404 for a client under another shop’s id', async () => {
    const { email } = await newAgent();
    const b = await agentSignIn(email);
    const a = await shopWithOwner();
    const other = await shopWithOwner();
    const c = await makeClient(t, a.shop.id);
    expect((await b.get(clientPath(other.shop.id, c.id))).statusCode).toBe(404);
    const before = await count('recovery_links');
    const page = await b.get(clientPath(a.shop.id, c.id));
    const res = await b.post(`${clientPath(other.shop.id, c.id)}/recovery`, { _csrf: csrfOf(page.body), category: 'email_bounced', reason: 'Mailbox closed last week.', delivery: 'shown' });
    expect(res.statusCode).toBe(404);
    expect(await count('recovery_links')).toBe(before);
  });
});

describe(`the recovery link (${storeKind})`, () => {
  it('needs a reason (a category and 10+ characters) and a contact on file for the chosen channel; a refusal makes and sends nothing', async () => {
    const { email } = await newAgent();
    const b = await agentSignIn(email);
    const { shop } = await shopWithOwner();
    const c = await makeClient(t, shop.id, { phone: null });
    const before = { links: await count('recovery_links'), outbox: await count('outbox_messages') };
    const noCategory = await issue(b, shop.id, c.id, { category: '' });
    expect(noCategory.statusCode).toBe(400);
    expect(noCategory.body).toContain('Choose why the client needs a recovery link');
    const short = await issue(b, shop.id, c.id, { reason: 'bounced' });
    expect(short.statusCode).toBe(400);
    expect(short.body).toContain('at least 10 characters');
    expect(short.body).toContain('>bounced</textarea>'); // what was typed is kept
    const noPhone = await issue(b, shop.id, c.id, { delivery: 'sms' });
    expect(noPhone.statusCode).toBe(400);
    expect(noPhone.body).toContain('has no mobile number on file');
    const forged = await b.post(`${clientPath(shop.id, c.id)}/recovery`, { _csrf: 'x', category: 'email_bounced', reason: 'Mailbox closed last week.', delivery: 'shown' });
    expect(forged.statusCode).toBe(403);
    expect(await count('recovery_links')).toBe(before.links);
    expect(await count('outbox_messages')).toBe(before.outbox);
  });

  it('shown once to the agent: 48 characters, stored hashed, never shown again; a scanner’s GET consumes nothing; it works once', async () => {
    const { email } = await newAgent();
    const b = await agentSignIn(email);
    const { shop } = await shopWithOwner();
    const c = await makeClient(t, shop.id, { phone: newPhone() });
    const res = await issue(b, shop.id, c.id, { delivery: 'shown', category: 'lost_email', reason: 'Lost access to his old ISP mailbox.' });
    expect(res.statusCode).toBe(201);
    expect(res.body).toContain('Shown once.');
    expect(res.body).toContain('never be shown again');
    const link = shownLink(res.body)!;
    const token = link.split('/r/')[1]!;
    expect(token).toHaveLength(48);
    const row = (await t.db.selectFrom('recovery_links').selectAll().where('client_id', '=', c.id).executeTakeFirstOrThrow());
    expect(row.token_hash).toBe(sha256(token));
    expect(JSON.stringify(row)).not.toContain(token);
    // Not on the client page afterwards, not in any audit row, not in any queued message.
    expect((await b.get(clientPath(shop.id, c.id))).body).not.toContain(token);
    const audit = await t.db.selectFrom('audit_events').select('data').execute();
    expect(audit.some((r) => r.data.includes(token))).toBe(false);
    expect(await t.messagesTo(c.email!).then((m) => m.some((x) => x.text.includes(token)))).toBe(false);

    // A mail scanner or link preview opens it: "Continue", nothing consumed, no session.
    const sessions = await count('sessions');
    const scanner = await t.browser().get(link);
    expect(scanner.statusCode).toBe(200);
    expect(scanner.headers['referrer-policy']).toBe('no-referrer'); // the page's stylesheet and logo requests carry no token
    expect(scanner.body).toContain('Continue to my portal');
    expect(scanner.body).toContain(shop.name);
    expect(await count('sessions')).toBe(sessions);
    expect((await t.db.selectFrom('recovery_links').select('consumed_at').where('id', '=', row.id).executeTakeFirstOrThrow()).consumed_at).toBeNull();

    const client = t.browser();
    const cont = await client.get(link);
    const opened = await client.post(link, { _csrf: csrfOf(cont.body) });
    expect(opened.headers.location).toBe('/portal');
    expect(client.cookie('session')).toBeDefined();
    const home = await client.get('/portal');
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain('one-time link from Servicio support');

    // Once only: the second tap (any browser) is refused and opens nothing.
    const thief = t.browser();
    const cont2 = await thief.get(link);
    expect(cont2.statusCode).toBe(410);
    const again = await thief.post(link, { _csrf: csrfOf((await thief.get('/client-login')).body) });
    expect(again.statusCode).toBe(410);
    expect(thief.cookie('session')).toBeUndefined();
    expect(await count('sessions')).toBe(sessions + 1);
    expect((await shopRows(shop.id, 'support.recovery_rejected')).map((r) => JSON.parse(r.data).reason)).toContain('already used');
  });

  it('expires after 15 minutes (the injected clock): refused, and no session is made', async () => {
    const { email } = await newAgent();
    const b = await agentSignIn(email);
    const { shop } = await shopWithOwner();
    const c = await makeClient(t, shop.id);
    const link = shownLink((await issue(b, shop.id, c.id, {})).body)!;
    t.clock.advance(14 * MINUTE);
    const cont = await t.browser().get(link);
    expect(cont.statusCode).toBe(200);
    t.clock.advance(MINUTE + 1000);
    const late = t.browser();
    expect((await late.get(link)).statusCode).toBe(410);
    const sessions = await count('sessions');
    expect((await late.post(link, { _csrf: csrfOf((await late.get('/client-login')).body) })).statusCode).toBe(410);
    expect(await count('sessions')).toBe(sessions);
    expect((await shopRows(shop.id, 'support.recovery_rejected')).map((r) => JSON.parse(r.data).reason)).toContain('expired');
  });

  it('lasts as long as RECOVERY_LINK_TTL_MINUTES says', async () => {
    const t2 = await startTestServer({ seed: false, env: { RECOVERY_LINK_TTL_MINUTES: '5' } });
    try {
      const agent = await t2.services.support.add({ email: 'ana@servicio.example', name: 'Ana Alvarez' });
      const shop = await makeShop(t2);
      const c = await makeClient(t2, shop.id);
      const issued = await t2.services.recovery.issue({ agentId: agent.id, name: agent.name }, { tenantId: shop.id, clientId: c.id, category: 'lost_email', reason: 'Lost the mailbox with his old job.', delivery: 'shown', formNonce: 'nonce-0123456789abcdef' }, { ip: '127.0.0.1', userAgent: null });
      expect(issued.expiresAt - t2.clock.now()).toBe(5 * MINUTE);
      const token = issued.link!.split('/r/')[1]!;
      t2.clock.advance(5 * MINUTE - 1000);
      expect((await t2.services.recovery.inspect(token)).usable).toBe(true);
      t2.clock.advance(1000);
      expect((await t2.services.recovery.inspect(token)).usable).toBe(false);
      expect(await t2.services.recovery.redeem(token, { ip: '127.0.0.1', userAgent: null })).toBeNull();
    } finally {
      await t2.close();
    }
  });

  it('goes to a contact on file when the agent chooses, and every contact on file is told, in the shop’s branding', async () => {
    const { email } = await newAgent('Ana Alvarez');
    const b = await agentSignIn(email);
    const { shop, ownerEmail } = await shopWithOwner('Greenway Lawn Care');
    const phone = newPhone();
    const c = await makeClient(t, shop.id, { phone });
    const res = await issue(b, shop.id, c.id, { delivery: 'sms', category: 'email_bounced', reason: 'Her work mailbox bounces since she left.' });
    expect(res.statusCode).toBe(201);
    expect(res.body).toContain('Sent to');
    expect(shownLink(res.body)).toBeUndefined(); // sent, so never shown
    await t.worker.runOnce();
    const texts = await t.messagesTo(phone);
    const linkText = texts.find((m) => recoveryLinkIn(m.text));
    expect(linkText?.text).toContain('Greenway Lawn Care: your one-time recovery link from Servicio support');
    const noticeText = texts.find((m) => m.text.startsWith('Servicio support issued a sign-in link'));
    expect(noticeText?.text).toMatch(new RegExp(`^Servicio support issued a sign-in link for your Greenway Lawn Care portal at \\d{1,2}:\\d{2} (AM|PM) UTC on \\w+ \\d+\\. If this wasn't you, contact Greenway Lawn Care at ${ownerEmail.replace(/[.]/g, '\\.')}\\.$`));
    const mails = await t.messagesTo(c.email!);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe('Servicio support issued a sign-in link for your Greenway Lawn Care portal');
    expect(mails[0]!.html).toContain(shop.brand_color);
    expect(recoveryLinkIn(mails[0]!.text)).toBeUndefined(); // the notice carries no link of its own
    // The link by text works like the shown one; in the store it exists only sealed.
    const link = recoveryLinkIn(linkText!.text)!;
    const stored = await t.db.selectFrom('outbox_messages').selectAll().where('client_id', '=', c.id).execute();
    expect(stored.length).toBeGreaterThanOrEqual(3);
    expect(JSON.stringify(stored)).not.toContain(link.split('/r/')[1]!);
    const client = t.browser();
    const cont = await client.get(link);
    expect((await client.post(link, { _csrf: csrfOf(cont.body) })).headers.location).toBe('/portal');
  });

  it('opens a recovery session: one shop, can see and pay, a day at most and never renewed; a new email only with a code sent to it', async () => {
    const { email } = await newAgent();
    const b = await agentSignIn(email);
    const a = await shopWithOwner('Greenway Lawn Care');
    const other = await shopWithOwner('Blue Lagoon Pools');
    const samEmail = `sam.${Date.now()}@example.com`;
    const sam = await makeClient(t, a.shop.id, { name: 'Sam Rivera', email: samEmail, externalId: `sam-${Date.now()}` });
    const samB = await makeClient(t, other.shop.id, { name: 'Sam Rivera', email: samEmail, externalId: `samb-${Date.now()}` });
    const inv = await makeInvoice(t, a.shop.id, sam.external_id!, { cents: 12000 });
    const invB = await makeInvoice(t, other.shop.id, samB.external_id!);

    const link = shownLink((await issue(b, a.shop.id, sam.id, {})).body)!;
    const client = t.browser();
    const cont = await client.get(link);
    const opened = await client.post(link, { _csrf: csrfOf(cont.body) });
    const cookie = opened.cookies.find((x) => x.name.endsWith('sp_session'))!;
    expect(cookie.maxAge).toBe(24 * 3600);
    const session = await t.db.selectFrom('sessions').selectAll().where('client_id', '=', sam.id).orderBy('created_at', 'desc').executeTakeFirstOrThrow();
    expect(session.kind).toBe('recovery');
    expect(session.tenant_id).toBe(a.shop.id);

    // See and pay — in this shop only (tenant scope: shop B's invoice does not exist here).
    const invoicePage = await client.get(`/portal/invoices/${inv.id}`);
    expect(invoicePage.statusCode).toBe(200);
    const paid = await client.post(`/portal/invoices/${inv.id}/pay`, { _csrf: csrfOf(invoicePage.body) });
    expect(paid.headers.location).toBe(`/portal/invoices/${inv.id}?paid=1`);
    expect((await client.get(`/portal/invoices/${invB.id}`)).statusCode).toBe(404);
    expect((await client.get('/portal')).body).toContain('Greenway Lawn Care');
    expect((await client.get('/portal')).body).not.toContain('Blue Lagoon Pools');

    // The contact can't simply be overwritten…
    const profile = await client.get('/portal/profile');
    expect(profile.body).toContain('Send a code to this email');
    const direct = await client.post('/portal/profile', { _csrf: csrfOf(profile.body), email: 'attacker@evil.example', phone: '' });
    expect(direct.statusCode).toBe(403);
    expect((await t.services.clients.get(a.shop.id, sam.id))!.email).toBe(samEmail);
    // …only proved: a code goes to the new address; a wrong code changes nothing; the right one does.
    const newEmail = `sam.new.${Date.now()}@example.com`;
    const asked = await client.post('/portal/profile/prove', { _csrf: csrfOf(profile.body), kind: 'email', value: newEmail });
    expect(asked.statusCode).toBe(200);
    expect(asked.body).toContain('We sent a code to');
    const [codeMsg] = await t.messagesTo(newEmail);
    expect(codeMsg!.subject).toMatch(/^Your code to confirm this email address: \d{6}$/);
    const code = /(\d{6})/.exec(codeMsg!.subject!)![1]!;
    const wrong = await client.post('/portal/profile/confirm', { _csrf: csrfOf(asked.body), code: code === '000000' ? '111111' : '000000' });
    expect(wrong.statusCode).toBe(400);
    expect((await t.services.clients.get(a.shop.id, sam.id))!.email).toBe(samEmail);
    const right = await client.post('/portal/profile/confirm', { _csrf: csrfOf(asked.body), code });
    expect(right.headers.location).toBe('/portal/profile?saved=1');
    expect((await t.services.clients.get(a.shop.id, sam.id))!.email).toBe(newEmail);
    expect((await t.services.clients.get(other.shop.id, samB.id))!.email).toBe(samEmail); // shop B untouched
    expect((await shopRows(a.shop.id, 'client.contact_proved')).length).toBe(1);

    // A day at most, never renewed, whatever the use.
    t.clock.advance(23 * HOUR);
    const late = await client.get('/portal');
    expect(late.statusCode).toBe(200);
    expect(late.cookies.find((x) => x.name.endsWith('sp_session'))).toBeUndefined();
    t.clock.advance(HOUR + 1000);
    expect((await client.get('/portal')).headers.location).toBe('/client-login');
  });

  it('shows the owner the recovery in the shop’s audit log with the agent and the reason; the operator audit has agent id, IP and browser', async () => {
    const { email, agent } = await newAgent('Ana Alvarez');
    const b = await agentSignIn(email);
    const { shop, ownerEmail } = await shopWithOwner();
    const c = await makeClient(t, shop.id, { name: 'Sam Rivera' });
    const page = await b.get(clientPath(shop.id, c.id));
    const res = await b.post(`${clientPath(shop.id, c.id)}/recovery`, { _csrf: csrfOf(page.body), nonce: nonceOf(page.body), category: 'texts_blocked', reason: 'Carrier blocks short codes; email bounced too.', delivery: 'shown' }, { 'user-agent': 'Mozilla/5.0 (Macintosh) SupportDesk/1.0' });
    const token = shownLink(res.body)!.split('/r/')[1]!;

    const owner = t.browser();
    await owner.submit('/shop/sign-in', { identifier: ownerEmail });
    await owner.get((await t.lastMessageTo(ownerEmail)).link);
    const log = await owner.get(`/shop/audit?client=${c.id}`);
    expect(log.body).toContain('Recovery link issued by Servicio support');
    expect(log.body).toContain('Ana Alvarez (Servicio support)');
    expect(log.body).toContain('Carrier blocks texts: Carrier blocks short codes; email bounced too.');
    expect(log.body).not.toContain(token);
    const shopRow = (await shopRows(shop.id, 'support.recovery_issued'))[0]!;
    expect(shopRow.ip).toBeNull(); // Servicio's own addresses stay in the operator audit

    const op = (await operatorRows('support.recovery_issued')).map((r) => ({ ...JSON.parse(r.data), ip: r.ip })).find((r) => r.client === c.id);
    expect(op).toMatchObject({ agent: agent.id, tenant: shop.id, category: 'texts_blocked', via: 'shown', userAgent: 'Mozilla/5.0 (Macintosh) SupportDesk/1.0', ip: '127.0.0.1' });
    const printed: string[] = [];
    const { runCli } = await import('../../src/cli.ts');
    // The CLI reads the same store (the harness's env), as an operator would.
    const saved = { ...process.env };
    Object.assign(process.env, t.env);
    try {
      expect(await runCli(['support', 'audit', '--json'], (l) => printed.push(l))).toBe(0);
    } finally {
      process.env = saved;
    }
    const events = JSON.parse(printed.join('\n')) as Record<string, unknown>[];
    expect(events.find((e) => e.action === 'support.recovery_issued' && e.client === c.id)).toMatchObject({ agent: agent.id, ip: '127.0.0.1' });
    expect(printed.join('\n')).not.toContain(token);
  });

  it('limits: 3 a day per client, 20 an hour per agent; a refusal is explained and audited, and makes and sends nothing', async () => {
    const { email, agent } = await newAgent();
    const b = await agentSignIn(email);
    const { shop } = await shopWithOwner();
    const c = await makeClient(t, shop.id);
    for (let i = 0; i < 3; i++) expect((await issue(b, shop.id, c.id, {})).statusCode).toBe(201);
    const before = { links: await count('recovery_links'), outbox: await count('outbox_messages') };
    const fourth = await issue(b, shop.id, c.id, {});
    expect(fourth.statusCode).toBe(429);
    expect(fourth.body).toContain('This client has had 3 recovery links in the last 24 hours');
    expect(fourth.body).toContain('Nothing was sent.');
    expect(shownLink(fourth.body)).toBeUndefined();
    expect(await count('recovery_links')).toBe(before.links);
    expect(await count('outbox_messages')).toBe(before.outbox);
    expect((await shopRows(shop.id, 'support.recovery_refused')).map((r) => JSON.parse(r.data).reason)).toEqual(['client daily limit']);
    expect((await operatorRows('support.recovery_refused')).some((r) => JSON.parse(r.data).agent === agent.id)).toBe(true);
    // A day later it is allowed again (Redis counts in its own real time: checked on the store only).
    const redis = !!process.env.REDIS_URL;
    t.clock.advance(DAY + MINUTE);
    const b2 = await agentSignIn(email);
    if (!redis) expect((await issue(b2, shop.id, c.id, {})).statusCode).toBe(201);

    // Per agent: 20 in an hour, across clients. This agent issued 3 this hour (the 4th, refused
    // by the client's limit, was not charged to the agent): 17 more are allowed, not 16.
    const other = await newAgent();
    const ob = await agentSignIn(other.email);
    const first = await makeClient(t, shop.id);
    for (let i = 0; i < 3; i++) expect((await issue(ob, shop.id, first.id, {})).statusCode).toBe(201);
    expect((await issue(ob, shop.id, first.id, {})).statusCode).toBe(429);
    const clients = await Promise.all(Array.from({ length: 18 }, () => makeClient(t, shop.id)));
    for (const x of clients.slice(0, 17)) expect((await issue(ob, shop.id, x.id, {})).statusCode).toBe(201);
    const links = await count('recovery_links');
    const over = await issue(ob, shop.id, clients[17]!.id, {});
    expect(over.statusCode).toBe(429);
    expect(over.body).toContain('You have issued 20 recovery links in the last hour');
    expect(await count('recovery_links')).toBe(links);
    t.clock.advance(HOUR + MINUTE);
    const ob2 = await agentSignIn(other.email);
    if (!redis) expect((await issue(ob2, shop.id, clients[17]!.id, {})).statusCode).toBe(201);
  });

  it('issues one link per form: the same answer sent again (a page refresh) issues nothing more', async () => {
    const { email } = await newAgent();
    const b = await agentSignIn(email);
    const { shop } = await shopWithOwner();
    const c = await makeClient(t, shop.id);
    const page = await b.get(clientPath(shop.id, c.id));
    const form = { _csrf: csrfOf(page.body), nonce: nonceOf(page.body), category: 'lost_email', reason: 'Lost the mailbox with his old job.', delivery: 'email' };
    expect((await b.post(`${clientPath(shop.id, c.id)}/recovery`, form)).statusCode).toBe(201);
    const outbox = await count('outbox_messages');
    const again = await b.post(`${clientPath(shop.id, c.id)}/recovery`, form);
    expect(again.statusCode).toBe(409);
    expect(again.body).toContain('This form was already sent');
    expect(await t.db.selectFrom('recovery_links').select('id').where('client_id', '=', c.id).execute()).toHaveLength(1);
    expect(await count('outbox_messages')).toBe(outbox);
  });

  it('opens one session however many taps arrive at once', async () => {
    const { email } = await newAgent();
    const b = await agentSignIn(email);
    const { shop } = await shopWithOwner();
    const c = await makeClient(t, shop.id);
    const link = shownLink((await issue(b, shop.id, c.id, {})).body)!;
    const tabs = await Promise.all(Array.from({ length: 4 }, async () => {
      const tab = t.browser();
      const cont = await tab.get(link);
      return { tab, csrf: csrfOf(cont.body) };
    }));
    const answers = await Promise.all(tabs.map(({ tab, csrf }) => tab.post(link, { _csrf: csrf })));
    expect(answers.map((a) => a.statusCode).sort()).toEqual([303, 410, 410, 410]);
    expect(await t.db.selectFrom('sessions').select('id').where('client_id', '=', c.id).where('kind', '=', 'recovery').execute()).toHaveLength(1);
    // The same race one level down: every redemption reads the link as unused before any consumes
    // it, so only the consuming UPDATE itself can let just one through.
    const c2 = await makeClient(t, shop.id);
    const token = shownLink((await issue(b, shop.id, c2.id, {})).body)!.split('/r/')[1]!;
    const ctx = { ip: '127.0.0.1', userAgent: null };
    const redeemed = await Promise.all(Array.from({ length: 4 }, () => t.services.recovery.redeem(token, ctx)));
    expect(redeemed.filter((x) => x !== null)).toHaveLength(1);
    expect(await t.db.selectFrom('sessions').select('id').where('client_id', '=', c2.id).execute()).toHaveLength(1);
  });

  it('disabling an agent withdraws their unused links and ends the sessions their links opened', async () => {
    const { email } = await newAgent();
    const b = await agentSignIn(email);
    const { shop } = await shopWithOwner();
    const used = await makeClient(t, shop.id);
    const unused = await makeClient(t, shop.id);
    const usedLink = shownLink((await issue(b, shop.id, used.id, {})).body)!;
    const unusedLink = shownLink((await issue(b, shop.id, unused.id, {})).body)!;
    const client = t.browser();
    await client.post(usedLink, { _csrf: csrfOf((await client.get(usedLink)).body) });
    expect((await client.get('/portal')).statusCode).toBe(200);
    const r = await t.services.support.disable(email);
    expect(r).toMatchObject({ linksWithdrawn: 1, clientSessionsEnded: 1 });
    expect((await client.get('/portal')).headers.location).toBe('/client-login');
    const late = t.browser();
    expect((await late.get(unusedLink)).statusCode).toBe(410);
    expect((await late.post(unusedLink, { _csrf: csrfOf((await late.get('/client-login')).body) })).statusCode).toBe(410);
    expect(await t.db.selectFrom('sessions').select('id').where('client_id', '=', unused.id).execute()).toHaveLength(0);
  });

  it('in a browser signed in as someone else: says so, and that session ends rather than lingering', async () => {
    const { email } = await newAgent();
    const b = await agentSignIn(email);
    const { shop } = await shopWithOwner('Greenway Lawn Care');
    const other = await makeClient(t, shop.id, { name: 'Pat Other' });
    const sam = await makeClient(t, shop.id, { name: 'Sam Rivera' });
    const shared = t.browser();
    await shared.submit('/client-login', { identifier: other.email! });
    await shared.get((await t.lastMessageTo(other.email!)).link);
    const before = await t.db.selectFrom('sessions').selectAll().where('client_id', '=', other.id).executeTakeFirstOrThrow();
    const link = shownLink((await issue(b, shop.id, sam.id, {})).body)!;
    const cont = await shared.get(link);
    expect(cont.body).toContain('This browser is signed in to the Greenway Lawn Care portal as Pat Other. Continuing signs that out.');
    expect((await shared.post(link, { _csrf: csrfOf(cont.body) })).headers.location).toBe('/portal');
    expect(JSON.parse((await shared.get('/portal/session.json')).body).client.name).toBe('Sam Rivera');
    const after = await t.db.selectFrom('sessions').select('revoked_at').where('id', '=', before.id).executeTakeFirstOrThrow();
    expect(after.revoked_at).not.toBeNull();
  });

  it('proving a new contact: 5 tries per code, 5 codes an hour (refusals count), other clients’ details never named, the old contact told; not for other sessions', async () => {
    const { email } = await newAgent();
    const b = await agentSignIn(email);
    const { shop, ownerEmail } = await shopWithOwner('Greenway Lawn Care');
    const neighbour = await makeClient(t, shop.id, { name: 'Nina Neighbour' });
    const sam = await makeClient(t, shop.id, { name: 'Sam Rivera' });
    const link = shownLink((await issue(b, shop.id, sam.id, {})).body)!;
    const client = t.browser();
    await client.post(link, { _csrf: csrfOf((await client.get(link)).body) });
    const csrf = csrfOf((await client.get('/portal/profile')).body);
    const prove = (value: string) => client.post('/portal/profile/prove', { _csrf: csrf, kind: 'email', value });
    const confirm = (code: string) => client.post('/portal/profile/confirm', { _csrf: csrf, code });

    // Another client's email: refused without naming anyone; nothing sent.
    const taken = await prove(neighbour.email!);
    expect(taken.statusCode).toBe(409);
    expect(taken.body).toContain('can’t be used for your account. Ask Greenway Lawn Care to help.');
    expect(taken.body).not.toContain('Nina');
    expect(await t.messagesTo(neighbour.email!)).toHaveLength(0);

    // Five wrong tries use a code up; the right one is then refused too.
    const first = `sam.first.${Date.now()}@example.com`;
    expect((await prove(first)).statusCode).toBe(200);
    const [msg] = await t.messagesTo(first);
    const code = /(\d{6})/.exec(msg!.subject!)![1]!;
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 4; i++) expect((await confirm(wrong)).statusCode).toBe(400);
    const fifth = await confirm(wrong);
    expect(fifth.body).toContain('Too many wrong codes. Ask for a new one.');
    expect((await confirm(code)).statusCode).toBe(400);
    expect((await t.services.clients.get(shop.id, sam.id))!.email).toBe(sam.email);

    // Five codes an hour, the refused one above included: three more are allowed, then none.
    expect((await prove(`sam.second.${Date.now()}@example.com`)).statusCode).toBe(200);
    expect((await prove(`sam.third.${Date.now()}@example.com`)).statusCode).toBe(200);
    const last = `sam.last.${Date.now()}@example.com`;
    expect((await prove(last)).statusCode).toBe(200);
    const refused = await prove(`sam.fourth.${Date.now()}@example.com`);
    expect(refused.statusCode).toBe(429);
    expect(refused.body).toContain('You have asked for 5 codes in the last hour');

    // The newest code works; the old address is told, with the shop's contact.
    const [lastMsg] = await t.messagesTo(last);
    expect((await confirm(/(\d{6})/.exec(lastMsg!.subject!)![1]!)).headers.location).toBe('/portal/profile?saved=1');
    expect((await t.services.clients.get(shop.id, sam.id))!.email).toBe(last);
    const told = (await t.messagesTo(sam.email!)).find((m) => m.subject === 'Your email address for Greenway Lawn Care was changed');
    expect(told?.text).toContain(`If this wasn't you, contact Greenway Lawn Care at ${ownerEmail}.`);

    // A normal session has its own form; the proving routes change nothing for it.
    const normal = t.browser();
    await normal.submit('/client-login', { identifier: neighbour.email! });
    await normal.get((await t.lastMessageTo(neighbour.email!)).link);
    const outbox = await count('outbox_messages');
    const ncsrf = csrfOf((await normal.get('/portal/profile')).body);
    expect((await normal.post('/portal/profile/prove', { _csrf: ncsrf, kind: 'email', value: 'x@example.com' })).headers.location).toBe('/portal/profile');
    expect(await count('outbox_messages')).toBe(outbox);
  });

  it('never opens another shop: a link for shop A signs in to shop A only, even when the client is also at shop B', async () => {
    const { email } = await newAgent();
    const b = await agentSignIn(email);
    const a = await shopWithOwner('Greenway Lawn Care');
    const other = await shopWithOwner('Blue Lagoon Pools');
    const phone = newPhone();
    const samA = await makeClient(t, a.shop.id, { phone, email: null });
    const samB = await makeClient(t, other.shop.id, { phone, email: null });
    const link = shownLink((await issue(b, other.shop.id, samB.id, {})).body)!;
    const client = t.browser();
    const cont = await client.get(link);
    expect(cont.body).toContain('Blue Lagoon Pools');
    expect(cont.body).not.toContain('Greenway Lawn Care');
    await client.post(link, { _csrf: csrfOf(cont.body) });
    const json = JSON.parse((await client.get('/portal/session.json')).body);
    expect(json.tenant.name).toBe('Blue Lagoon Pools');
    expect(json.kind).toBe('recovery');
    const rows = await t.db.selectFrom('sessions').select(['tenant_id', 'client_id']).where('kind', '=', 'recovery').where('client_id', 'in', [samA.id, samB.id]).execute();
    expect(rows).toEqual([{ tenant_id: other.shop.id, client_id: samB.id }]);
  });
});
