import { describe, expect, it } from 'vitest';
import { outcomeOf, type MessageFacts } from './outcome.ts';

const base: MessageFacts = { channel: 'sms', status: 'sent', delivery_status: null, delivery_error_code: null, delivery_reason: null, last_error: null };

describe('message outcomes in plain words', () => {
  it('names carrier errors with their code, and bounces by what they mean', () => {
    expect(outcomeOf({ ...base, delivery_status: 'undelivered', delivery_error_code: '30007' })).toMatchObject({ label: 'Carrier blocked the text (30007)', tone: 'bad' });
    expect(outcomeOf({ ...base, delivery_status: 'undelivered', delivery_error_code: '30006' }).label).toBe('Landline or number that can’t receive texts (30006)');
    expect(outcomeOf({ ...base, channel: 'email', delivery_status: 'bounced', delivery_reason: '550 5.1.1 The email account that you tried to reach does not exist' }).label).toBe('Mailbox does not exist');
    expect(outcomeOf({ ...base, channel: 'email', delivery_status: 'bounced', delivery_reason: 'mailbox full' }).label).toBe('Mailbox is full');
    expect(outcomeOf({ ...base, delivery_status: 'delivered' })).toMatchObject({ label: 'Delivered', tone: 'ok' });
    expect(outcomeOf({ ...base, status: 'queued', last_error: 'Twilio unreachable' })).toMatchObject({ label: 'Retrying', tone: 'wait' });
    expect(outcomeOf({ ...base, status: 'expired' }).tone).toBe('warn');
  });
});
