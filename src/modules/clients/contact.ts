// Normalising what people type as contact details: one canonical form per email and per phone,
// so "Jo@Example.COM " and "jo@example.com" find the same client in every shop.
import { domainToASCII } from 'node:url';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { clientErrors } from './clients.errors.ts';

export type Identifier = { kind: 'email'; value: string } | { kind: 'phone'; value: string };

const LOCAL_PART = /^[a-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}$/;
/** Letters, digits and hyphens in dot-separated labels (after IDN → ASCII), alphabetic or xn-- TLD. */
const DOMAIN = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

export function normaliseEmail(input: string): string {
  const trimmed = input.trim().toLowerCase();
  const at = trimmed.lastIndexOf('@');
  const local = trimmed.slice(0, at);
  const domain = at > 0 ? domainToASCII(trimmed.slice(at + 1)) : '';
  if (
    at < 1 ||
    !LOCAL_PART.test(local) ||
    local.startsWith('.') ||
    local.endsWith('.') ||
    local.includes('..') ||
    !domain ||
    domain.length > 253 ||
    !DOMAIN.test(domain)
  ) {
    throw clientErrors.INVALID_EMAIL();
  }
  return `${local}@${domain}`;
}

export function normalisePhone(input: string, region: CountryCode): string {
  const parsed = parsePhoneNumberFromString(input.trim(), region);
  if (!parsed || !parsed.isValid()) {
    throw clientErrors.INVALID_PHONE();
  }
  return parsed.number;
}

/** Reads the login field: anything with an "@" is an email, anything else must be a phone. */
export function parseIdentifier(input: string, region: CountryCode): Identifier {
  const value = input.trim();
  if (!value) throw clientErrors.IDENTIFIER_REQUIRED();
  if (value.length > 254) throw clientErrors.INVALID_EMAIL();
  if (value.includes('@')) return { kind: 'email', value: normaliseEmail(value) };
  if (!/^[\d\s()+.\-]+$/.test(value) || value.replace(/\D/g, '').length < 7) {
    throw clientErrors.INVALID_IDENTIFIER();
  }
  return { kind: 'phone', value: normalisePhone(value, region) };
}
