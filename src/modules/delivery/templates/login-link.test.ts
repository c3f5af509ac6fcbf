import { describe, expect, it } from 'vitest';
import { renderLoginLink } from './login-link.ts';
import { isGsm7, smsSafeName, smsSegments } from './sms.ts';

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

  it('says "your service providers" when several shops match', () => {
    const m = renderLoginLink({ shopNames: ['A Pools', 'B Lawns'], brandColor: '#000000', link, code: '000001', minutes: 30 });
    expect(m.subject).toBe('Your sign-in link for your service providers');
    expect(m.text).toContain('A Pools and B Lawns');
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
  it('counts segments for GSM-7 and UCS-2 texts', () => {
    expect(smsSegments('a'.repeat(160))).toBe(1);
    expect(smsSegments('a'.repeat(161))).toBe(2);
    expect(smsSegments('€'.repeat(80))).toBe(1);
    expect(smsSegments('€'.repeat(81))).toBe(2);
    expect(smsSegments('é'.repeat(10) + '✓')).toBe(1);
    expect(smsSegments('✓'.repeat(71))).toBe(2);
  });
  it('folds accents and drops what GSM-7 cannot carry', () => {
    expect(smsSafeName('Señor Müller’s Piscinas 🏊', 40)).toBe("Senor Muller's Piscinas");
    expect(smsSafeName('A very long shop name that goes on and on', 20)).toHaveLength(20);
  });
});
