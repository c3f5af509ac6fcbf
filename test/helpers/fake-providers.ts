// Fakes at the edge of the network only: a real SMTP server and a Twilio-shaped HTTP server,
// both started by the test, which can be told to fail.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';

export async function startSmtp() {
  const received: ParsedMail[] = [];
  /** SMTP envelope recipients of each accepted message, in the same order as `received`. */
  const envelopes: string[][] = [];
  let failWith: number | null = null;
  /** SMTP connections opened to this server so far. */
  const stats = { connections: 0 };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onConnect(_session, callback) {
      stats.connections++;
      callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          if (failWith) {
            const err = Object.assign(new Error(failWith >= 500 ? 'mailbox unavailable' : 'try again later'), { responseCode: failWith });
            return callback(err);
          }
          received.push(mail);
          envelopes.push(session.envelope.rcptTo.map((a) => a.address));
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    envelopes,
    stats,
    fail(code: number | null) {
      failWith = code;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export async function startTwilio(accountSid: string, authToken: string) {
  const received: Record<string, string>[] = [];
  let failWith: { status: number; code: number; message: string } | null = null;
  const read = (req: IncomingMessage) =>
    new Promise<string>((resolve) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => resolve(body));
    });
  const server = createServer(async (req, res) => {
    const body = await read(req);
    const expectedAuth = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
    res.setHeader('content-type', 'application/json');
    if (req.method !== 'POST' || req.url !== `/2010-04-01/Accounts/${accountSid}/Messages.json`) {
      res.statusCode = 404;
      return res.end(JSON.stringify({ code: 20404, message: 'The requested resource was not found', status: 404 }));
    }
    if (req.headers.authorization !== expectedAuth) {
      res.statusCode = 401;
      return res.end(JSON.stringify({ code: 20003, message: 'Authenticate', status: 401 }));
    }
    if (failWith) {
      res.statusCode = failWith.status;
      return res.end(JSON.stringify({ code: failWith.code, message: failWith.message, status: failWith.status }));
    }
    const form = Object.fromEntries(new URLSearchParams(body));
    received.push(form);
    const sid = `SM${String(received.length).padStart(32, '0')}`;
    res.statusCode = 201;
    res.end(JSON.stringify({ sid, status: 'queued', to: form.To, from: form.From ?? null, body: form.Body, account_sid: accountSid }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    fail(f: typeof failWith) {
      failWith = f;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Both fakes plus the environment that points the server at them. */
export async function startFakeProviders(o: { accountSid: string; from: string; authToken?: string }) {
  const authToken = o.authToken ?? 'twilio-auth-token';
  const smtp = await startSmtp();
  const twilio = await startTwilio(o.accountSid, authToken);
  return {
    smtp,
    twilio,
    env: {
      SMTP_URL: smtp.url,
      MAIL_FROM: 'portal@servicio.example',
      TWILIO_ACCOUNT_SID: o.accountSid,
      TWILIO_AUTH_TOKEN: authToken,
      TWILIO_FROM: o.from,
      TWILIO_API_URL: twilio.url,
      // These fakes keep every message, and the tests' clients live at example.com with 555-01xx
      // numbers: let them through (a real deployment leaves this off; example-addresses.test.ts).
      DELIVER_TO_EXAMPLE_ADDRESSES: 'true',
    },
    async close() {
      await smtp.close();
      await twilio.close();
    },
  };
}
