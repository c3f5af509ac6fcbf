// The homeowner's side in Chromium on a phone-sized screen, against a real listening server with
// its delivery worker running and a clock the test moves (to expire links without waiting): the
// shop's own sign-in address, the check page's "send again" and "text me instead", five wrong
// codes, the one-tap new link from an expired one, Spanish from the first page to the receipt and
// the text message, and axe-core on every homeowner page in both languages. Screenshots land in
// test-artifacts/ (40-…); docs/screens/ has every page in both languages (npm run screens).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { testClock } from '../../src/lib/clock.ts';
import { demo } from '../../src/modules/demo/seed.ts';
import { startLiveServer } from '../helpers/live-server.ts';
import { ARTIFACTS, checkA11y, launchChromium, phone } from '../helpers/chromium.ts';
import { translator } from '../../src/lib/i18n.ts';
import { codeIn, loginLinkIn, outbox, phoneIn, submit, tour, words, type Lang } from './homeowner-tour.ts';

let server: Awaited<ReturnType<typeof startLiveServer>>;
/** A second server whose sign-in form allows one request per IP, for the 429 page. */
let limited: Awaited<ReturnType<typeof startLiveServer>>;
let browser: Browser;
let base: string;
let mail: ReturnType<typeof outbox>;
const clock = testClock(Date.now());
const started = clock.now();
const MINUTE = 60_000;
const [lawn] = demo.shops;
const maria = demo.oneShop;
const lucia = demo.spanish;
const e164 = (phone: string) => phone.replace(/[^\d+]/g, '');
// The sentences pages and messages should say, from the catalogs (src/locales): wording can be
// polished without touching this file; formats (dates, money) and the language itself are checked literally.
const en = words('en');
const es = words('es');
const tEn = translator('en').t;
const tEs = translator('es').t;

beforeAll(async () => {
  server = await startLiveServer({}, { clock, content: true });
  limited = await startLiveServer({ RATE_LOGIN_PER_IP_15M: '1' });
  base = server.base;
  mail = outbox(base);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await limited?.close();
  await server?.close();
});

const shot = (page: Page, name: string) => page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true });
const h1 = async (page: Page) => (await page.getByRole('heading', { level: 1 }).first().innerText()).trim();
const shopName = (page: Page) => page.locator('header.site .name').innerText();
const brandColor = (page: Page) => page.locator('.brandbar').evaluate((e) => getComputedStyle(e).backgroundColor);
const GREEN = 'rgb(21, 128, 61)'; // #15803d

/** Asks for a link on the page already open (a sign-in form) and waits for the message. */
async function ask(page: Page, identifier: string, to: string, w: ReturnType<typeof words> = en) {
  const last = await mail.lastId(to);
  await page.getByLabel(w.identifier).fill(identifier);
  await page.getByRole('button', { name: w.submit }).click();
  await page.waitForURL('**/client-login/check');
  return mail.next(to, last);
}

describe('the homeowner’s side in a real browser', () => {
  it('a shop’s own sign-in address is branded, signs in, and the browser remembers the shop', async () => {
    const ctx = await phone(browser);
    const page = await ctx.newPage();
    await page.goto(`${base}/client-login`);
    expect(await h1(page)).toBe(en.signInH1);
    expect(await shopName(page)).toBe('Client portal');

    await page.goto(`${base}/c/${lawn.slug}`);
    expect(await h1(page)).toBe(en.shopH1(lawn.name));
    expect(await shopName(page)).toBe(lawn.name);
    expect(await brandColor(page)).toBe(GREEN);
    expect(await page.getByRole('button', { name: en.submit }).evaluate((e) => getComputedStyle(e).backgroundColor)).toBe(GREEN);
    expect(await page.locator('#identifier-hint').innerText()).toBe(tEn('login:signIn.client.hintShop', { shop: lawn.name }));
    await shot(page, '40-shop-sign-in');

    const message = await ask(page, maria.email, maria.email);
    expect(await shopName(page)).toBe(lawn.name);
    expect(await page.getByRole('status').first().innerText()).toContain('is on file, a sign-in link is on its way');
    await shot(page, '41-shop-check');
    expect(message.subject).toBe(tEn('email:loginLink.subject', { shops: lawn.name }));

    await page.goto(loginLinkIn(message));
    await page.waitForURL('**/portal');
    expect(await h1(page)).toBe(en.hi('Maria'));
    expect(await shopName(page)).toBe(lawn.name);

    // The same browser, later, at the neutral address: still the shop's page.
    await page.goto(`${base}/client-login`);
    expect(await h1(page)).toBe(en.shopH1(lawn.name));
    expect(await brandColor(page)).toBe(GREEN);
    await shot(page, '42-remembered-shop');
    // Another browser is not.
    const other = await (await phone(browser)).newPage();
    await other.goto(`${base}/client-login`);
    expect(await h1(other)).toBe(en.signInH1);
    await other.context().close();
    await ctx.close();
  });

  it('check page: "Send again" waits a minute, "Text me instead" texts, five wrong codes close the sign-in', async () => {
    const ctx = await phone(browser);
    const page = await ctx.newPage();
    await page.goto(`${base}/c/${lawn.slug}`);
    const first = await ask(page, maria.email, maria.email);
    const again = page.getByRole('button', { name: en.sendAgain });
    expect(await again.isDisabled()).toBe(true); // the page's script counts down
    const countdown = page.locator('[data-countdown]');
    expect(await countdown.innerText()).toBe(tEn('login:check.sendAgainWait', { count: 60 }));
    await page.waitForFunction((sixty) => { const now = document.querySelector('[data-countdown]')?.textContent; return !!now && now !== sixty && /\b5\d\b/.test(now); }, tEn('login:check.sendAgainWait', { count: 60 }));

    clock.advance(MINUTE + 1000);
    await page.reload();
    expect(await again.isDisabled()).toBe(false);
    await expect(countdown.count()).resolves.toBe(0);
    await again.click();
    await page.waitForURL('**/client-login/check?again=1');
    expect(await page.locator('.alert.info').innerText()).toBe(en.sentAgain);
    const second = await mail.next(maria.email, first.id);
    expect(loginLinkIn(second)).not.toBe(loginLinkIn(first));
    expect(await again.isDisabled()).toBe(true); // a new minute

    const sms = await mail.lastId(e164(maria.phone));
    await page.getByRole('button', { name: en.textMe }).click();
    await page.waitForURL('**/client-login/check');
    expect(await h1(page)).toBe(en.checkPhone);
    expect(await page.getByRole('button', { name: en.emailMe }).count()).toBe(1);
    const text = await mail.next(e164(maria.phone), sms);
    expect(text.channel).toBe('sms');
    expect(text.text).toMatch(/^Greenway Lawn Care: /);

    for (let i = 0; i < 5; i++) {
      await page.getByLabel(en.code).fill(codeIn(text) === '000000' ? '111111' : '000000');
      await submit(page, page.getByRole('button', { name: en.signIn, exact: true }));
      if (i < 4) expect(await page.getByRole('alert').first().innerText()).toBe(tEn('errors:CODE_WRONG'));
    }
    expect(await h1(page)).toBe(en.locked);
    expect(await page.locator('.card button').allInnerTexts()).toEqual([en.newLink]);
    expect(await page.getByLabel(en.code).count()).toBe(0);
    await shot(page, '43-locked');
    // The right code no longer works either: the form is gone, and posting it anyway is refused.
    const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
    const refused = await page.request.post(`${base}/client-login/code`, { form: { _csrf: csrf, code: codeIn(text) }, headers: { origin: base }, maxRedirects: 0 });
    expect(refused.status()).toBe(400);
    expect(await refused.text()).toContain(en.locked);

    clock.advance(MINUTE + 1000);
    await page.reload();
    const smsNow = await mail.lastId(e164(maria.phone));
    await page.getByRole('button', { name: en.newLink }).click();
    await page.waitForURL('**/client-login/check?again=1');
    expect(await h1(page)).toBe(en.checkPhone);
    const fresh = await mail.next(e164(maria.phone), smsNow);
    await page.getByLabel(en.code).fill(codeIn(fresh));
    await page.getByRole('button', { name: en.signIn, exact: true }).click();
    await page.waitForURL('**/portal');
    expect(await h1(page)).toBe(en.hi('Maria'));
    await ctx.close();
  });

  it('an expired link, opened in the browser that asked, sends a new one in one tap', async () => {
    const ctx = await phone(browser);
    const page = await ctx.newPage();
    await page.goto(`${base}/c/${lawn.slug}`);
    const first = await ask(page, maria.email, maria.email);
    clock.advance(31 * MINUTE);

    await page.goto(loginLinkIn(first));
    expect(await h1(page)).toBe(en.linkExpired);
    expect(await shopName(page)).toBe(lawn.name);
    expect(await brandColor(page)).toBe(GREEN);
    await shot(page, '44-link-expired');
    await page.getByRole('button', { name: en.resend }).click();
    await page.waitForURL('**/client-login/check');
    expect(await h1(page)).toBe(en.checkEmail);
    expect(await page.getByRole('status').first().innerText()).toContain('m***@example.com');

    const second = await mail.next(maria.email, first.id);
    expect(second.to).toBe(first.to);
    expect(second.channel).toBe('email');
    expect(loginLinkIn(second)).not.toBe(loginLinkIn(first));
    await page.goto(loginLinkIn(second));
    await page.waitForURL('**/portal');
    expect(await h1(page)).toBe(en.hi('Maria'));

    // The old link asks only once.
    const again = await (await phone(browser)).newPage();
    await again.goto(loginLinkIn(first));
    expect(await h1(again)).toBe(en.linkExpired);
    expect(await again.getByRole('button', { name: en.resend }).count()).toBe(0);
    expect(await again.locator('.card').innerText()).toContain('already asked for a new one');
    await again.context().close();
    await ctx.close();
  });

  it('another browser tapping "Send me a new link" learns nothing about the address', async () => {
    const asker = await (await phone(browser)).newPage();
    await asker.goto(`${base}/c/${lawn.slug}`);
    const first = await ask(asker, maria.email, maria.email);
    clock.advance(31 * MINUTE);

    const ctx = await phone(browser);
    const page = await ctx.newPage();
    await page.goto(loginLinkIn(first));
    expect(await h1(page)).toBe(en.linkExpired);
    await page.getByRole('button', { name: en.resend }).click();
    await page.waitForURL('**/client-login/sent');
    expect(await h1(page)).toBe(en.resent);
    expect(await shopName(page)).toBe(lawn.name);
    const said = await page.locator('main').innerText();
    expect(said).not.toMatch(/@|\*\*\*|555|maria/i);
    await shot(page, '45-new-link-on-its-way');
    const second = await mail.next(maria.email, first.id);
    expect(second.to).toBe(maria.email);
    // This browser was not given the new login: the link asks to Continue here.
    await page.goto(loginLinkIn(second));
    expect(await h1(page)).toBe(en.shopH1(lawn.name));
    expect(await page.getByRole('button', { name: en.continue }).count()).toBe(1);
    await asker.context().close();
    await ctx.close();
  });

  it('in Spanish end to end: sign-in, email, portal, paying, receipt, language preference, text message', async () => {
    // A larger invoice, for the thousands separator; fixed dates, for the Spanish date format.
    await server.services.invoices.upsert(server.demo.tenants[0]!.id, 'INV-1060', {
      clientExternalId: 'lucia',
      number: '1060',
      currency: 'USD',
      lineItems: [{ description: 'Irrigation repair', quantity: 1, unitCents: 123456 }],
      issueDate: '2026-11-25',
      dueDate: '2026-12-09',
      status: 'sent',
    });
    const ctx = await phoneIn(browser, 'es'); // Accept-Language: es-MX
    const page = await ctx.newPage();
    const res = await page.goto(`${base}/client-login`);
    expect(res!.headers()['content-language']).toBe('es');
    expect(await page.locator('html').getAttribute('lang')).toBe('es');
    expect(await h1(page)).toBe('Inicie sesión en su portal');
    expect(await page.locator('nav.langs [aria-current]').innerText()).toBe('Español');
    await shot(page, '46-es-sign-in');

    const email = await ask(page, lucia.email, lucia.email, es);
    expect(await h1(page)).toBe('Revise su correo');
    expect(email.subject).toBe(tEs('email:loginLink.subject', { shops: lawn.name }));
    expect(email.subject).toMatch(/^Su enlace/);
    expect(email.html).toContain('lang="es"');
    expect(email.text).toContain(tEs('email:loginLink.expires', { count: 30 }));
    expect(email.text).not.toMatch(/sign in|expires|minutes/i);

    await page.goto(loginLinkIn(email));
    await page.waitForURL('**/portal');
    expect(await h1(page)).toBe('Hola, Lucía');
    const owe = page.getByRole('region', { name: es.owe });
    expect(await owe.locator('.total').innerText()).toBe('$1,489.56'); // $1,234.56 + $255.00
    // One Pay button, for the invoice due soonest (the seed dates 1051 eleven days after the server started).
    const due1051 = new Date(started + 11 * 86_400_000).toISOString().slice(0, 10);
    expect(await owe.getByRole('button').allInnerTexts()).toEqual([tEs('portal:home.payNext', { amount: due1051 <= '2026-12-09' ? '$255.00' : '$1,234.56' })]);
    expect(await page.locator('nav.tabs a[aria-current="page"]').allInnerTexts()).toEqual([es.tabs.home]);
    expect(await page.getByRole('button', { name: es.signOut, exact: true }).count()).toBe(1);
    const row = page.locator('a.row', { hasText: es.invoice('1060') });
    expect(await row.innerText()).toContain('9 de diciembre de 2026');
    expect(await row.locator('.num').innerText()).toBe('$1,234.56');
    const footer = await page.locator('footer.shopinfo').innerText();
    for (const part of [tEs('portal:footer.contact', { shop: lawn.name }), '(512) 555-0100', 'hello@greenway.example', '4100 Burnet Rd', 'Austin, TX 78756']) expect(footer).toContain(part);
    await shot(page, '47-es-portal');

    await row.click();
    await page.waitForURL('**/portal/invoices/*');
    expect(await h1(page)).toMatch(/^Factura 1060/);
    expect(await page.locator('nav.tabs a[aria-current="page"]').allInnerTexts()).toEqual([es.tabs.invoices]);
    const dates = await page.locator('.card > p.meta').first().innerText();
    expect(dates).toContain('25 de noviembre de 2026');
    expect(dates).toContain('9 de diciembre de 2026');
    expect(await page.locator('.parties').innerText()).toContain('(512) 555-0100');
    expect(await page.locator('table.lines tfoot td.num').innerText()).toBe('$1,234.56');
    const receiptBefore = await mail.lastId(lucia.email);
    await page.getByRole('button', { name: tEs('portal:invoice.pay', { amount: '$1,234.56' }) }).click();
    await page.waitForURL('**?paid=1');
    expect(await page.getByRole('status').innerText()).toBe(tEs('portal:invoice.thanks'));
    expect(await page.locator('.receipt').innerText()).toMatch(/\$1,234\.56 el \d{1,2} de [a-z]+ de \d{4}/);
    await shot(page, '48-es-receipt');

    const receipt = await mail.next(lucia.email, receiptBefore);
    expect(receipt.subject).toBe(tEs('email:receipt.subject', { number: '1060' }));
    expect(receipt.html).toContain('lang="es"');
    expect(receipt.text).toContain(tEs('email:receipt.intro', { shop: lawn.name, amount: '$1,234.56', number: '1060' }));
    expect(receipt.text).toContain('555-0100');
    expect(receipt.text).not.toMatch(/payment|thank you|receipt/i);

    // The language she is written in: saved on the profile, it wins over the page she asks from.
    await page.getByRole('navigation', { name: es.nav }).getByRole('link', { name: es.tabs.profile }).click();
    await page.waitForURL('**/portal/profile');
    expect(await page.getByLabel(es.language).inputValue()).toBe('es');
    await page.getByLabel(es.language).selectOption('en');
    await page.locator('form[action="/portal/profile/language"] button').click();
    await page.waitForURL('**/portal/profile?saved=1&lang=en');
    expect(await h1(page)).toBe(en.profileH1);
    expect(await page.getByRole('status').innerText()).toBe(en.saved);
    expect(await page.getByLabel(en.language).inputValue()).toBe('en');
    const fromSpanish = await (await phoneIn(browser, 'es')).newPage();
    await fromSpanish.goto(`${base}/client-login`);
    expect((await ask(fromSpanish, lucia.email, lucia.email, es)).subject).toBe(tEn('email:loginLink.subject', { shops: lawn.name }));
    await fromSpanish.context().close();
    await page.getByLabel(en.language).selectOption('es');
    await page.locator('form[action="/portal/profile/language"] button').click();
    await page.waitForURL('**/portal/profile?saved=1&lang=es');
    expect(await page.getByRole('status').innerText()).toBe(es.saved);
    const fromEnglish = await (await phoneIn(browser, 'en')).newPage();
    await fromEnglish.goto(`${base}/client-login`);
    expect((await ask(fromEnglish, lucia.email, lucia.email)).subject).toBe(tEs('email:loginLink.subject', { shops: lawn.name }));
    await fromEnglish.context().close();
    await ctx.close();

    // A text message, asked for from a Spanish page by a client who never said (Maria): Spanish, GSM-7.
    const texting = await (await phoneIn(browser, 'es')).newPage();
    await texting.goto(`${base}/client-login`);
    const sms = await ask(texting, '(512) 555-0187', e164(maria.phone), es);
    expect(await h1(texting)).toBe('Revise su teléfono');
    expect(sms.channel).toBe('sms');
    expect(sms.text).toMatch(/^Greenway Lawn Care: inicie sesion en http\S+\/l\/\S+ o con el codigo \d{6}\. Vence en 30 min\.$/);
    await texting.getByLabel(es.code).fill(codeIn(sms));
    await texting.getByRole('button', { name: es.signIn, exact: true }).click();
    await texting.waitForURL('**/portal');
    expect(await h1(texting)).toBe('Hola, Maria');
    await shot(texting, '49-es-sms-portal');
    await texting.context().close();
  });

  it('axe-core finds no WCAG 2.1 A/AA violation on any homeowner page, in English or Spanish', async () => {
    const violations: string[] = [];
    const seen: string[] = [];
    for (const lang of ['en', 'es'] as Lang[]) {
      await tour({
        browser,
        base,
        lang,
        clock,
        tooManyBase: limited.base,
        sendReportEmail: async () => void (await server.services.notifications.send(server.demo.tenants[0]!.id, 'service_report', 'VISIT-301')),
        async visit(page, stop) {
          seen.push(`${lang}-${stop.name}`);
          await checkA11y(page, `${lang}-${stop.name}`, violations);
        },
      });
    }
    expect(seen.length).toBe(50); // 25 pages in each language
    expect(violations).toEqual([]);
  }, 240_000);
});
