// "What we know of each contact detail", from the delivery records: last delivered, bounced,
// carrier-blocked, landline, opted out — for the shop console's client page.
import type { CountryCode } from 'libphonenumber-js';
import { smsRefusal } from '../abuse/sms-policy.ts';
import type { Client } from '../clients/clients.repo.ts';
import type { MessageHistory } from '../delivery/history.ts';

export interface Fact {
  text: string;
  tone: 'ok' | 'warn' | 'bad';
}

const day = (ms: number) => new Date(ms).toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });

function fromMessages(sent: MessageHistory[]): Fact[] {
  const out: Fact[] = [];
  const latest = sent[0];
  const delivered = sent.find((m) => m.outcome.tone === 'ok');
  if (latest && latest.outcome.tone === 'bad') out.push({ text: `${latest.outcome.label} (${day(latest.createdAt)})`, tone: 'bad' });
  if (delivered) out.push({ text: `Last ${delivered.deliveryStatus === 'delivered' ? 'delivered' : 'sent'} ${day(delivered.createdAt)}`, tone: 'ok' });
  if (!latest) out.push({ text: 'Nothing sent here yet', tone: 'warn' });
  return out;
}

export function contactFacts(client: Pick<Client, 'email' | 'phone'>, history: MessageHistory[], allowedCountries: readonly CountryCode[]): { email: Fact[]; phone: Fact[] } {
  const email = client.email ? fromMessages(history.filter((m) => m.channel === 'email' && m.toAddress === client.email)) : [];
  const phone: Fact[] = [];
  if (client.phone) {
    const refusal = smsRefusal(client.phone, allowedCountries);
    if (refusal === 'sms_not_mobile') phone.push({ text: 'Texts can’t reach this number: it is a landline or not a mobile', tone: 'bad' });
    if (refusal === 'sms_country') phone.push({ text: 'We don’t send sign-in texts to this country; use email', tone: 'warn' });
    const texts = history.filter((m) => m.channel === 'sms' && m.toAddress === client.phone);
    if (texts.some((m) => m.errorCode === '21610')) phone.push({ text: 'The client replied STOP: carriers block our texts until they reply START', tone: 'bad' });
    phone.push(...fromMessages(texts));
  }
  return { email, phone };
}
