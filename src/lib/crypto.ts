// Small, shared primitives for secrets. Everything secret is generated here and stored hashed.
import * as nodeCrypto from 'node:crypto';
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

// One-shot hashing (Node ≥ 20.12) costs half of a Hash object's: every portal request hashes its
// session's secret. Older Node 20 releases fall back to createHash.
const oneShot = (nodeCrypto as { hash?: (algorithm: string, data: string, encoding: 'base64url') => string }).hash;

/** URL-safe random string; 36 bytes give 48 characters and 288 bits. */
export function randomToken(bytes = 36): string {
  return randomBytes(bytes).toString('base64url');
}

/** A uniformly random decimal code, zero-padded ("004217"). */
export function randomDigits(length = 6): string {
  return String(randomInt(0, 10 ** length)).padStart(length, '0');
}

export const sha256: (value: string) => string = oneShot
  ? (value) => oneShot('sha256', value, 'base64url')
  : (value) => createHash('sha256').update(value).digest('base64url');

export function hmac(key: string, value: string): string {
  return createHmac('sha256', key).update(value).digest('base64url');
}

/** Constant-time comparison of two strings (length may leak, content does not). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Authenticated encryption for data that must be readable later (queued messages). */
export function createSealer(secret: string) {
  const key = createHash('sha256').update(`seal:${secret}`).digest();
  return {
    seal(plain: string): string {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return [iv, c.getAuthTag(), body].map((b) => b.toString('base64url')).join('.');
    },
    open(sealed: string): string {
      const [iv, tag, body] = sealed.split('.').map((p) => Buffer.from(p, 'base64url'));
      if (!iv || !tag || !body) throw new Error('sealed value is malformed');
      const d = createDecipheriv('aes-256-gcm', key, iv);
      d.setAuthTag(tag);
      return Buffer.concat([d.update(body), d.final()]).toString('utf8');
    },
  };
}
export type Sealer = ReturnType<typeof createSealer>;
