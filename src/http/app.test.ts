import { describe, expect, it } from 'vitest';
import { redactUrl } from './app.ts';
import { redactSecrets } from '../lib/redact.ts';

describe('redactUrl', () => {
  // Regression: signed email links (/s/…) were logged whole.
  it('keeps tokens of login and email links out of the logs', () => {
    expect(redactUrl(`/l/${'a'.repeat(48)}`)).toBe('/l/[redacted]');
    expect(redactUrl('/s/v1~app~abc~def~i~ghi~1~xyz.SIGNATURE')).toBe('/s/[redacted]');
    expect(redactUrl('/client-login?signed_out=1')).toBe('/client-login');
    expect(redactUrl('/portal/invoices/123')).toBe('/portal/invoices/123');
  });
});

describe('redactSecrets', () => {
  it('scrubs every secret shape from a whole log line, wherever it appears', () => {
    const token = 'ybi0FOHpHEmw9MM8LZOKvKrhLPmA1EwcAsSnzm3bxwnEPhoq';
    const session = `0b1c2d3e-1111-4222-8333-444455556666.${'s'.repeat(43)}`;
    const key = `spk_${'a'.repeat(32)}_${'k'.repeat(43)}`;
    const line = JSON.stringify({ msg: `Reply was already sent in "/l/${token}" (GET)`, url: `http://x/s/v1~a~b.SIG`, cookie: session, auth: `Bearer ${key}` });
    const out = redactSecrets(line);
    for (const secret of [token, 'v1~a~b.SIG', session, key.slice(4)]) expect(out).not.toContain(secret);
    expect(out).toContain('/l/[redacted]');
    expect(JSON.parse(out).msg).toBe('Reply was already sent in "/l/[redacted]" (GET)');
    const device = `${'d'.repeat(22)}.${'h'.repeat(16)}~${'i'.repeat(16)}.${'m'.repeat(32)}`;
    expect(redactSecrets(`cookie ${device};`)).toBe('cookie [redacted];');
    expect(redactSecrets('{"msg":"outbox 0b1c2d3e-1111-4222-8333-444455556666 sent"}')).toContain('0b1c2d3e-1111-4222-8333-444455556666');
  });
});
