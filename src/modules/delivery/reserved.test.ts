import { describe, expect, it } from 'vitest';
import { EXAMPLE_ADDRESS_REASON, isExampleAddress, isExampleAddressReason, isFictionalPhone, isReservedEmail } from './reserved.ts';
import { outcomeOf } from './outcome.ts';

describe('example addresses (RFC 2606 / 6761, NANP 555-01xx)', () => {
  it('knows the reserved email domains and their subdomains, and nothing more', () => {
    for (const a of ['maria@example.com', 'x@mail.example.org', 'x@example.net', 'owner@greenway.example', 'a@b.test', 'a@test', 'a@nowhere.invalid', 'a@host.localhost', 'A@EXAMPLE.COM', 'a@example.com.']) {
      expect(isReservedEmail(a), a).toBe(true);
    }
    for (const a of ['jo@gmail.com', 'jo@example.co', 'jo@myexample.com', 'jo@example.com.au', 'jo@testing.io', 'jo@contest.com', 'example.com@gmail.com', 'jo@greenway-example.com']) {
      expect(isReservedEmail(a), a).toBe(false);
    }
  });

  it('knows the fictional 555-0100…0199 numbers in any North American area code', () => {
    for (const p of ['+15125550100', '+15125550187', '+12125550199', '+1 512 555 0142']) expect(isFictionalPhone(p), p).toBe(true);
    for (const p of ['+15125550200', '+15125550099', '+15125551234', '+11125550100', '+445125550100', '+15125550']) expect(isFictionalPhone(p), p).toBe(false);
    expect(isExampleAddress('sms', '+15125550166')).toBe(true);
    expect(isExampleAddress('email', '+15125550166')).toBe(false);
  });

  it('reads as "Example address — never sent" in the console', () => {
    expect(isExampleAddressReason(EXAMPLE_ADDRESS_REASON)).toBe(true);
    const facts = { channel: 'email', status: 'failed', delivery_status: null, delivery_error_code: null, delivery_reason: null, last_error: EXAMPLE_ADDRESS_REASON } as const;
    expect(outcomeOf(facts)).toMatchObject({ label: 'Example address — never sent', tone: 'bad' });
    expect(outcomeOf({ ...facts, channel: 'sms' }).detail).toContain('fictional 555-01xx number');
    expect(outcomeOf({ ...facts, last_error: 'SMTP: 550 mailbox unavailable' }).label).toBe('Email could not be sent');
  });
});
