// In Chromium, on a phone, with JavaScript off: the troubleshooting story of issue 9. A client's
// email bounces (webhook) → the owner signs in to the console, finds the client by a phone number
// typed as "(512) 555-0187", reads "Mailbox does not exist", fixes the address (a typo suggestion
// is offered), sends a link by text → the client signs in with it → the owner sees it in the
// client's history and in the audit log. axe-core checks every console page for WCAG 2.1 A/AA.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { servicioSignature } from '../../src/modules/delivery/webhooks.ts';
import { startFakeProviders } from '../helpers/fake-providers.ts';
import { startLiveServer } from '../helpers/live-server.ts';
import { ARTIFACTS, checkA11y, launchChromium, waitFor } from '../helpers/chromium.ts';

const WEBHOOK_SECRET = 'webhook-secret-0123456789abcdef';
let server: Awaited<ReturnType<typeof startLiveServer>>;
let providers: Awaited<ReturnType<typeof startFakeProviders>>;
let browser: Browser;
let base: string;

beforeAll(async () => {
  providers = await startFakeProviders({ accountSid: `AC${'7'.repeat(32)}`, from: '+15125550100' });
  server = await startLiveServer({ ...providers.env, EMAIL_WEBHOOK_SECRET: WEBHOOK_SECRET });
  base = server.base;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await providers?.close();
});

/** A phone-sized browser with JavaScript off: every console action must work as a plain form. */
const noScriptPhone = (): Promise<BrowserContext> => browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, javaScriptEnabled: false });

const violations: string[] = [];
/** Console pages are checked in a twin with script on (the page itself runs without). */
const axe = (page: Page, name: string) => checkA11y(page, name, violations, browser);

describe('the troubleshooting story', () => {
  it('an owner fixes "I can’t log in" in a minute, on a phone, without JavaScript', async () => {
    const lawn = server.demo.tenants[0]!;
    // The demo's Maria Lopez gives up her number; Maria Gómez's email was typed with a slip.
    await server.services.clients.update(lawn.id, (await server.services.clients.resolve(lawn.id, 'maria@example.com')).id, { phone: '+1 512 555 0168' });
    await server.services.clients.add(lawn.id, { name: 'Maria Gómez', email: 'maria.gomez@gmial.com', phone: '+1 512 555 0187' });

    // 1. The client asks for a link by email; the mail server takes it, then reports a bounce.
    const client = await (await noScriptPhone()).newPage();
    await client.goto(`${base}/client-login`);
    await client.getByLabel('Email or mobile number').fill('maria.gomez@gmial.com');
    await client.getByRole('button', { name: 'Send my sign-in link' }).click();
    const mail = await waitFor(() => providers.smtp.received.find((m) => m.subject?.includes('Greenway') && m.to && 'value' in m.to && m.to.value[0]?.address === 'maria.gomez@gmial.com'), 'the email');
    const body = JSON.stringify({ events: [{ id: 'evt-1', type: 'bounced', messageId: mail.messageId!, reason: '550 5.1.1 The email account that you tried to reach does not exist', code: '550' }] });
    const hook = await fetch(`${base}/webhooks/email`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-servicio-signature': servicioSignature(WEBHOOK_SECRET, Math.floor(Date.now() / 1000), body) }, body });
    expect(hook.status).toBe(200);

    // 2. The owner signs in to the console (link from the email).
    const owner = await (await noScriptPhone()).newPage();
    await owner.goto(`${base}/shop/sign-in`);
    await axe(owner, 'sign-in');
    await owner.screenshot({ path: `${ARTIFACTS}/20-console-sign-in.png`, fullPage: true });
    await owner.getByLabel('Work email').fill('owner@greenway.example');
    await owner.getByRole('button', { name: 'Send my sign-in link' }).click();
    await owner.waitForURL('**/shop/sign-in/check');
    await axe(owner, 'sign-in check');
    const ownerMail = await waitFor(() => providers.smtp.received.find((m) => m.to && 'value' in m.to && m.to.value[0]?.address === 'owner@greenway.example'), 'the owner’s email');
    await owner.goto(/https?:\/\/\S+\/l\/[A-Za-z0-9_-]{48}/.exec(ownerMail.text!)![0]);
    await owner.waitForURL('**/shop');
    expect(await owner.getByRole('heading', { level: 1 }).textContent()).toBe('Sign-in health');
    await axe(owner, 'health');
    await owner.screenshot({ path: `${ARTIFACTS}/21-console-health.png`, fullPage: true });

    // 3. Finds the client by the number as the client says it.
    await owner.getByRole('link', { name: 'Clients' }).click();
    await owner.getByLabel('Find a client').fill('(512) 555-0187');
    await owner.getByRole('button', { name: 'Search' }).click();
    await axe(owner, 'clients');
    await owner.screenshot({ path: `${ARTIFACTS}/22-console-clients.png`, fullPage: true });
    await owner.getByRole('link', { name: 'Maria Gómez' }).click();
    expect(await owner.locator('body').textContent()).toContain('Mailbox does not exist');
    await axe(owner, 'client');
    await owner.screenshot({ path: `${ARTIFACTS}/23-console-client-bounced.png`, fullPage: true });

    // 4. Fixes the address: the typo is spotted and the suggestion taken.
    await owner.getByText('Fix the email or mobile number').click();
    await owner.getByRole('button', { name: 'Save contact details' }).click();
    expect(await owner.locator('body').textContent()).toContain('Did you mean maria.gomez@gmail.com?');
    await owner.screenshot({ path: `${ARTIFACTS}/24-console-typo.png`, fullPage: true });
    await owner.getByRole('button', { name: 'Use maria.gomez@gmail.com' }).click();
    expect(await owner.getByRole('status').textContent()).toContain('Contact details saved');

    // 5. Sends a link by text; the client signs in with it.
    const texts = providers.twilio.received.length;
    await owner.getByRole('button', { name: 'Send a sign-in link by text' }).click();
    expect(await owner.getByRole('status').textContent()).toContain('on its way by text');
    const sms = await waitFor(() => providers.twilio.received.slice(texts).find((m) => m.To === '+15125550187'), 'the text');
    await client.goto(/https?:\/\/\S+\/l\/[A-Za-z0-9_-]{48}/.exec(sms.Body!)![0]);
    await client.getByRole('button', { name: 'Continue' }).click();
    await client.waitForURL('**/portal');
    expect(await client.getByRole('heading', { level: 1 }).textContent()).toBe('Hi Maria');

    // 6. The owner sees it: in the client's history and in the audit log.
    await owner.reload();
    expect(await owner.locator('body').textContent()).toContain('signed in with it');
    await owner.screenshot({ path: `${ARTIFACTS}/25-console-client-fixed.png`, fullPage: true });
    await owner.getByRole('link', { name: 'Everything about Maria Gómez in the audit log' }).click();
    const audit = await owner.locator('body').textContent();
    expect(audit).toContain('Signed in with a sign-in link');
    expect(audit).toContain('Sign-in link sent from the console');
    expect(audit).toContain('Email bounced');
    await axe(owner, 'audit');
    await owner.screenshot({ path: `${ARTIFACTS}/26-console-audit.png`, fullPage: true });

    // The owner pages pass axe too.
    for (const [path, name] of [['/shop/settings/shop', 'shop details'], ['/shop/settings/security', 'settings'], ['/shop/staff', 'staff'], ['/shop/api-keys', 'api keys']] as const) {
      await owner.goto(`${base}${path}`);
      await axe(owner, name);
    }
    await owner.screenshot({ path: `${ARTIFACTS}/27-console-staff.png`, fullPage: true });
    expect(violations).toEqual([]);
  });
});
