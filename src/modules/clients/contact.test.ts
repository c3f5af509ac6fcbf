import { describe, expect, it } from 'vitest';
import { AppError } from '../../lib/app-error.ts';
import { normaliseEmail, normalisePhone, parseIdentifier } from './contact.ts';

describe('normaliseEmail', () => {
  it('trims and lower-cases', () => {
    expect(normaliseEmail('  Jo.Smith+Lawn@Example.COM ')).toBe('jo.smith+lawn@example.com');
  });
  it('turns an international domain into its ASCII form', () => {
    expect(normaliseEmail('ana@Bücher.example')).toBe('ana@xn--bcher-kva.example');
  });
  // Regression: junk after the domain ("gmail.com(1") passed, multiplying per-address limits.
  it.each(['jo', 'jo@', '@example.com', 'jo@example', 'jo..smith@example.com', '.jo@example.com', 'j o@example.com', 'jo@exa mple.com', 'jo@gmail.com(1', 'jo@gmail.com;x', 'jo@-bad.com', 'jo@bad-.com', 'jo@example.c0m'])(
    'rejects %s with a message that says what to fix',
    (bad) => {
      expect(() => normaliseEmail(bad)).toThrowError(/doesn’t look complete/);
    },
  );
});

describe('normalisePhone', () => {
  it('formats national numbers to E.164 with the default region', () => {
    expect(normalisePhone('(512) 555-0187', 'US')).toBe('+15125550187');
    expect(normalisePhone('512.555.0187', 'US')).toBe('+15125550187');
  });
  it('keeps an explicit country code', () => {
    expect(normalisePhone('+44 20 7946 0958', 'US')).toBe('+442079460958');
  });
  it('uses the configured region for national numbers', () => {
    expect(normalisePhone('020 7946 0958', 'GB')).toBe('+442079460958');
  });
  it('rejects numbers that cannot exist', () => {
    expect(() => normalisePhone('555-0187', 'US')).toThrowError(/area code/);
    expect(() => normalisePhone('+1 000 000 0000', 'US')).toThrowError(AppError);
  });
});

describe('parseIdentifier', () => {
  it('reads an "@" as an email and anything numeric as a phone', () => {
    expect(parseIdentifier(' Sam@Example.com', 'US')).toEqual({ kind: 'email', value: 'sam@example.com' });
    expect(parseIdentifier('+1 (512) 555-0142', 'US')).toEqual({ kind: 'phone', value: '+15125550142' });
  });
  it('names the problem for empty and nonsense input', () => {
    expect(() => parseIdentifier('   ', 'US')).toThrowError(expect.objectContaining({ code: 'IDENTIFIER_REQUIRED' }));
    expect(() => parseIdentifier('hello', 'US')).toThrowError(expect.objectContaining({ code: 'INVALID_IDENTIFIER' }));
    expect(() => parseIdentifier('12', 'US')).toThrowError(expect.objectContaining({ code: 'INVALID_IDENTIFIER' }));
  });
});
