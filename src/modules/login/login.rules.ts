// Small rules shared by the request path (login.service) and the worker (login.dispatch).
import { MINUTE } from '../../lib/clock.ts';
import type { Identifier } from '../clients/contact.ts';

export type Channel = 'email' | 'sms';
export const channelOf = (kind: Identifier['kind']): Channel => (kind === 'phone' ? 'sms' : 'email');
export const otherChannel = (c: Channel): Channel => (c === 'sms' ? 'email' : 'sms');

/**
 * A login message is never sent with less than this left to live (the client would tap a dying
 * link): it is dropped and audited instead. Five minutes, or a third of a very short link lifetime.
 */
export const sendMarginMs = (linkTtlMs: number) => Math.min(5 * MINUTE, Math.floor(linkTtlMs / 3));
