// What became of a message, in the plain words a shop owner reads — "Carrier blocked the text
// (30007)", "Mailbox does not exist" — with the provider's own code kept beside them.
import type { DeliveryStatus, OutboxStatus } from '../../db/schema.ts';
import { twilioReasons } from './provider-status.ts';
import { isExampleAddressReason } from './reserved.ts';

/** Short headlines for the Twilio codes an owner meets; the longer advice is in twilioReasons. */
const TWILIO_SHORT: Record<string, string> = {
  '30001': 'Texting queue was full',
  '30002': 'Shop’s texting account is suspended',
  '30003': 'Phone was off or out of coverage',
  '30004': 'Blocked by the recipient or carrier',
  '30005': 'Number does not exist or is not in service',
  '30006': 'Landline or number that can’t receive texts',
  '30007': 'Carrier blocked the text',
  '30008': 'Carrier rejected the text',
  '30034': 'Sending number not registered for US texting',
  '21211': 'Not a valid phone number',
  '21408': 'Texting to this country is not enabled',
  '21610': 'Client replied STOP (opted out of texts)',
  '21614': 'Not a mobile number',
};

export type Tone = 'ok' | 'wait' | 'warn' | 'bad';

export interface Outcome {
  label: string;
  tone: Tone;
  /** The provider's reason or our advice, when there is more to say. */
  detail: string | null;
}

export interface MessageFacts {
  channel: 'email' | 'sms';
  status: OutboxStatus;
  delivery_status: DeliveryStatus | null;
  delivery_error_code: string | null;
  delivery_reason: string | null;
  last_error: string | null;
}

function bounceWords(reason: string | null): string {
  const r = (reason ?? '').toLowerCase();
  if (/does not exist|unknown user|no such user|user unknown|mailbox unavailable|5\.1\.1|recipient address rejected/.test(r)) return 'Mailbox does not exist';
  if (/full|quota|5\.2\.2/.test(r)) return 'Mailbox is full';
  if (/spam|blocked|blacklist|policy|5\.7/.test(r)) return 'Rejected as spam by the receiving server';
  if (/domain|5\.1\.2|host not found|no mx/.test(r)) return 'The email domain does not exist';
  return 'Email bounced';
}

export function outcomeOf(m: MessageFacts): Outcome {
  const code = m.delivery_error_code;
  if (m.delivery_status === 'delivered') return { label: 'Delivered', tone: 'ok', detail: null };
  if (m.delivery_status === 'complained') return { label: 'Marked as spam by the client', tone: 'bad', detail: m.delivery_reason };
  if (m.delivery_status === 'bounced') return { label: bounceWords(m.delivery_reason), tone: 'bad', detail: m.delivery_reason };
  if (m.delivery_status === 'undelivered' || m.delivery_status === 'failed') {
    if (m.channel === 'sms' && code) return { label: `${TWILIO_SHORT[code] ?? 'Carrier could not deliver the text'} (${code})`, tone: 'bad', detail: twilioReasons[code] ?? m.delivery_reason };
    return { label: m.channel === 'sms' ? 'Text not delivered' : bounceWords(m.delivery_reason), tone: 'bad', detail: m.delivery_reason };
  }
  switch (m.status) {
    case 'sent':
      return { label: m.channel === 'sms' ? 'Sent to the carrier' : 'Sent', tone: 'ok', detail: null };
    case 'queued':
      return m.last_error ? { label: 'Retrying', tone: 'wait', detail: m.last_error } : { label: 'Waiting to send', tone: 'wait', detail: null };
    case 'sending':
      return { label: 'Sending', tone: 'wait', detail: null };
    case 'expired':
      return { label: 'Not sent: the link was about to expire', tone: 'warn', detail: 'Our sending was delayed; the client can ask for a new link.' };
    case 'failed':
      if (isExampleAddressReason(m.last_error)) {
        return { label: 'Example address — never sent', tone: 'bad', detail: `This ${m.channel === 'sms' ? 'number is a fictional 555-01xx number' : 'address is at a domain reserved for examples'}, so nothing was handed to the ${m.channel === 'sms' ? 'texting' : 'email'} provider. Put the client’s real ${m.channel === 'sms' ? 'mobile number' : 'email'} on file.` };
      }
      return { label: m.channel === 'sms' ? 'Text could not be sent' : 'Email could not be sent', tone: 'bad', detail: m.last_error };
  }
}
