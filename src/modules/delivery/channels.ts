// Where messages leave the building. A channel sends one rendered message and returns the
// provider's id; it throws DeliveryError to say whether trying again could help.
import { createConnection, type Socket } from 'node:net';
import type { Transporter } from 'nodemailer';
import type { Insertable, Kysely } from 'kysely';
import type { Config } from '../../config.ts';
import type { DB, DevOutboxTable } from '../../db/schema.ts';
import type { Clock } from '../../lib/clock.ts';
import { writeTogether } from '../../db/writes.ts';
import { EXAMPLE_ADDRESS_REASON, isExampleAddress } from './reserved.ts';

export interface OutgoingEmail {
  outboxId: string;
  to: string;
  fromName: string;
  subject: string;
  text: string;
  html: string;
}
export interface OutgoingSms {
  outboxId: string;
  to: string;
  body: string;
}

export interface Channels {
  email(m: OutgoingEmail): Promise<{ provider: string; providerId: string | null }>;
  sms(m: OutgoingSms): Promise<{ provider: string; providerId: string | null }>;
  /** Closes kept-open connections (the SMTP pool); a later message opens them again. */
  close?(): Promise<void>;
}

export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

/** Header-safe display name: no CR/LF, quotes or angle brackets can reach the From header. */
export function safeDisplayName(name: string): string {
  return name.replace(/[\r\n"<>\\]/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 70) || 'Servicio Portal';
}

/**
 * A real provider's sender that never gets a message for an example address (reserved.ts): the
 * message fails for good, with a reason the console shows as "Example address — never sent".
 */
function refuseExampleAddresses<M extends { to: string }>(channel: 'email' | 'sms', send: (m: M) => Promise<{ provider: string; providerId: string | null }>) {
  return async (m: M): Promise<{ provider: string; providerId: string | null }> => {
    if (isExampleAddress(channel, m.to)) throw new DeliveryError(EXAMPLE_ADDRESS_REASON, true);
    return send(m);
  };
}

export function createChannels(deps: { config: Config; db: Kysely<DB>; clock: Clock }): Channels {
  const { config, db, clock } = deps;
  // Written together with the other copies of the moment: one transaction, one statement (db/writes.ts).
  const keep = (row: Insertable<DevOutboxTable>) => writeTogether(db, (w) => w.insert('dev_outbox', row));
  // The development outbox keeps everything (nothing leaves the machine); real providers are guarded.
  const guard = <M extends { to: string }>(channel: 'email' | 'sms', send: (m: M) => Promise<{ provider: string; providerId: string | null }>) =>
    config.deliverToExampleAddresses ? send : refuseExampleAddresses(channel, send);

  const smtp = config.email.kind === 'smtp' ? smtpSender(config.email.url, config.email.from) : undefined;
  const email: Channels['email'] = smtp
    ? guard('email', smtp)
    : async (m) => {
        await keep({ outbox_id: m.outboxId, channel: 'email', to_address: m.to, subject: m.subject, text: m.text, html: m.html, created_at: clock.now() });
        return { provider: 'dev', providerId: null };
      };

  const sms: Channels['sms'] =
    config.sms.kind === 'twilio'
      ? guard('sms', twilioSender(config.sms, config.publicUrl))
      : async (m) => {
          await keep({ outbox_id: m.outboxId, channel: 'sms', to_address: m.to, subject: null, text: m.body, html: null, created_at: clock.now() });
          return { provider: 'dev', providerId: null };
        };

  return { email, sms, close: async () => smtp?.close() };
}

function smtpSender(url: string, from: string): Channels['email'] & { close(): Promise<void> } {
  const domain = from.slice(from.lastIndexOf('@') + 1) || 'servicio.invalid';
  // nodemailer is loaded with the first email (a process without SMTP never holds it).
  let transporter: Promise<Transporter> | undefined;
  // nodemailer reads a connection URL's options from its query only (an options object beside a
  // URL is ignored), so ours go there, under any the operator put in SMTP_URL.
  const configured = new URL(url);
  const defaults = {
    // Pooled: a batch of messages goes out over a few kept-open connections, not one connection
    // (and TLS handshake) per message.
    pool: 'true',
    maxConnections: '10',
    maxMessages: '500',
    connectionTimeout: '10000',
    greetingTimeout: '10000',
    socketTimeout: '20000',
  };
  for (const [k, v] of Object.entries(defaults)) if (!configured.searchParams.has(k)) configured.searchParams.set(k, v);
  const transport = () => (transporter ??= openTransport(configured));
  const send = async (m: OutgoingEmail) => {
    try {
      // Our own Message-ID, so bounce webhooks can be matched to this message.
      const messageId = `${m.outboxId}@${domain}`;
      await (await transport()).sendMail({
        messageId: `<${messageId}>`,
        from: { name: safeDisplayName(m.fromName), address: from },
        to: m.to,
        subject: m.subject.replace(/[\r\n]+/g, ' '),
        text: m.text,
        html: m.html,
      });
      return { provider: 'smtp', providerId: messageId };
    } catch (err) {
      const e = err as { responseCode?: number; message?: string };
      // 5xx SMTP replies are final (bad mailbox, rejected); anything else may pass on retry.
      const permanent = typeof e.responseCode === 'number' && e.responseCode >= 500;
      throw new DeliveryError(`SMTP: ${e.message ?? String(err)}`, permanent);
    }
  };
  return Object.assign(send, {
    async close() {
      const open = transporter;
      transporter = undefined;
      if (open) (await open).close();
    },
  });
}

/**
 * The nodemailer transport for an SMTP URL, whose connections are opened by `connectWithoutDelay`.
 * `createTransport` given a URL (or an object with `url`) reads the URL alone, so the URL is parsed
 * here, by nodemailer's own parser, into the options it would have made — a `proxy` in the URL
 * still takes over the connections, as nodemailer does it.
 */
async function openTransport(url: URL): Promise<Transporter> {
  const [{ default: nodemailer }, { parseConnectionUrl }] = await Promise.all([import('nodemailer'), import('nodemailer/lib/shared/index.js')]);
  return nodemailer.createTransport({ ...parseConnectionUrl(url.toString()), getSocket: connectWithoutDelay } as Parameters<typeof nodemailer.createTransport>[0]);
}

/**
 * Opens the TCP connection to the SMTP server with Nagle's algorithm off. With it on, the end of a
 * message (a small write after the body) waited for the server to acknowledge the body, which the
 * server delays by up to 40 ms: every message cost 40 ms on its connection, whatever its size, and
 * a pool of 10 connections topped out near 200 messages a second however fast the rest ran.
 * nodemailer then speaks SMTP over it as over its own socket, TLS included (implicit on port 465,
 * or STARTTLS).
 */
function connectWithoutDelay(
  options: { host?: string; port?: number | string; secure?: boolean; localAddress?: string; connectionTimeout?: number },
  callback: (err: Error | null, socketOptions?: { connection: Socket }) => void,
): void {
  // nodemailer's own defaults (smtp-connection): localhost, 465 when secure, else 587.
  const port = Number(options.port) || (options.secure ? 465 : 587);
  const socket = createConnection({ host: options.host || 'localhost', port, noDelay: true, ...(options.localAddress ? { localAddress: options.localAddress } : {}) });
  const timer = setTimeout(() => socket.destroy(new Error('Connection timeout')), options.connectionTimeout ?? 120_000);
  const failed = (err: Error) => {
    clearTimeout(timer);
    callback(err);
  };
  socket.once('error', failed);
  socket.once('connect', () => {
    clearTimeout(timer);
    socket.off('error', failed);
    callback(null, { connection: socket });
  });
}

function twilioSender(c: Extract<Config['sms'], { kind: 'twilio' }>, publicUrl: string): Channels['sms'] {
  const endpoint = `${c.apiUrl}/2010-04-01/Accounts/${c.accountSid}/Messages.json`;
  const auth = `Basic ${Buffer.from(`${c.accountSid}:${c.authToken}`).toString('base64')}`;
  return async (m) => {
    const form = new URLSearchParams({ To: m.to, Body: m.body, StatusCallback: `${publicUrl}/webhooks/twilio/status/${m.outboxId}` });
    form.set(c.from.startsWith('MG') ? 'MessagingServiceSid' : 'From', c.from);
    let res: Response;
    try {
      res = await fetch(endpoint, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
        body: form,
        signal: AbortSignal.timeout(15_000),
      });
    } catch (err) {
      throw new DeliveryError(`Twilio unreachable: ${(err as Error).message}`, false);
    }
    const body = (await res.json().catch(() => ({}))) as { sid?: string; code?: number; message?: string };
    if (res.ok && body.sid) return { provider: 'twilio', providerId: body.sid };
    const detail = `Twilio ${res.status}${body.code ? ` error ${body.code}` : ''}: ${body.message ?? 'no message'}`;
    // 4xx (bad number, unsubscribed, auth) will not pass on retry, except 429 rate limiting.
    throw new DeliveryError(detail, res.status >= 400 && res.status < 500 && res.status !== 429);
  };
}
