// The SMTP channel opens its own TCP connections (with Nagle's algorithm off, channels.ts
// connectWithoutDelay) and hands them to nodemailer: TLS must still work both ways an SMTP server
// offers it, and a server that is not there must be a failure worth retrying, not a crash.
import type { AddressInfo } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db/database.ts';
import { systemClock } from '../../src/lib/clock.ts';
import { createChannels, DeliveryError, type Channels } from '../../src/modules/delivery/channels.ts';
import { testEnv } from '../helpers/harness.ts';

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

/** An SMTP server speaking TLS (smtp-server's own self-signed certificate): from the first byte, or after STARTTLS. */
async function tlsServer(implicit: boolean) {
  const received: { mail: ParsedMail; secure: boolean }[] = [];
  const server = new SMTPServer({
    secure: implicit,
    authOptional: true,
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream).then((mail) => {
        received.push({ mail, secure: session.secure });
        callback();
      }, callback);
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  closers.push(() => new Promise<void>((r) => server.close(() => r())));
  return { port: (server.server.address() as AddressInfo).port, received };
}

async function channelsFor(smtpUrl: string): Promise<Channels> {
  // .test addresses are reserved ones, which a real provider never gets unless told to.
  const config = loadConfig(testEnv({ SMTP_URL: smtpUrl, MAIL_FROM: 'portal@servicio.test', DELIVER_TO_EXAMPLE_ADDRESSES: 'true' }).env);
  const db = await openDatabase({ kind: 'sqlite', path: ':memory:' });
  const channels = createChannels({ config, db, clock: systemClock });
  closers.push(() => db.destroy());
  closers.push(async () => channels.close?.());
  return channels;
}

const message = (n: number) => ({ outboxId: `msg-${n}`, to: `homeowner${n}@servicio.test`, fromName: 'Greenway Lawn Care', subject: `Invoice ${n}`, text: `Invoice ${n} is ready.`, html: `<p>Invoice ${n} is ready.</p>` });

describe('SMTP connections', () => {
  it('upgrade with STARTTLS when the server offers it (and SMTP_URL requires it)', async () => {
    const server = await tlsServer(false);
    const channels = await channelsFor(`smtp://127.0.0.1:${server.port}?requireTLS=true&tls.rejectUnauthorized=false`);
    const sent = await Promise.all([1, 2, 3].map((n) => channels.email(message(n))));
    expect(sent.map((s) => s.providerId)).toEqual(['msg-1@servicio.test', 'msg-2@servicio.test', 'msg-3@servicio.test']);
    expect(server.received.map((r) => [r.mail.subject, r.secure])).toEqual(expect.arrayContaining([['Invoice 1', true], ['Invoice 2', true], ['Invoice 3', true]]));
    expect(server.received).toHaveLength(3);
  });

  it('speak TLS from the first byte on smtps://', async () => {
    const server = await tlsServer(true);
    const channels = await channelsFor(`smtps://127.0.0.1:${server.port}?tls.rejectUnauthorized=false`);
    await channels.email(message(7));
    expect(server.received.map((r) => [r.mail.subject, r.mail.text?.trim(), r.secure])).toEqual([['Invoice 7', 'Invoice 7 is ready.', true]]);
  });

  it('without pooling too (pool=false in SMTP_URL)', async () => {
    const server = await tlsServer(false);
    const channels = await channelsFor(`smtp://127.0.0.1:${server.port}?pool=false&tls.rejectUnauthorized=false`);
    await channels.email(message(8));
    expect(server.received.map((r) => r.mail.subject)).toEqual(['Invoice 8']);
  });

  it('through the proxy SMTP_URL names (nodemailer connects through it, not us)', async () => {
    const server = await tlsServer(false);
    // An HTTP CONNECT proxy that notes where it was asked to go.
    const tunnels: string[] = [];
    const proxy = createHttpServer();
    proxy.on('connect', (req, client, head) => {
      tunnels.push(req.url ?? '');
      const [host, port] = (req.url ?? '').split(':');
      const upstream = connect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    closers.push(() => new Promise<void>((r) => proxy.close(() => r())));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const channels = await channelsFor(`smtp://127.0.0.1:${server.port}?tls.rejectUnauthorized=false&proxy=${encodeURIComponent(proxyUrl)}`);
    await channels.email(message(10));
    expect(tunnels).toEqual([`127.0.0.1:${server.port}`]);
    expect(server.received.map((r) => r.mail.subject)).toEqual(['Invoice 10']);
  });

  it('to a server that is not there: a failure worth trying again, not a crash', async () => {
    // A port that was just free: nothing listens on it any more.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const channels = await channelsFor(`smtp://127.0.0.1:${port}`);
    const err = await channels.email(message(9)).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err).toMatchObject({ permanent: false });
    expect((err as Error).message).toMatch(/^SMTP: .*ECONNREFUSED/);
  });
});
