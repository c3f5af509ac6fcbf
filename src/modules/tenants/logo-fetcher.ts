// Fetches a shop's logo once, when it is set, so pages and emails can serve it from our own origin
// (a page that carries a token must not make a request to another host). Checked before it is
// kept: an image type recognised by its bytes (PNG, JPEG, GIF, WebP — never SVG, which can carry
// script), at most 256 KB, and, in production, only from https and public addresses — checked at
// connect time, so a hostname that re-resolves to an internal address is refused too.
import { createHash } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP } from 'node:net';
import { AppError } from '../../lib/app-error.ts';
import { tenantErrors } from './tenants.errors.ts';

export const LOGO_MAX_BYTES = 256 * 1024;

export interface FetchedLogo {
  bytes: Buffer;
  contentType: string;
  hash: string;
}
export type LogoFetcher = (url: string) => Promise<FetchedLogo>;

const TYPES: [string, (b: Buffer) => boolean][] = [
  ['image/png', (b) => b.subarray(0, 8).equals(Buffer.from('89504e470d0a1a0a', 'hex'))],
  ['image/jpeg', (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff],
  ['image/gif', (b) => b.subarray(0, 4).toString('latin1') === 'GIF8'],
  ['image/webp', (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP'],
];

/** Addresses a server must never be made to fetch from on a shop's say-so. */
const internal = new BlockList();
for (const [net, bits] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 3]] as const) {
  internal.addSubnet(net, bits, 'ipv4');
}
// IPv6: loopback/unspecified and IPv4-compatible (::/96), NAT64 (64:ff9b::/96, 64:ff9b:1::/48) and
// 6to4 (2002::/16), which can all reach IPv4 networks, unique-local, site- and link-local, multicast.
for (const [net, bits] of [['::', 96], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['2002::', 16], ['fc00::', 7], ['fec0::', 10], ['fe80::', 10], ['ff00::', 8]] as const) {
  internal.addSubnet(net, bits, 'ipv6');
}

export function isInternalAddress(raw: string): boolean {
  // An IPv4 address written as IPv6 (::ffff:10.0.0.1) is judged as the IPv4 address it is.
  const address = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(raw)?.[1] ?? raw;
  const family = isIP(address);
  return family === 0 || internal.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

const fail = (message: string) => tenantErrors.LOGO_UNAVAILABLE(message);

export function createLogoFetcher(o: { production: boolean; timeoutMs?: number }): LogoFetcher {
  const timeoutMs = o.timeoutMs ?? 5000;
  // Production: every address the name resolves to is checked when the socket connects.
  const lookup = (hostname: string, options: object, cb: (err: Error | null, address: string | LookupAddress[], family?: number) => void) =>
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return cb(err, []);
      const bad = addresses.find((a) => isInternalAddress(a.address));
      if (bad) return cb(fail(`The logo address points to a private network (${bad.address}); use a public https:// address.`), []);
      const opts = options as { all?: boolean };
      return opts.all ? cb(null, addresses) : cb(null, addresses[0]!.address, addresses[0]!.family);
    });

  return async (raw) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw fail('The logo address is not a valid URL; it should look like https://yourshop.com/logo.png.');
    }
    if (o.production && url.protocol !== 'https:') throw fail('The logo address must start with https://.');
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw fail('The logo address must start with https://.');
    if (o.production && isIP(url.hostname.replace(/^\[|\]$/g, '')) && isInternalAddress(url.hostname.replace(/^\[|\]$/g, ''))) {
      throw fail('The logo address points to a private network; use a public https:// address.');
    }
    // One deadline for the whole fetch, so a server that drips bytes cannot hold it open.
    const deadline = AbortSignal.timeout(timeoutMs * 2);
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, { method: 'GET', timeout: timeoutMs, signal: deadline, headers: { accept: 'image/*' }, ...(o.production ? { lookup } : {}) }, resolve);
      req.on('timeout', () => req.destroy(fail(`The logo at ${url.host} did not answer within ${timeoutMs / 1000} seconds.`)));
      req.on('error', (err) => reject(err instanceof AppError ? err : fail(`The logo could not be fetched from ${url.host}: ${err.message}.`)));
      req.end();
    });
    if (res.statusCode !== 200) {
      res.resume();
      const moved = res.statusCode && res.statusCode >= 300 && res.statusCode < 400 ? ' It redirects elsewhere: give the final address.' : ' Check the address.';
      throw fail(`The logo could not be fetched (HTTP ${res.statusCode}).${moved}`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    deadline.addEventListener('abort', () => res.destroy(fail(`The logo at ${url.host} took too long to download.`)));
    for await (const chunk of res as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > LOGO_MAX_BYTES) {
        res.destroy();
        throw fail(`The logo is too large (over ${LOGO_MAX_BYTES / 1024} KB). Use a smaller image; 200 × 200 pixels is plenty.`);
      }
      chunks.push(chunk);
    }
    const bytes = Buffer.concat(chunks);
    const type = TYPES.find(([, is]) => is(bytes))?.[0];
    if (!type) throw fail('The logo must be a PNG, JPEG, GIF or WebP image (SVG is not accepted).');
    return { bytes, contentType: type, hash: createHash('sha256').update(bytes).digest('hex').slice(0, 16) };
  };
}
