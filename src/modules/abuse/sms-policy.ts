// Which numbers may receive a login text: only numbers on a client record (the caller ensures
// that), only in allowed countries, and never numbers libphonenumber knows cannot be mobiles
// (premium-rate, toll-free, shared-cost, landlines…) — those are how SMS pumping fraud pays.
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

const NOT_MOBILE = new Set(['FIXED_LINE', 'PREMIUM_RATE', 'TOLL_FREE', 'SHARED_COST', 'UAN', 'VOICEMAIL', 'PAGER', 'PERSONAL_NUMBER']);

export type SmsRefusal = 'sms_country' | 'sms_not_mobile';

export function smsRefusal(e164: string, allowedCountries: readonly CountryCode[]): SmsRefusal | null {
  const n = parsePhoneNumberFromString(e164);
  if (!n?.country || !allowedCountries.includes(n.country)) return 'sms_country';
  const type = n.getType();
  if (type && NOT_MOBILE.has(type)) return 'sms_not_mobile';
  return null;
}
