import { describe, expect, it } from 'vitest';
import { createLogoFetcher, isInternalAddress } from './logo-fetcher.ts';

describe('logo fetcher address policy', () => {
  it('knows private, loopback, link-local and mapped addresses', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.9', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fd00::1', 'fe80::1', '::ffff:10.0.0.1', '64:ff9b::a9fe:a9fe', '2002:a9fe:a9fe::1', '::7f00:1', 'fec0::1', '192.0.0.8', 'not-an-ip']) {
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

describe('logo fetcher deadline', () => {
  it('gives up on a server that drips its bytes, however steadily', async () => {
    const { createServer } = await import('node:http');
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'image/png' });
      const t = setInterval(() => res.write(Buffer.alloc(1)), 50); // never idle, never done
      res.on('close', () => clearInterval(t));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (server.address() as { port: number }).port;
      const started = Date.now();
      await expect(createLogoFetcher({ production: false, timeoutMs: 200 })(`http://127.0.0.1:${port}/logo.png`)).rejects.toThrow(/took too long/);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
