// Issue 11: the homeowner's side — the shop's brand from the first screen, one-tap recovery from an
// expired link, a language chosen per browser and per client, and the portal's rough edges.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '../../src/modules/demo/seed.ts';
import { MINUTE } from '../../src/lib/clock.ts';
import { csrfOf } from '../helpers/browser.ts';
import { askLink, footprint, makeClient, makeInvoice, makeShop, signIn } from '../helpers/factories.ts';
import { startTestServer, storeKind, type TestServer } from '../helpers/harness.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => t?.close());

const logins = async (identifier: string) => Number((await t.db.selectFrom('login_requests').select((eb) => eb.fn.countAll<number>().as('n')).where('identifier', '=', identifier).executeTakeFirstOrThrow()).n);
const formAction = (body: string, label: string) => new RegExp(`<form method="post" action="([^"]+)">[^]*?>${label}</button>`).exec(body)?.[1];

describe(`the shop's own sign-in page (${storeKind})`, () => {
  it('/c/<shop> is branded with the shop and remembered, so /client-login is branded too', async () => {
    const b = t.browser();
    const page = await b.get('/c/greenway-lawn');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<title>Sign in · Greenway Lawn Care</title>');
    expect(page.body).toContain('<h1>Sign in to Greenway Lawn Care</h1>');
    expect(page.body).toContain('class="t-15803d"');
    expect(page.body).not.toContain('Servicio client portal');
    expect(page.body).toContain('action="/c/greenway-lawn"');
    expect(b.cookie('shop')).toBe('greenway-lawn');

    const later = await b.get('/client-login');
    expect(later.body).toContain('<h1>Sign in to Greenway Lawn Care</h1>');
    // A fresh browser knows no shop: the neutral page.
    expect((await t.browser().get('/client-login')).body).toContain('<h1>Sign in to your portal</h1>');

    // Asking from the shop's page: the check page stays in the shop's colours and words.
    const res = await b.post('/c/greenway-lawn', { identifier: demo.oneShop.email, _csrf: csrfOf(page.body) });
    expect(res.headers.location).toBe('/client-login/check');
    const check = await b.get('/client-login/check');
    expect(check.body).toContain('class="t-15803d"');
    // The words are the same for every shop: the address is looked up in all of them.
    expect(check.body).toContain('is on file, a sign-in link is on its way');
    expect(check.body).not.toContain('Servicio shop');
    await t.lastMessageTo(demo.oneShop.email); // delivered now, so later tests read their own message
  });

  it('an unknown shop address says so, sets nothing, and still offers the sign-in form', async () => {
    const b = t.browser();
    const page = await b.get('/c/no-such-shop');
    expect(page.statusCode).toBe(404);
    expect(page.body).toContain('couldn’t find that shop’s sign-in page');
    expect(page.body).toContain('name="identifier"');
    expect(b.cookie('shop')).toBeUndefined();
  });

  it('a sign-in remembers the shop in the browser', async () => {
    const greenway = (await t.services.tenants.bySlug('greenway-lawn'))!;
    const c = await makeClient(t, greenway.id);
    const b = await signIn(t, c.email!);
    expect((await b.get('/portal')).statusCode).toBe(200);
    expect(b.cookie('shop')).toBe('greenway-lawn');
  });
});

describe(`one tap from an expired link (${storeKind})`, () => {
  it('the browser that asked gets a new link to the same address, once per link, and its check page', async () => {
    const shop = await makeShop(t, { name: 'Expiry Lawns' });
    const c = await makeClient(t, shop.id);
    const { browser } = await askLink(t, c.email!);
    const first = await t.lastMessageTo(c.email!);
    t.clock.advance(31 * MINUTE);

    const dead = await browser.get(first.link);
    expect(dead.statusCode).toBe(410);
    expect(dead.body).toContain('<title>Link expired · Expiry Lawns</title>'); // the shop the link belonged to
    const action = formAction(dead.body, 'Send me a new link');
    expect(action).toMatch(/^\/l\/[A-Za-z0-9_-]{48}\/resend$/);

    const before = await logins(c.email!);
    const res = await browser.post(action!, { _csrf: csrfOf(dead.body) });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/client-login/check');
    expect(await logins(c.email!)).toBe(before + 1);
    const second = await t.lastMessageTo(c.email!);
    expect(second.link).not.toBe(first.link);
    expect(second.channel).toBe('email');
    const check = await browser.get('/client-login/check');
    expect(check.body).toContain('Check your email');
    // The new link signs in with one tap in this browser.
    expect((await browser.get(second.link)).headers.location).toBe('/portal');

    // The same dead link cannot ask twice: the page says so and nothing is written.
    const again = await browser.get(first.link);
    expect(again.body).not.toContain('/resend');
    expect(again.body).toContain('already asked for a new one');
    const replay = await browser.post(action!, { _csrf: csrfOf((await browser.get('/client-login')).body) });
    expect(replay.statusCode).toBe(410);
    expect(await logins(c.email!)).toBe(before + 1);
  });

  it('another browser learns nothing about where the new link goes', async () => {
    const shop = await makeShop(t, { name: 'Quiet Pools' });
    const c = await makeClient(t, shop.id);
    await askLink(t, c.email!);
    const first = await t.lastMessageTo(c.email!);
    t.clock.advance(31 * MINUTE);
    const stranger = t.browser();
    const dead = await stranger.get(first.link);
    const posted = await stranger.post(formAction(dead.body, 'Send me a new link')!, { _csrf: csrfOf(dead.body) });
    expect(posted.statusCode).toBe(303);
    expect(posted.headers.location).toBe('/client-login/sent');
    const res = await stranger.get('/client-login/sent');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('If that link was yours');
    expect(res.body).toContain('<title>New link sent · Quiet Pools</title>');
    expect(res.body).not.toContain(c.email!.split('@')[0]!.slice('client-'.length));
    expect(res.body).not.toContain('@example.com');
    expect(res.body).not.toMatch(/\*\*\*/); // no masked address either
    expect(stranger.cookie('bind')).toBeUndefined();
    const second = await t.lastMessageTo(c.email!);
    expect(second.link).not.toBe(first.link);
  });

  it('an unknown link offers no resend, and a forged resend writes nothing', async () => {
    const b = t.browser();
    const page = await b.get(`/l/${'B'.repeat(48)}`);
    expect(page.body).not.toContain('/resend');
    const before = await footprint(t);
    const res = await b.post(`/l/${'B'.repeat(48)}/resend`, { _csrf: csrfOf((await b.get('/client-login')).body) });
    expect(res.statusCode).toBe(410);
    const after = await footprint(t);
    expect(after.logins).toBe(before.logins);
    expect(after.outbox).toBe(before.outbox);
  });

  it('a still-live link cannot be used to ask for another', async () => {
    const shop = await makeShop(t);
    const c = await makeClient(t, shop.id);
    await askLink(t, c.email!);
    const msg = await t.lastMessageTo(c.email!);
    const b = t.browser();
    const page = await b.get(msg.link);
    const before = await logins(c.email!);
    const res = await b.post(`${msg.link}/resend`, { _csrf: csrfOf(page.body) });
    expect(res.statusCode).toBe(410);
    expect(await logins(c.email!)).toBe(before);
  });
});

describe(`a used recovery link (${storeKind})`, () => {
  it('says so in its shop’s brand and language, and points to the shop’s sign-in page', async () => {
    const shop = await makeShop(t, { name: 'Recovered Lawns', brandColor: '#7c3aed' });
    const c = await makeClient(t, shop.id);
    const agent = await t.services.support.add({ email: 'agent.homeowner@servicio.example', name: 'Rita Agent' });
    const issued = await t.services.recovery.issue({ agentId: agent.id, name: agent.name }, { tenantId: shop.id, clientId: c.id, category: 'lost_email', reason: 'Lost the mailbox with her old job.', delivery: 'shown', formNonce: 'nonce-homeowner-0001' }, { ip: '127.0.0.1', userAgent: null });
    const b = t.browser();
    const page = await b.get(issued.link!);
    expect((await b.post(issued.link!, { _csrf: csrfOf(page.body) })).statusCode).toBe(303);
    const dead = await t.browser().get(issued.link!, { 'accept-language': 'es' });
    expect(dead.statusCode).toBe(410);
    expect(dead.body).toContain('<title>El enlace ya no sirve · Recovered Lawns</title>');
    expect(dead.body).toContain('class="t-7c3aed"');
    expect(dead.body).toMatch(/href="\/c\/[a-z0-9-]+"/);
  });
});

describe(`the check page (${storeKind})`, () => {
  it('"Send again" waits a minute (refusing writes nothing), then sends to the same address', async () => {
    const shop = await makeShop(t);
    const c = await makeClient(t, shop.id);
    const { browser } = await askLink(t, c.email!);
    await t.lastMessageTo(c.email!);
    const check = await browser.get('/client-login/check');
    expect(check.body).toContain('>Send again</button>');
    expect(check.body).toContain('data-countdown="60"');
    expect(check.body).toContain('You can send it again in 60 seconds.');
    expect(check.body).toContain('>Text me instead</button>');

    const before = await footprint(t);
    const mine = await logins(c.email!);
    const early = await browser.post('/client-login/again', { _csrf: csrfOf(check.body) });
    expect(early.statusCode).toBe(429);
    expect(early.body).toMatch(/You can ask again in \d+ seconds/);
    const after = await footprint(t);
    expect(after.logins).toBe(before.logins);
    expect(after.outbox).toBe(before.outbox);

    t.clock.advance(61_000);
    const ok = await browser.post('/client-login/again', { _csrf: csrfOf(check.body) });
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe('/client-login/check?again=1');
    expect(await logins(c.email!)).toBe(mine + 1);
    const msgs = await t.messagesTo(c.email!);
    expect(msgs.length).toBe(2);
    const shown = await browser.get('/client-login/check?again=1');
    expect(shown.body).toContain('We sent a new link and code.');
  });

  it('too many wrong codes: one clear state, one next step, no "on its way"', async () => {
    const shop = await makeShop(t);
    const c = await makeClient(t, shop.id);
    const { browser } = await askLink(t, c.email!);
    let page = await browser.get('/client-login/check');
    for (let i = 0; i < 5; i++) page = await browser.post('/client-login/code', { code: '000000', _csrf: csrfOf(page.body) });
    const closed = await browser.get('/client-login/check');
    expect(closed.body).toContain('This sign-in link is locked');
    expect(closed.body).not.toContain('on its way');
    expect(closed.body).not.toContain('name="code"');
    expect(formAction(closed.body, 'Send me a new link')).toBe('/client-login/again');
  });
});

describe(`send again cannot be turned into a stream of messages (${storeKind})`, () => {
  it('parallel taps and a replayed older cookie make one message', async () => {
    const shop = await makeShop(t);
    const c = await makeClient(t, shop.id);
    const { browser } = await askLink(t, c.email!);
    const oldBind = browser.cookie('bind')!;
    const csrf = csrfOf((await browser.get('/client-login/check')).body);
    t.clock.advance(61_000);
    const before = await logins(c.email!);
    const both = await Promise.all([browser.post('/client-login/again', { _csrf: csrf }), browser.post('/client-login/again', { _csrf: csrf })]);
    expect(both.map((r) => r.statusCode).sort()).toEqual([303, 429]);
    expect(await logins(c.email!)).toBe(before + 1);
    // The first login's cookie, kept aside and replayed a minute later, cannot ask again.
    t.clock.advance(61_000);
    const replay = t.browser();
    replay.jar.set([...browser.jar.keys()].find((k) => k.endsWith('sp_bind'))!, oldBind);
    for (const [k, v] of browser.jar) if (k.endsWith('sp_csrf')) replay.jar.set(k, v);
    const res = await replay.post('/client-login/again', { _csrf: csrf });
    expect(res.statusCode).toBe(429);
    expect(await logins(c.email!)).toBe(before + 1);
  });

  it('a text sent again after "Text me instead" spends the same daily allowance', async () => {
    const shop = await makeShop(t);
    const c = await makeClient(t, shop.id, { phone: '+1 737 555 0133' });
    const { browser } = await askLink(t, c.email!);
    let page = await browser.get('/client-login/check');
    expect((await browser.post('/client-login/other-channel', { _csrf: csrfOf(page.body) })).statusCode).toBe(303);
    const allowed = Number(t.config.limits.otherChannelPerIdentifierDay);
    let sent = 1;
    for (; sent < allowed; sent++) {
      t.clock.advance(61_000);
      page = await browser.get('/client-login/check');
      expect((await browser.post('/client-login/again', { _csrf: csrfOf(page.body) })).statusCode).toBe(303);
    }
    const before = await footprint(t);
    t.clock.advance(61_000);
    page = await browser.get('/client-login/check');
    const refused = await browser.post('/client-login/again', { _csrf: csrfOf(page.body) });
    expect(refused.statusCode).toBe(429);
    expect(refused.body).toContain('already sent your link by the other channel');
    const after = await footprint(t);
    expect(after.logins).toBe(before.logins);
    expect(after.outbox).toBe(before.outbox);
  });

  it('says "wait" in the page’s language', async () => {
    const shop = await makeShop(t);
    const c = await makeClient(t, shop.id);
    const b = t.browser();
    await b.get('/client-login?lang=es');
    await askLink(t, c.email!, b);
    const res = await b.post('/client-login/again', { _csrf: csrfOf((await b.get('/client-login/check')).body) });
    expect(res.statusCode).toBe(429);
    expect(res.body).toMatch(/Podrá pedirlo otra vez en \d+ segundos|Se lo acabamos de enviar/);
    expect(res.body).not.toContain('We just sent it');
  });
});

describe(`nothing tells a stranger that someone signed in (${storeKind})`, () => {
  it('a login retired by a newer sign-in looks and answers like a pending one', async () => {
    const shop = await makeShop(t);
    const c = await makeClient(t, shop.id);
    const stranger = t.browser();
    await askLink(t, c.email!, stranger);
    await t.lastMessageTo(c.email!); // delivered first, so the sign-in below reads its own message
    const pending = await stranger.get('/client-login/check');
    await signIn(t, c.email!); // the real client signs in with a newer link: the stranger's login is superseded
    const after = await stranger.get('/client-login/check');
    expect(after.body).toContain('Check your email');
    expect(after.body).not.toContain('has expired');
    const code = await stranger.post('/client-login/code', { code: '123456', _csrf: csrfOf(after.body) });
    expect(code.body).toContain('That code doesn’t match');
    expect(pending.body.replace(/value="[^"]+"/g, '')).toBe(after.body.replace(/value="[^"]+"/g, ''));
  });

  it('the language switch never points off the site', async () => {
    const res = await t.browser().get('//evil.example/x');
    expect(res.statusCode).toBe(404);
    expect(res.body).not.toContain('href="//');
    expect(res.body).toContain('href="/evil.example/x?lang=es"');
  });

  it('staff sign-in messages stay English, like the console', async () => {
    const b = t.browser();
    await b.get('/shop/sign-in?lang=es');
    await b.submit('/shop/sign-in', { identifier: demo.owners[0].email });
    const msg = await t.lastMessageTo(demo.owners[0].email);
    expect(msg.subject).toMatch(/^Your sign-in link/);
  });
});

describe(`language (${storeKind})`, () => {
  it('follows Accept-Language, says which it used, and varies on it', async () => {
    const res = await t.browser().get('/client-login', { 'accept-language': 'es-MX,es;q=0.9,en;q=0.5' });
    expect(res.body).toContain('<html lang="es">');
    expect(res.body).toContain('<h1>Inicie sesión en su portal</h1>');
    expect(res.headers['content-language']).toBe('es');
    expect(String(res.headers.vary)).toContain('Accept-Language');
    expect(String(res.headers.vary)).toContain('Cookie');
    const en = await t.browser().get('/client-login', { 'accept-language': 'fr-FR,fr;q=0.9' });
    expect(en.body).toContain('<html lang="en">');
    expect(en.headers['content-language']).toBe('en');
  });

  it('the switch on every page is remembered by the browser and wins over the header', async () => {
    const b = t.browser();
    const first = await b.get('/c/greenway-lawn');
    expect(first.body).toContain('href="/c/greenway-lawn?lang=es" hreflang="es" lang="es">Español</a>');
    const es = await b.get('/c/greenway-lawn?lang=es');
    expect(es.body).toContain('<h1>Inicie sesión en Greenway Lawn Care</h1>');
    expect(b.cookie('lang')).toBe('es');
    const later = await b.get('/client-login', { 'accept-language': 'en-US' });
    expect(later.body).toContain('<html lang="es">');
    // An unknown language changes nothing.
    await b.get('/client-login?lang=xx');
    expect(b.cookie('lang')).toBe('es');
  });

  it('a Spanish homeowner: form errors, check page, dates and money in Spanish', async () => {
    const b = t.browser();
    const form = await b.get('/client-login?lang=es');
    const bad = await b.post('/client-login', { identifier: 'maria@', _csrf: csrfOf(form.body) });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('Ese correo parece incompleto');
    expect(bad.body).toContain('value="maria@"');
    await b.submit('/client-login', { identifier: demo.oneShop.email });
    const check = await b.get('/client-login/check');
    expect(check.body).toContain('Revise su correo');
    const msg = await t.lastMessageTo(demo.oneShop.email);
    expect((await b.get(msg.link)).headers.location).toBe('/portal');
    const shop = (await t.services.tenants.bySlug('greenway-lawn'))!;
    await makeInvoice(t, shop.id, 'maria', { number: 'ES-1', cents: 123456 });
    const home = await b.get('/portal');
    expect(home.body).toContain('Hola, Maria');
    expect(home.body).toContain('$1,234.56');
    expect(home.body).toMatch(/Vence el \d{1,2} de [a-z]+ de \d{4}/);
    expect(home.body).toContain('>Facturas</a>');
  });

  it('a client’s preferred language, saved on the profile, is adopted by a new browser at sign-in', async () => {
    const shop = await makeShop(t);
    const c = await makeClient(t, shop.id);
    const b = await signIn(t, c.email!);
    const profile = await b.get('/portal/profile');
    const res = await b.post('/portal/profile/language', { locale: 'es', _csrf: csrfOf(profile.body) });
    expect(res.statusCode).toBe(303);
    expect((await t.services.clients.get(shop.id, c.id))!.locale).toBe('es');
    expect(b.cookie('lang')).toBe('es');
    const other = await signIn(t, c.email!);
    expect(other.cookie('lang')).toBe('es');
    expect((await other.get('/portal')).body).toContain('<html lang="es">');
    // Nonsense is refused and changes nothing.
    const bad = await b.post('/portal/profile/language', { locale: 'xx', _csrf: csrfOf(profile.body) });
    expect(bad.statusCode).toBe(400);
    expect((await t.services.clients.get(shop.id, c.id))!.locale).toBe('es');
  });
});

describe(`the portal (${storeKind})`, () => {
  it('home says what is owed with one Pay, tabs mark the current page, one sign-out, the shop’s footer', async () => {
    const shop = await makeShop(t, { name: 'Owed Lawns' });
    await t.services.tenants.setContact(shop.id, { contactPhone: '+1 512 555 0100', contactEmail: 'hello@owed.example', address: '1 Main St\nAustin, TX 78701' });
    const c = await makeClient(t, shop.id, { externalId: 'owed' });
    await makeInvoice(t, shop.id, 'owed', { number: 'A-1', cents: 10000 });
    await makeInvoice(t, shop.id, 'owed', { number: 'A-2', cents: 2550 });
    const b = await signIn(t, c.email!);
    const home = await b.get('/portal');
    expect(home.body).toContain('You owe');
    expect(home.body).toContain('$125.50');
    expect(home.body).toContain('across 2 open invoices');
    expect(home.body).toMatch(/<form method="post" action="\/portal\/invoices\/[^"]+\/pay">/);
    expect(home.body).toContain('<a href="/portal" aria-current="page">Home</a>');
    expect(home.body.match(/action="\/logout"/g)).toHaveLength(1);
    expect(home.body).toContain('<a href="tel:+15125550100">(512) 555-0100</a>');
    expect(home.body).toContain('1 Main St<br>Austin, TX 78701');
    expect(home.body).toContain('href="/c/');
    expect(home.body).not.toContain('Secure sign-in by Servicio');

    const list = await b.get('/portal/invoices');
    expect(list.body).toContain('<a href="/portal/invoices" aria-current="page">Invoices</a>');
    const profile = await b.get('/portal/profile');
    expect(profile.body.match(/action="\/logout"/g)).toHaveLength(2); // sign out, and sign out on all devices
    expect(profile.body.match(/>Sign out<\/button>/g)).toHaveLength(1);
  });

  it('a paying invoice is never called cancelled', async () => {
    const shop = await makeShop(t);
    const c = await makeClient(t, shop.id, { externalId: 'paying' });
    const inv = await makeInvoice(t, shop.id, 'paying', { number: 'P-1' });
    await t.db.updateTable('invoices').set({ status: 'paying' }).where('id', '=', inv.id).execute();
    const b = await signIn(t, c.email!);
    const list = await b.get('/portal/invoices');
    expect(list.body).toContain('Payment processing');
    expect(list.body).toContain('>Processing</span>');
    expect(list.body).not.toContain('Cancelled');
  });

  it('the signed-link rate limit answers with the same friendly page as the login limit', async () => {
    const s = await startTestServer({ env: { RATE_REDEEM_PER_IP_15M: '1' }, seed: false });
    try {
      const b = s.browser();
      await b.get('/s/v1~forged.sig', { 'accept-language': 'es' });
      const res = await b.get('/s/v1~forged.sig', { 'accept-language': 'es' });
      expect(res.statusCode).toBe(429);
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.body).toContain('<html lang="es">');
      expect(res.body).toContain('<title>Espere un momento');
      expect(res.body).toContain('name="viewport"');
    } finally {
      await s.close();
    }
  });
});
