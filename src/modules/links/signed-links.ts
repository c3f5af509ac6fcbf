// Signed links in automated emails: bound to one shop, one client, one object and the client's
// link version, with a key id and an expiry; HMAC-SHA-256 over a canonical encoding.
// Keys rotate: the first key signs, every listed key verifies; a removed key is retired.
import { createHmac } from 'node:crypto';
import { safeEqual } from '../../lib/crypto.ts';

export type LinkObject = 'invoice' | 'report';

export interface LinkClaims {
  tenantId: string;
  clientId: string;
  object: LinkObject;
  objectId: string;
  linkVersion: number;
  /** Epoch seconds. */
  expiresAt: number;
}

export interface SigningKey {
  id: string;
  secret: string;
}

export type VerifyResult = { ok: true; kid: string; claims: LinkClaims } | { ok: false; reason: 'malformed' | 'unknown_key' | 'bad_signature' };

const VERSION = 'v1';
const OBJECT_CODE: Record<LinkObject, string> = { invoice: 'i', report: 'r' };
const CODE_OBJECT: Record<string, LinkObject> = { i: 'invoice', r: 'report' };

// UUIDs travel as 22 base64url characters instead of 36, to keep links short.
const packId = (uuid: string) => Buffer.from(uuid.replace(/-/g, ''), 'hex').toString('base64url');
function unpackId(s: string): string | null {
  const hex = Buffer.from(s, 'base64url').toString('hex');
  if (hex.length !== 32 || packId(hex.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5')) !== s) return null;
  return hex.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
}

/** The exact bytes that are signed: fixed field order, '~'-separated, no field may contain '~'. */
function canonical(kid: string, c: LinkClaims): string {
  return [VERSION, kid, packId(c.tenantId), packId(c.clientId), OBJECT_CODE[c.object], packId(c.objectId), c.linkVersion, c.expiresAt.toString(36)].join('~');
}

const mac = (secret: string, data: string) => createHmac('sha256', secret).update(data).digest('base64url');

export function createLinkSigner(keys: SigningKey[]) {
  if (keys.length === 0) throw new Error('at least one link signing key is needed');
  const byId = new Map(keys.map((k) => [k.id, k]));
  const current = keys[0]!;
  return {
    currentKeyId: current.id,
    sign(claims: LinkClaims): string {
      const body = canonical(current.id, claims);
      return `${body}.${mac(current.secret, body)}`;
    },
    verify(token: string): VerifyResult {
      const dot = token.lastIndexOf('.');
      if (dot < 0 || token.length > 300) return { ok: false, reason: 'malformed' };
      const body = token.slice(0, dot);
      const parts = body.split('~');
      if (parts.length !== 8 || parts[0] !== VERSION) return { ok: false, reason: 'malformed' };
      const [, kid, t, c, o, id, version, exp] = parts as [string, string, string, string, string, string, string, string];
      const key = byId.get(kid);
      if (!key) return { ok: false, reason: 'unknown_key' };
      if (!safeEqual(token.slice(dot + 1), mac(key.secret, body))) return { ok: false, reason: 'bad_signature' };
      const tenantId = unpackId(t);
      const clientId = unpackId(c);
      const objectId = unpackId(id);
      const object = CODE_OBJECT[o];
      const linkVersion = Number(version);
      const expiresAt = parseInt(exp, 36);
      if (!tenantId || !clientId || !objectId || !object || !Number.isInteger(linkVersion) || !Number.isFinite(expiresAt)) return { ok: false, reason: 'malformed' };
      return { ok: true, kid, claims: { tenantId, clientId, object, objectId, linkVersion, expiresAt } };
    },
  };
}
export type LinkSigner = ReturnType<typeof createLinkSigner>;
