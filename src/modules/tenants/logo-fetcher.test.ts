import { describe, expect, it } from 'vitest';
import { createLogoFetcher, isInternalAddress } from './logo-fetcher.ts';

describe('logo fetcher address policy', () => {
  it('knows private, loopback, link-local and mapped addresses', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.9', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fd00::1', 'fe80::1', '::ffff:10.0.0.1', 'not-an-ip']) {
      expect(isInternalAddress(a), a).toBe(true);
    }
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700::1111']) expect(isInternalAddress(a), a).toBe(false);
  });

  it('in production refuses http and private addresses before connecting', async () => {
    const fetchLogo = createLogoFetcher({ production: true });
    await expect(fetchLogo('http://example.com/logo.png')).rejects.toThrow(/https:\/\//);
    await expect(fetchLogo('https://169.254.169.254/latest/meta-data')).rejects.toThrow(/private network/);
    await expect(fetchLogo('https://localhost/logo.png')).rejects.toThrow(/private network/);
    await expect(fetchLogo('nonsense')).rejects.toThrow(/not a valid URL/);
  });
});
