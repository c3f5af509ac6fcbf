// In Chromium, the product page's troubleshooting step (4), "contact support — we can issue a
// one-time recovery link": a Servicio support agent signs in with the email link and an
// authenticator code, finds Sam by phone, issues a link to hand over (shown once); Sam opens it in
// another browser, lands in the portal and replaces the email with a code sent to the new address;
// every contact on file was told; the owner of that shop sees the recovery, the agent and the
// reason in the audit log. axe-core checks the support pages and the client's pages for WCAG 2.1 A/AA.
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startFakeProviders } from '../helpers/fake-providers.ts';
import { startLiveServer } from '../helpers/live-server.ts';
import { ARTIFACTS, checkA11y, launchChromium, waitFor } from '../helpers/chromium.ts';

let server: Awaited<ReturnType<typeof startLiveServer>>;
let providers: Awaited<ReturnType<typeof startFakeProviders>>;
let browser: Browser;
let base: string;

beforeAll(async () => {
  providers = await startFakeProviders({ accountSid: `AC${'8'.repeat(32)}`, from: '+15125550100' });
  server = await startLiveServer(providers.env);
  base = server.base;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await providers?.close();
});

const mailTo = (address: string, match: (subject: string) => boolean) =>
  waitFor(() => providers.smtp.received.find((m) => m.to && 'value' in m.to && m.to.value[0]?.address === address && match(m.subject ?? '')), `the email to ${address}`);

const violations: string[] = [];
const axe = (page: Page, name: string) => checkA11y(page, name, violations);

describe('support’s recovery link', () => {
  it('rescues Sam in two minutes, and every step is attributable', async () => {
    // 1. The agent signs in: email link, then the authenticator app (set up now, the first time).
    const agent = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await agent.goto(`${base}/support/sign-in`);
    await axe(agent, 'support sign-in');
    await agent.screenshot({ path: `${ARTIFACTS}/30-support-sign-in.png`, fullPage: true });
    await agent.getByLabel('Work email').fill('support@servicio.example');
    await agent.getByRole('button', { name: 'Send my sign-in link' }).click();
    await agent.waitForURL('**/support/sign-in/check');
    const signInMail = await mailTo('support@servicio.example', (s) => s.includes('Servicio support'));
    await agent.goto(/https?:\/\/\S+\/l\/[A-Za-z0-9_-]{48}/.exec(signInMail.text!)![0]);
    await agent.waitForURL('**/support/second-factor');
    expect(await agent.getByRole('heading', { level: 1 }).textContent()).toBe('Set up your authenticator app');
    await axe(agent, 'support enrol');
    await agent.screenshot({ path: `${ARTIFACTS}/31-support-enrol.png`, fullPage: true });
    const secret = (await agent.locator('figcaption code').textContent())!.replace(/\s/g, '');
    await agent.getByLabel('6-digit code from the app').fill(new TOTP({ secret: Secret.fromBase32(secret) }).generate());
    await agent.getByRole('button', { name: 'Turn it on' }).click();
    expect(await agent.getByRole('heading', { level: 1 }).textContent()).toBe('Save your recovery codes');
    await agent.getByRole('link', { name: 'Continue' }).click();
    await agent.waitForURL('**/support');

    // 2. Finds Sam by the number as Sam says it: a client of two shops.
    await agent.getByLabel('Email, phone or name').fill('(512) 555-0142');
    await agent.getByRole('button', { name: 'Search' }).click();
    const results = await agent.locator('table').textContent();
    expect(results).toContain('Greenway Lawn Care');
    expect(results).toContain('BlueWave Pool Service');
    await axe(agent, 'support search');
    await agent.screenshot({ path: `${ARTIFACTS}/32-support-search.png`, fullPage: true });
    await agent.locator('tr', { hasText: 'Greenway Lawn Care' }).getByRole('link', { name: 'Sam Carter' }).click();
    expect(await agent.locator('body').textContent()).toContain('Client of Greenway Lawn Care');

    // 3. Issues a link to hand over, with the reason.
    await agent.getByLabel('Why does the client need it?').selectOption({ label: 'Email bounced' });
    await agent.getByLabel('What happened').fill('Sam’s work mailbox was closed; texts to his number are blocked by his carrier.');
    await agent.getByLabel('Show it to me once, to hand over in this support conversation').check();
    await axe(agent, 'support client');
    await agent.screenshot({ path: `${ARTIFACTS}/33-support-client.png`, fullPage: true });
    await agent.getByRole('button', { name: 'Issue the recovery link' }).click();
    expect(await agent.getByRole('heading', { level: 1 }).textContent()).toBe('Recovery link issued');
    expect(await agent.getByRole('status').textContent()).toContain('it will never be shown again');
    const link = await agent.getByLabel(/Recovery link for Sam Carter/).inputValue();
    expect(link).toMatch(new RegExp(`^${base}/r/[A-Za-z0-9_-]{48}$`));
    await axe(agent, 'support issued');
    await agent.screenshot({ path: `${ARTIFACTS}/34-support-issued.png`, fullPage: true });
    await agent.goBack();
    await agent.reload();
    expect(await agent.content()).not.toContain(link.split('/r/')[1]);

    // Every contact on file is told, in Greenway's branding.
    const notice = await mailTo('sam@example.com', (s) => s.startsWith('Servicio support issued a sign-in link'));
    expect(notice.text).toMatch(/^Servicio support issued a sign-in link for your Greenway Lawn Care portal at \d{1,2}:\d{2} (AM|PM) UTC on \w+ \d+\. If this wasn't you, contact Greenway Lawn Care at owner@greenway\.example\./);
    expect(notice.html).toContain('#15803d');
    const text = await waitFor(() => providers.twilio.received.find((m) => m.To === '+15125550142' && m.Body?.startsWith('Servicio support issued')), 'the text notice');
    expect(text.Body).toContain('Greenway Lawn Care');

    // 4. Sam opens the link in another browser (a phone): Continue, then the portal.
    const sam = await (await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })).newPage();
    await sam.goto(link);
    expect(await sam.getByRole('heading', { level: 1 }).textContent()).toBe('Open your Greenway Lawn Care portal');
    await axe(sam, 'recovery continue');
    await sam.screenshot({ path: `${ARTIFACTS}/35-recovery-continue.png`, fullPage: true });
    await sam.getByRole('button', { name: 'Continue to my portal' }).click();
    await sam.waitForURL('**/portal');
    expect(await sam.getByRole('note').textContent()).toContain('one-time link from Servicio support');
    await sam.screenshot({ path: `${ARTIFACTS}/36-recovery-portal.png`, fullPage: true });

    // 5. Replaces the email: a code goes to the new address, typed back here.
    await sam.getByRole('link', { name: 'update your email or mobile number' }).click();
    await axe(sam, 'recovery profile');
    await sam.getByLabel('New email').fill('sam.carter@newmail.example');
    await sam.getByRole('button', { name: 'Send a code to this email' }).click();
    expect(await sam.getByRole('status').textContent()).toContain('We sent a code to');
    const codeMail = await mailTo('sam.carter@newmail.example', (s) => s.startsWith('Your code to confirm'));
    await sam.getByLabel(/Code we sent to/).fill(/(\d{6})/.exec(codeMail.subject!)![1]!);
    await sam.screenshot({ path: `${ARTIFACTS}/37-recovery-code.png`, fullPage: true });
    await sam.getByRole('button', { name: 'Confirm the new email' }).click();
    expect(await sam.getByRole('status').textContent()).toContain('Your details are saved.');
    expect(await sam.locator('dl').textContent()).toContain('sam.carter@newmail.example');
    await sam.screenshot({ path: `${ARTIFACTS}/38-recovery-saved.png`, fullPage: true });
    // The link worked once: opening it again does nothing.
    const again = await (await browser.newContext()).newPage();
    expect((await again.goto(link))!.status()).toBe(410);

    // 6. The owner of Greenway sees it in the audit log: the agent, the reason, the change.
    const owner = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await owner.goto(`${base}/shop/sign-in`);
    await owner.getByLabel('Work email').fill('owner@greenway.example');
    await owner.getByRole('button', { name: 'Send my sign-in link' }).click();
    const ownerMail = await mailTo('owner@greenway.example', (s) => s.includes('shop console'));
    await owner.goto(/https?:\/\/\S+\/l\/[A-Za-z0-9_-]{48}/.exec(ownerMail.text!)![0]);
    await owner.waitForURL('**/shop');
    await owner.goto(`${base}/shop/audit`);
    const audit = await owner.locator('table').textContent();
    expect(audit).toContain('Recovery link issued by Servicio support');
    expect(audit).toContain('Ana Alvarez (Servicio support)');
    expect(audit).toContain('Email bounced: Sam’s work mailbox was closed');
    expect(audit).toContain('Signed in with a recovery link');
    expect(audit).toContain('New contact confirmed with a code');
    await owner.screenshot({ path: `${ARTIFACTS}/39-console-audit-recovery.png`, fullPage: true });
    expect(violations).toEqual([]);
  });
});
