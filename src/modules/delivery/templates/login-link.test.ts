import { describe, expect, it } from 'vitest';
import { renderLoginLink } from './login-link.ts';
import { isGsm7, smsSafeName, smsSegments, toGsm7 } from './sms.ts';

const link = `https://portal.servicio.example/l/${'a'.repeat(48)}`;

describe('login message', () => {
  it('names the one shop, and carries the link and code in every version', () => {
    const m = renderLoginLink({ shopNames: ['Greenway Lawn Care'], brandColor: '#15803d', link, code: '042517', minutes: 30 });
    expect(m.subject).toBe('Your sign-in link for Greenway Lawn Care');
    for (const body of [m.text, m.html, m.sms]) {
      expect(body).toContain(link);
      expect(body).toContain('042517');
    }
    expect(m.html).toContain('#15803d');
    expect(m.text).toContain('expire in 30 minutes');
  });

  // Regression: a client of two shops got "your service providers: tap to sign in …", which reads like phishing.
  it('names every shop when several match, in the subject, the header and the text', () => {
    const m = renderLoginLink({ shopNames: ['BlueWave Pool Service', 'Greenway Lawn Care'], brandColor: '#000000', link, code: '000001', minutes: 30 });
    expect(m.subject).toBe('Your sign-in link for BlueWave Pool Service and Greenway Lawn Care');
    expect(m.html).toMatch(/font-weight:bold;color:#111827;">BlueWave Pool Service and Greenway Lawn Care<\/td>/);
    expect(m.sms.startsWith('BlueWave Pool Service and Greenway Lawn Care: tap to sign in ')).toBe(true);
    expect(m.text).toContain("You're a client of BlueWave Pool Service and Greenway Lawn Care");
    for (const body of [m.subject, m.text, m.html, m.sms]) expect(body).not.toContain('service providers');
    expect(isGsm7(m.sms)).toBe(true);
    expect(smsSegments(m.sms)).toBeLessThanOrEqual(2);
  });

  it('keeps a text for many long shop names within two segments, still naming them', () => {
    const long = ['Piscinas Azules — Señor Müller’s Pool & Spa Service of Greater Austin 🏊', 'Greenway Lawn Care and Landscaping of Round Rock', 'Hill Country Pest Control Professionals', 'Sparkle Home Cleaning'];
    for (let n = 2; n <= long.length; n++) {
      const m = renderLoginLink({ shopNames: long.slice(0, n), brandColor: '#000000', link, code: '123456', minutes: 30 });
      expect(isGsm7(m.sms)).toBe(true);
      expect(smsSegments(m.sms)).toBeLessThanOrEqual(2);
      expect(m.sms).toContain('Piscinas Azules');
      expect(m.sms).toContain(link);
      expect(m.sms).toContain('123456');
    }
  });

  it('keeps a shop console sign-in in the catalog wording, naming the shops', () => {
    const m = renderLoginLink({ shopNames: ['Greenway Lawn Care'], brandColor: '#000000', link, code: '123456', minutes: 30, console: 'shop' });
    expect(m.subject).toBe('Your sign-in link for Greenway Lawn Care — shop console');
    expect(m.text).toContain('Tap this link to open the shop console:');
    const support = renderLoginLink({ shopNames: ['Servicio support'], brandColor: '#000000', link, code: '123456', minutes: 30, console: 'support' });
    expect(support.subject).toBe('Your sign-in link for Servicio support');
    expect(support.text).toContain('Tap this link to open the support console:');
  });

  it('escapes shop names in HTML', () => {
    const m = renderLoginLink({ shopNames: ['<b>Evil</b> & Co'], brandColor: 'red;}', link, code: '123456', minutes: 30 });
    expect(m.html).not.toContain('<b>Evil</b>');
    expect(m.html).toContain('&lt;b&gt;Evil&lt;/b&gt; &amp; Co');
    expect(m.html).not.toContain('red;}');
  });

  it('keeps the SMS to GSM-7 within two segments, even for long or accented names', () => {
    for (const name of ['Greenway Lawn Care', 'Piscinas Azules — Señor Müller’s Pool & Spa Service of Greater Austin 🏊']) {
      const m = renderLoginLink({ shopNames: [name], brandColor: '#000000', link, code: '123456', minutes: 30 });
      expect(isGsm7(m.sms)).toBe(true);
      expect(smsSegments(m.sms)).toBeLessThanOrEqual(2);
    }
    const short = renderLoginLink({ shopNames: ['Greenway Lawn Care'], brandColor: '#000000', link, code: '123456', minutes: 30 });
    expect(smsSegments(short.sms)).toBe(1);
  });
});

describe('sms helpers', () => {
  it('writes any text in GSM-7, keeping what GSM-7 has (é ñ ü ¿ ¡) and folding the rest', () => {
    expect(toGsm7('¿Olvidó su contraseña? ¡Qué pequeño! Cigüeña é')).toBe('¿Olvido su contraseña? ¡Qué pequeño! Cigüeña é');
    expect(toGsm7('Código “123” — ok… •••• 0142')).toBe('Codigo "123" - ok... **** 0142');
    expect(toGsm7('3:42\u202fPM 🏊 done')).toBe('3:42 PM done');
    for (const s of ['áéíóúÁÉÍÓÚñÑüÜ¿¡', 'ç Ç œ ß']) expect(isGsm7(toGsm7(s))).toBe(true);
  });

  it('counts segments for GSM-7 and UCS-2 texts', () => {
    expect(smsSegments('a'.repeat(160))).toBe(1);
    expect(smsSegments('a'.repeat(161))).toBe(2);
    expect(smsSegments('€'.repeat(80))).toBe(1);
    expect(smsSegments('€'.repeat(81))).toBe(2);
    expect(smsSegments('é'.repeat(10) + '✓')).toBe(1);
    expect(smsSegments('✓'.repeat(71))).toBe(2);
  });
  it('folds accents and drops what GSM-7 cannot carry', () => {
    // ñ and ü are GSM-7 and stay; á, ó … are not and lose their accent; emoji go.
    expect(smsSafeName('Señor Müller’s Piscinas 🏊', 40)).toBe("Señor Müller's Piscinas");
    expect(smsSafeName('Jardinería Ángel', 40)).toBe('Jardineria Angel');
    expect(smsSafeName('A very long shop name that goes on and on', 20)).toHaveLength(20);
  });
});
