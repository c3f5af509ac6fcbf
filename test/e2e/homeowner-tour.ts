// Every page a homeowner can meet, walked by clicking in one language on a phone-sized screen:
// the sign-in pages, the check page in each of its states, dead links, the shop picker, the
// portal, the pages a link from an email opens, and the error pages. Shared by the accessibility
// check in homeowner.e2e.test.ts (both languages) and by scripts/screens.ts (the screenshots in
// docs/screens/). `visit` is called once on each page, after the tour checked that the page is the
// one it expected and is in the tour's language.
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { translator } from '../../src/lib/i18n.ts';
import { demo } from '../../src/modules/demo/seed.ts';

export type Lang = 'en' | 'es';

/** The Accept-Language each tour's browsers send (no language cookie: the header decides). */
export const BROWSER_LOCALE: Record<Lang, string> = { en: 'en-US', es: 'es-MX' };

/** A phone as phone() in test/helpers/chromium.ts makes it, speaking `lang`. */
export function phoneIn(browser: Browser, lang: Lang, deviceScaleFactor = 2): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor, isMobile: true, hasTouch: true, locale: BROWSER_LOCALE[lang] });
}

export interface OutboxMessage {
  id: number;
  channel: 'email' | 'sms';
  to: string;
  subject: string | null;
  text: string;
  html: string | null;
}

/** The development outbox (/dev/outbox.json), read the way the tests wait for a message. */
export function outbox(base: string) {
  const list = async (to: string): Promise<OutboxMessage[]> => (await (await fetch(`${base}/dev/outbox.json?to=${encodeURIComponent(to)}`)).json()).messages;
  return {
    list,
    /** The newest message's id (0 when none): pass it to `next` to wait for the one after it. */
    async lastId(to: string): Promise<number> {
      return (await list(to))[0]?.id ?? 0;
    },
    /** Waits for a message to `to` newer than `after` (and matching `where`), newest first. */
    async next(to: string, after: number, where: (m: OutboxMessage) => boolean = () => true): Promise<OutboxMessage> {
      for (let i = 0; i < 200; i++) {
        const m = (await list(to)).find((x) => x.id > after && where(x));
        if (m) return m;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`timed out waiting for a message to ${to}`);
    },
  };
}

/** The sign-in link (/l/…) in a message. */
export const loginLinkIn = (m: OutboxMessage): string => {
  const href = /https?:\/\/\S+\/l\/[A-Za-z0-9_-]+/.exec(m.text)?.[0];
  if (!href) throw new Error(`no sign-in link in: ${m.text}`);
  return href;
};
/** The signed link (/s/…) in an automated email. */
export const signedLinkIn = (m: OutboxMessage): string => {
  const href = /https?:\/\/\S+\/s\/[A-Za-z0-9_.~-]+/.exec(m.text)?.[0];
  if (!href) throw new Error(`no signed link in: ${m.text}`);
  return href;
};
/** The 6-digit code in a sign-in message. */
export const codeIn = (m: OutboxMessage): string => {
  const code = /(?:code|c[oó]digo)\D{0,40}(\d{6})/i.exec(m.text)?.[1]; // "codigo" in a GSM-7 text
  if (!code) throw new Error(`no code in: ${m.text}`);
  return code;
};

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The words the tour clicks and checks, read from the catalogs (src/locales) so that polishing a
 * sentence does not break the walk; the language itself is checked on every page (<html lang>).
 */
export function words(lang: Lang) {
  const { t } = translator(lang);
  return {
    signInH1: t('login:signIn.client.h1'),
    shopH1: (shop: string) => t('login:signIn.client.h1Shop', { shop }),
    identifier: t('login:signIn.client.label'),
    submit: t('login:signIn.submit'),
    signedOut: t('login:signIn.signedOut'),
    checkEmail: t('login:check.title', { context: 'email' }),
    checkPhone: t('login:check.title', { context: 'phone' }),
    code: t('login:check.codeLabel'),
    signIn: t('login:check.signIn'),
    sendAgain: t('login:check.sendAgain'),
    textMe: t('login:check.other', { context: 'sms' }),
    emailMe: t('login:check.other', { context: 'email' }),
    locked: t('login:check.lockedH1'),
    expiredSignIn: t('login:check.expiredH1'),
    /** The one button of a closed or expired sign-in. */
    newLink: t('login:check.lockedNext'),
    sentAgain: t('login:check.sentAgain'),
    linkExpired: t('login:invalid.h1'),
    /** "Send me a new link" on an expired link's page. */
    resend: t('login:invalid.resend'),
    resent: t('login:resent.h1'),
    continueH1: (shop: string) => t('login:continue.h1', { shop }),
    continue: t('login:continue.submit'),
    picker: t('login:pick.h1'),
    hi: (name: string) => t('portal:home.hi', { name }),
    owe: t('portal:home.owe'),
    nav: t('portal:nav.label'),
    tabs: { home: t('portal:nav.home'), invoices: t('portal:nav.invoices'), reports: t('portal:nav.reports'), profile: t('portal:nav.profile') },
    signOut: t('portal:nav.signOut'),
    invoice: (number: string) => t('portal:invoice.title', { number }),
    /** The Pay button of an invoice, whatever its amount. */
    pay: new RegExp(`^${escapeRe(t('portal:invoice.pay', { amount: '\u0000' })).replace('\u0000', '\\$[\\d,]+\\.\\d{2}')}$`),
    reportsH1: t('portal:reports.title'),
    profileH1: t('portal:profile.h1'),
    language: t('portal:profile.language'),
    saved: t('portal:profile.saved'),
    switchH1: t('portal:switch.title'),
    seeAll: t('portal:limited.h1'),
    sorry: t('common:error.h1'),
    tooMany: t('common:tooMany.title'),
  };
}

export interface TourStop {
  /** `nn-name`, the screenshot's name after the language. */
  name: string;
  /** What the page shows, for docs/screens/README.md. */
  about: string;
  /** Worth seeing on a desktop and on a 320-pixel phone too. */
  variants?: boolean;
}

export interface Tour {
  browser: Browser;
  base: string;
  lang: Lang;
  /** The server's clock: the tour expires links and waits out "send again" by advancing it. */
  clock: { advance(ms: number): void };
  /** Sends Maria's service report email (a signed /s/ link), as the shop's system would. */
  sendReportEmail(): Promise<void>;
  /** A second server whose login limit is 1 per IP, for the "too many attempts" page. */
  tooManyBase?: string;
  /** The phone's pixel density (1 keeps documentation screenshots small). */
  deviceScaleFactor?: number;
  visit(page: Page, stop: TourStop): Promise<void>;
}

const MINUTE = 60_000;
/** Clicks a button whose form answers with a page at the same address (a form with a mistake). */
export const submit = (page: Page, button: Locator) => Promise.all([page.waitForEvent('load'), button.click()]);
const h1 = (page: Page) => page.getByRole('heading', { level: 1 }).first().innerText();

/** Walks every homeowner page in `t.lang`, calling `t.visit` on each. */
export async function tour(t: Tour): Promise<void> {
  const w = words(t.lang);
  const mail = outbox(t.base);
  const contexts: BrowserContext[] = [];
  const fresh = async () => {
    const ctx = await phoneIn(t.browser, t.lang, t.deviceScaleFactor ?? 2);
    contexts.push(ctx);
    return ctx.newPage();
  };
  const expectH1 = async (page: Page, want: string | RegExp) => {
    const got = (await h1(page)).trim();
    if (typeof want === 'string' ? !got.startsWith(want) : !want.test(got)) throw new Error(`${page.url()}: expected heading ${want}, got "${got}"`);
    const lang = await page.locator('html').getAttribute('lang');
    if (lang !== t.lang) throw new Error(`${page.url()}: <html lang="${lang}">, expected ${t.lang}`);
  };
  const visit = async (page: Page, heading: string | RegExp, stop: TourStop) => {
    await expectH1(page, heading);
    await t.visit(page, stop);
  };
  // The homeowner of this language: Maria (no preference) in English, Lucía (prefers Spanish) in Spanish.
  const who = t.lang === 'es' ? demo.spanish : demo.oneShop;
  const first = who.name.split(' ')[0]!;
  const shop = demo.shops[0].name;
  const phoneE164 = who.phone.replace(/[^\d+]/g, '');

  try {
    // A — the sign-in pages and every state of the check page, in one browser.
    const a = await fresh();
    await a.goto(`${t.base}/client-login`);
    await visit(a, w.signInH1, { name: '01-sign-in', about: 'Sign-in page at /client-login, before the browser knows a shop (neutral “Client portal” look).' });
    await a.goto(`${t.base}/c/${demo.shops[0].slug}`);
    await visit(a, w.shopH1(shop), { name: '02-sign-in-shop', about: `The shop’s own sign-in address /c/${demo.shops[0].slug}: its name and colour from the first screen.` });
    const before = await mail.lastId(who.email);
    await a.getByLabel(w.identifier).fill(who.email);
    await a.getByRole('button', { name: w.submit }).click();
    await a.waitForURL('**/client-login/check');
    await mail.next(who.email, before);
    await visit(a, w.checkEmail, { name: '03-check-email', about: 'Check page after asking by email: code form, “Send again” counting down (disabled for 60 s), “Text me instead”.' });
    for (let i = 0; i < 6 && (await h1(a)) !== w.locked; i++) {
      await a.getByLabel(w.code).fill(String(100000 + i));
      await submit(a, a.getByRole('button', { name: w.signIn, exact: true }));
      if (i === 0) await visit(a, w.checkEmail, { name: '04-wrong-code', about: 'Check page after a wrong code: the message under the field.' });
    }
    t.clock.advance(MINUTE + 1000); // the minute before "send me a new link" is over
    await a.goto(`${t.base}/client-login/check`);
    await visit(a, w.locked, { name: '05-locked', about: 'After five wrong codes: “This sign-in link is locked”, one button — “Send me a new link”.' });
    await a.getByRole('button', { name: w.newLink }).click();
    await a.waitForURL('**/client-login/check?again=1');
    await visit(a, w.checkEmail, { name: '06-sent-again', about: 'Check page after “Send me a new link” / “Send again”: a notice to use the newest message.' });
    const smsBefore = await mail.lastId(phoneE164);
    await a.getByRole('button', { name: w.textMe }).click();
    await a.waitForURL('**/client-login/check');
    const sms = await mail.next(phoneE164, smsBefore);
    await visit(a, w.checkPhone, { name: '07-check-phone', about: 'Check page after “Text me instead”: the link went by text to the mobile number on file.' });
    t.clock.advance(31 * MINUTE);
    await a.reload();
    await visit(a, w.expiredSignIn, { name: '08-check-expired', about: 'Check page once the link and code ran out: one next step, a new link.' });

    // B — an expired link opened in the browser that asked: one tap to a new one, then the portal.
    const b = await fresh();
    await b.goto(`${t.base}/c/${demo.shops[0].slug}`);
    let last = await mail.lastId(who.email);
    await b.getByLabel(w.identifier).fill(who.email);
    await b.getByRole('button', { name: w.submit }).click();
    await b.waitForURL('**/client-login/check');
    const old = await mail.next(who.email, last);
    t.clock.advance(31 * MINUTE);
    await b.goto(loginLinkIn(old));
    await visit(b, w.linkExpired, { name: '09-link-expired', about: 'An expired sign-in link, in the shop’s branding, with one tap to “Send me a new link”.' });

    // The texted link from A, now expired, opened in yet another browser: it learns nothing.
    const c = await fresh();
    await c.goto(loginLinkIn(sms));
    await c.getByRole('button', { name: w.resend }).click();
    await c.waitForURL('**/client-login/sent');
    await visit(c, w.resent, { name: '10-new-link-sent', about: '“Send me a new link” tapped in a browser that did not ask for the old link: “A new link is on its way”, nothing about where.' });

    last = await mail.lastId(who.email);
    await b.getByRole('button', { name: w.resend }).click();
    await b.waitForURL('**/client-login/check');
    const link = loginLinkIn(await mail.next(who.email, last));
    const d = await fresh();
    await d.goto(link);
    await visit(d, w.continueH1(shop), { name: '11-continue', about: 'A sign-in link opened in another browser (or by a mail scanner): one tap on Continue.' });

    await b.goto(link);
    await b.waitForURL('**/portal');
    await visit(b, w.hi(first), { name: '13-portal-home', about: 'Portal home: “You owe $X” with one Pay button, open invoices, service reports, tabs, the shop’s contact footer.', variants: true });
    await b.getByRole('navigation', { name: w.nav }).getByRole('link', { name: w.tabs.invoices }).click();
    await b.waitForURL('**/portal/invoices');
    await visit(b, w.tabs.invoices, { name: '14-invoices', about: 'All invoices: open ones first (soonest due), then paid, with status pills.' });
    await b.getByRole('navigation', { name: w.nav }).getByRole('link', { name: w.tabs.home }).click();
    await b.locator('ul.list a.row[href^="/portal/invoices/"]').first().click();
    await b.waitForURL('**/portal/invoices/*');
    await visit(b, w.invoice(''), { name: '15-invoice', about: 'An open invoice: from / bill to with the shop’s phone, email and address, line items, total, Pay button.', variants: true });
    await b.getByRole('button', { name: w.pay }).click();
    await b.waitForURL('**?paid=1');
    await visit(b, w.invoice(''), { name: '16-invoice-paid', about: 'The same invoice just paid: “Payment received”, the receipt with its date and payment reference.' });
    await b.getByRole('navigation', { name: w.nav }).getByRole('link', { name: w.tabs.reports }).click();
    await b.waitForURL('**/portal/reports');
    await visit(b, w.reportsH1, { name: '17-reports', about: 'Service reports list.' });
    await b.locator('ul.list a.row').first().click();
    await b.waitForURL('**/portal/reports/*');
    await visit(b, /./, { name: '18-report', about: 'One service report: technician and date, notes, checklist.' });
    await b.getByRole('navigation', { name: w.nav }).getByRole('link', { name: w.tabs.profile }).click();
    await b.waitForURL('**/portal/profile');
    await visit(b, w.profileH1, { name: '19-profile', about: 'Profile: email and mobile number, “Language for emails and texts”, sign out on all devices.' });
    await b.getByRole('button', { name: w.signOut, exact: true }).click();
    await b.waitForURL('**/c/*?signed_out=1*');
    // Sign-out clears every cookie of the site (Clear-Site-Data, docs/SECURITY.md): the remembered shop too.
    await visit(b, w.shopH1(shop), { name: '20-signed-out', about: 'Signed out: “You’re signed out” on the shop’s own sign-in page, in the same language (sign-out clears the site’s cookies; this page remembers the shop and language again).' });

    // D — a client of two shops picks one; then a link meant for someone else asks first.
    const e = await fresh();
    await e.goto(`${t.base}/client-login`);
    last = await mail.lastId(demo.bothShops.email);
    await e.getByLabel(w.identifier).fill(demo.bothShops.email);
    await e.getByRole('button', { name: w.submit }).click();
    await e.waitForURL('**/client-login/check');
    await e.goto(loginLinkIn(await mail.next(demo.bothShops.email, last)));
    await e.waitForURL('**/choose-shop');
    await visit(e, w.picker, { name: '12-shop-picker', about: 'Shop picker for a client of two shops (Sam): each shop in its own colour.' });
    await e.getByRole('button', { name: new RegExp(shop) }).click();
    await e.waitForURL('**/portal');
    last = await mail.lastId(demo.oneShop.email);
    await t.sendReportEmail();
    const report = signedLinkIn(await mail.next(demo.oneShop.email, last, (m) => m.text.includes('/s/')));
    await e.goto(report);
    await visit(e, w.switchH1, { name: '21-switch-portal', about: 'A link from Maria’s email opened where Sam is signed in: “Switch portal?” before anything changes.' });

    // E — the same email link in a browser signed in as nobody: that report only.
    const f = await fresh();
    await f.goto(report);
    await f.waitForURL('**/portal/reports/*');
    await visit(f, /./, { name: '22-report-from-email', about: 'The report opened from its email link: a session that sees this report only, with a note saying so.' });
    await f.goto(`${t.base}/portal`);
    await visit(f, w.seeAll, { name: '23-see-all', about: 'Anywhere else from that link session: one tap sends a real sign-in link.' });
    await f.goto(`${t.base}/no-such-page`);
    await visit(f, w.sorry, { name: '24-not-found', about: 'The 404 page.' });

    if (t.tooManyBase) {
      const g = await fresh();
      for (let i = 0; i < 2; i++) {
        await g.goto(`${t.tooManyBase}/client-login`);
        await g.getByLabel(w.identifier).fill(`someone-${t.lang}-${i}@example.com`);
        await submit(g, g.getByRole('button', { name: w.submit }));
      }
      await visit(g, w.tooMany, { name: '25-too-many', about: 'Too many attempts from one network (429): a calm page with the wait in minutes.' });
    }
  } finally {
    for (const ctx of contexts) await ctx.close();
  }
}
