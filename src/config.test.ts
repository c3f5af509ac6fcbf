import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('runs with no configuration at all on the embedded defaults', () => {
    const c = loadConfig({});
    expect(c.database).toEqual({ kind: 'sqlite', path: './data/servicio.db' });
    expect(c.publicUrl).toBe('http://localhost:3000');
    expect(c.secureCookies).toBe(false);
    expect(c.login.linkTtlMs).toBe(30 * 60_000);
    expect(c.email.kind).toBe('dev');
    expect(c.devOutbox).toBe(true);
  });

  it('lists every bad variable at once', () => {
    try {
      loadConfig({ PORT: 'abc', PUBLIC_URL: 'ftp://x', DATABASE_URL: 'mysql://x', DEFAULT_PHONE_REGION: 'ZZ', SMTP_URL: 'smtp://mail:25' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join('\n');
      for (const key of ['PORT', 'PUBLIC_URL', 'DEFAULT_PHONE_REGION']) expect(problems).toContain(key);
    }
  });

  it('requires https, a secret and real delivery in production, and has no dev outbox there', () => {
    const problems = (() => {
      try {
        loadConfig({ NODE_ENV: 'production', PUBLIC_URL: 'http://portal.example.com' });
      } catch (err) {
        return (err as ConfigError).problems.join('\n');
      }
      return '';
    })();
    expect(problems).toMatch(/PUBLIC_URL must be https/);
    expect(problems).toMatch(/APP_SECRET is required/);
    expect(problems).toMatch(/SMTP_URL is required/);
    const ok = loadConfig({
      NODE_ENV: 'production',
      PUBLIC_URL: 'https://portal.example.com/',
      APP_SECRET: 'x'.repeat(40),
      SMTP_URL: 'smtp://u:p@mail.example.com:587',
      MAIL_FROM: 'portal@example.com',
      TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
      TWILIO_AUTH_TOKEN: 'tok',
      TWILIO_FROM: '+15125550100',
    });
    expect(ok.devOutbox).toBe(false);
    expect(ok.secureCookies).toBe(true);
    expect(ok.publicUrl).toBe('https://portal.example.com');
  });

  it('asks for the rest of Twilio when part of it is set', () => {
    expect(() => loadConfig({ TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}` })).toThrowError(/TWILIO_AUTH_TOKEN is required[\s\S]*TWILIO_FROM is required/);
  });
});
