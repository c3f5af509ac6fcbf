import { randomUUID } from 'node:crypto';

/**
 * A new row id: a UUID version 7 (RFC 9562) — the time in milliseconds, then 74 random bits.
 * Ids made one after another sort one after another, so a new row goes at the end of its
 * primary-key index instead of at a random place in it: a write dirties a page or two however
 * big the table has grown (random v4 ids made each commit write a page per row and index, and
 * slowed every write down as the store grew). Ids are names, never secrets: every bearer secret
 * (session, link, binding cookie) is a separate random value beside the id.
 */
export function newId(now = Date.now()): string {
  const time = now.toString(16).padStart(12, '0');
  // randomUUID(): xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx; its random part after the version digit is kept.
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${randomUUID().slice(15)}`;
}
