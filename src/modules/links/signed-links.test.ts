import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createLinkSigner, type LinkClaims } from './signed-links.ts';

const claims: LinkClaims = { tenantId: randomUUID(), clientId: randomUUID(), object: 'invoice', objectId: randomUUID(), linkVersion: 3, expiresAt: 1_900_000_000 };
const k1 = { id: 'k1', secret: 'first-secret-first-secret-first-secret' };
const k2 = { id: 'k2', secret: 'second-secret-second-secret-second-se' };

describe('signed links', () => {
  it('round-trips the claims and stays short', () => {
    const s = createLinkSigner([k1]);
    const token = s.sign(claims);
    expect(token.length).toBeLessThan(160);
    expect(token).toMatch(/^[A-Za-z0-9_~.-]+$/);
    expect(s.verify(token)).toEqual({ ok: true, kid: 'k1', claims });
  });

  it('rejects any changed field or signature', () => {
    const s = createLinkSigner([k1]);
    const token = s.sign(claims);
    const [body, sig] = token.split('.') as [string, string];
    const fields = body.split('~');
    const other = s.sign({ tenantId: randomUUID(), clientId: randomUUID(), object: 'report', objectId: randomUUID(), linkVersion: 4, expiresAt: 1_900_000_001 });
    const otherFields = other.split('.')[0]!.split('~');
    // tenant, client, object kind, object id, link version, expiry: each one swapped alone
    for (let i = 2; i < fields.length; i++) {
      const changed = [...fields];
      changed[i] = otherFields[i]!;
      expect(changed[i]).not.toBe(fields[i]);
      expect(s.verify(`${changed.join('~')}.${sig}`)).toEqual({ ok: false, reason: 'bad_signature' });
    }
    expect(s.verify(`${body}.${sig.slice(0, -2)}AA`)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(s.verify('nonsense')).toEqual({ ok: false, reason: 'malformed' });
  });

  it('signs with the newest key, verifies with older ones until they are retired', () => {
    const old = createLinkSigner([k1]).sign(claims);
    const rotated = createLinkSigner([k2, k1]);
    expect(rotated.verify(old)).toMatchObject({ ok: true, kid: 'k1' });
    expect(rotated.verify(rotated.sign(claims))).toMatchObject({ ok: true, kid: 'k2' });
    expect(createLinkSigner([k2]).verify(old)).toEqual({ ok: false, reason: 'unknown_key' });
  });

  it('does not accept a token signed by another key under a known key id', () => {
    const forged = createLinkSigner([{ id: 'k1', secret: 'attacker-secret-attacker-secret-att' }]).sign(claims);
    expect(createLinkSigner([k1]).verify(forged)).toEqual({ ok: false, reason: 'bad_signature' });
  });
});
