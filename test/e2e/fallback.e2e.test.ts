// In Chromium: an email that bounces at the SMTP server → the check page offers a text instead →
// the code from the text signs in. And the friendly page of a rate-limited network.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { demo } from '../../src/modules/demo/seed.ts';
import { startFakeProviders } from '../helpers/fake-providers.ts';
import { startLiveServer } from '../helpers/live-server.ts';
import { ARTIFACTS, launchChromium, phone } from '../helpers/chromium.ts';

let server: Awaited<ReturnType<typeof startLiveServer>>;
let browser: Browser;
let providers: Awaited<ReturnType<typeof startFakeProviders>>;
let base: string;

beforeAll(async () => {
  providers = await startFakeProviders({ accountSid: `AC${'6'.repeat(32)}`, from: '+15125550100' });
  server = await startLiveServer({ ...providers.env, RATE_LOGIN_PER_IP_15M: '4' });
  base = server.base;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await providers?.close();
});

describe('when the email cannot be delivered', () => {
  it('offers a text instead, and its code signs in', async () => {
    providers.smtp.fail(550);
    const page = await (await phone(browser)).newPage();
    await page.goto(`${base}/client-login`);
    await page.getByLabel('Email or mobile number').fill(demo.oneShop.email);
    await page.getByRole('button', { name: 'Send my sign-in link' }).click();
    await page.waitForURL('**/client-login/check');
    // Offered to everyone (known or not), without a digit of the number on file.
    const button = page.getByRole('button', { name: 'Text me instead' });
    expect(await button.isVisible()).toBe(true);
    expect(await page.content()).not.toContain('0187');
    await page.screenshot({ path: `${ARTIFACTS}/11-other-channel.png`, fullPage: true });
    providers.smtp.fail(null);
    const texts = providers.twilio.received.length;
    await button.click();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Check your phone');
    expect(await page.getByRole('status').textContent()).toContain('If a mobile number is on file for m***@example.com');
    for (let i = 0; i < 50 && providers.twilio.received.length === texts; i++) await new Promise((r) => setTimeout(r, 100));
    const code = /code (\d{6})/.exec(providers.twilio.received.at(-1)!.Body!)![1]!;
    await page.getByLabel('6-digit code').fill(code);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/portal');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Hi Maria');
  });

  it('shows a calm page when a network asks too often', async () => {
    const page = await (await phone(browser)).newPage();
    let status = 0;
    for (let i = 0; i < 6 && status !== 429; i++) {
      await page.goto(`${base}/client-login`);
      await page.getByLabel('Email or mobile number').fill(`nobody${i}@example.com`);
      const [res] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Send my sign-in link' }).click()]);
      status = res.status();
    }
    expect(status).toBe(429);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Please wait a moment');
    await page.screenshot({ path: `${ARTIFACTS}/12-too-many.png`, fullPage: true });
  });
});
