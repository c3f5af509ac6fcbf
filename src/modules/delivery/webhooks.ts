// Signature checks for provider webhooks. Each returns true only for a request the provider signed.
import { createHmac } from 'node:crypto';
import { safeEqual } from '../../lib/crypto.ts';

/**
 * Twilio: base64(HMAC-SHA1(auth token, full URL + every POST parameter as name+value, sorted by name)).
 * The URL is the one Twilio called, i.e. built from PUBLIC_URL, not from the Host header.
 */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, k) => acc + k + params[k], url);
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

export function verifyTwilio(authToken: string, url: string, params: Record<string, string>, header: string | undefined): boolean {
  return !!header && safeEqual(header, twilioSignature(authToken, url, params));
}

/** Our provider-neutral webhook: `X-Servicio-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "t.body")>`. */
export function servicioSignature(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export function verifyServicio(secret: string, body: string, header: string | undefined, nowMs: number, toleranceS = 300): boolean {
  const m = header ? /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header) : null;
  if (!m) return false;
  const t = Number(m[1]);
  if (Math.abs(nowMs / 1000 - t) > toleranceS) return false;
  return safeEqual(header!, servicioSignature(secret, t, body));
}

/**
 * Mailgun: hex HMAC-SHA256(signing key, timestamp + token), within 5 minutes of our clock. The
 * signature does not cover the event, so callers must also accept each token only once.
 */
export function verifyMailgun(signingKey: string, sig: { timestamp?: string; token?: string; signature?: string } | undefined, nowMs: number): boolean {
  if (!sig?.timestamp || !sig.token || !sig.signature) return false;
  if (!/^\d+$/.test(sig.timestamp) || Math.abs(nowMs / 1000 - Number(sig.timestamp)) > 300) return false;
  const expected = createHmac('sha256', signingKey).update(sig.timestamp + sig.token).digest('hex');
  return safeEqual(sig.signature, expected);
}
