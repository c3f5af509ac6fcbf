// Device cookies (OWASP, "Slow down online guessing attacks with device cookies"): a browser that
// signed in with an email or phone gets a long-lived, signed cookie naming a random device id and
// (hashed) the identifiers it proved. When strangers have spent an identifier's shared caps, a
// request from such a browser is counted on its own device bucket instead, so nobody can lock a
// homeowner out of their own portal by asking for links in their name.
//
// Format: `<device id: 22>.<up to 5 identifier hashes of 16, joined by ~>.<mac: 32>`, all base64url.
// Stateless: nothing is stored; the MAC (keyed by APP_SECRET) makes it unforgeable.
import { hmac, randomToken, safeEqual } from '../../lib/crypto.ts';

const SHAPE = /^([A-Za-z0-9_-]{22})\.((?:[A-Za-z0-9_-]{16})(?:~[A-Za-z0-9_-]{16}){0,4})\.([A-Za-z0-9_-]{32})$/;
const MAX_IDENTIFIERS = 5;
export const DEVICE_COOKIE_DAYS = 365;

export function createDeviceCookies(secret: string) {
  const idHash = (identifier: string) => hmac(secret, `device-identifier:${identifier}`).slice(0, 16);
  const mac = (body: string) => hmac(secret, `device:${body}`).slice(0, 32);

  function read(cookie: string | undefined): { id: string; hashes: string[] } | null {
    const m = cookie ? SHAPE.exec(cookie) : null;
    if (!m) return null;
    if (!safeEqual(m[3]!, mac(`${m[1]}.${m[2]}`))) return null;
    return { id: m[1]!, hashes: m[2]!.split('~') };
  }

  return {
    /** The device id when the cookie is genuine and this browser signed in with `identifier` before. */
    vouchesFor(cookie: string | undefined, identifier: string): string | null {
      const h = idHash(identifier); // computed whatever the cookie holds: same work for everyone
      const d = read(cookie);
      return d && d.hashes.some((x) => safeEqual(x, h)) ? d.id : null;
    },
    /** The cookie to set after a sign-in with `identifier`: this device, this identifier first. */
    after(cookie: string | undefined, identifier: string): string {
      const d = read(cookie) ?? { id: randomToken(16).slice(0, 22), hashes: [] };
      const h = idHash(identifier);
      const hashes = [h, ...d.hashes.filter((x) => x !== h)].slice(0, MAX_IDENTIFIERS).join('~');
      return `${d.id}.${hashes}.${mac(`${d.id}.${hashes}`)}`;
    },
  };
}
export type DeviceCookies = ReturnType<typeof createDeviceCookies>;
