// Addresses that exist only in examples: the demo data's, the tests', the documentation's. A real
// provider never gets a message for one of them (channels.ts) unless the operator says so with
// DELIVER_TO_EXAMPLE_ADDRESSES=true (a test rig whose SMTP server or Twilio stand-in keeps everything).

/** Second-level domains reserved for documentation (RFC 2606 §3), with every subdomain. */
const EXAMPLE_DOMAINS = ['example.com', 'example.net', 'example.org'];
/** Top-level domains that never resolve to anyone's mailbox (RFC 2606 §2, RFC 6761 §6.2–6.4). */
const RESERVED_TLDS = ['example', 'test', 'invalid', 'localhost'];

/** A domain at or under a reserved name: jo@example.com, jo@mail.example.org, owner@greenway.example. */
export function isReservedEmail(address: string): boolean {
  const domain = address.slice(address.lastIndexOf('@') + 1).trim().toLowerCase().replace(/\.$/, '');
  const under = (name: string) => domain === name || domain.endsWith(`.${name}`);
  return EXAMPLE_DOMAINS.some(under) || RESERVED_TLDS.some(under);
}

/** North American 555-0100 … 555-0199 in any area code: numbers set aside for fiction (E.164). */
export function isFictionalPhone(e164: string): boolean {
  return /^\+1[2-9]\d{2}55501\d{2}$/.test(e164.replace(/[\s().-]/g, ''));
}

export function isExampleAddress(channel: 'email' | 'sms', to: string): boolean {
  return channel === 'email' ? isReservedEmail(to) : isFictionalPhone(to);
}

/**
 * What a message refused for an example address records as its reason (`last_error`, the
 * `delivery.failed` audit event). outcome.ts recognises it by this beginning.
 */
export const EXAMPLE_ADDRESS_REASON = 'Not sent: an example address (reserved for documentation and tests), never handed to the provider. Set DELIVER_TO_EXAMPLE_ADDRESSES=true to send to such addresses.';
export const isExampleAddressReason = (error: string | null | undefined): boolean => !!error && error.startsWith('Not sent: an example address');
