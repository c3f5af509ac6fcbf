// Provider callbacks. Bad signatures get 403; replays are accepted and recorded once.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Config } from '../../config.ts';
import type { DeliveryStatus } from '../../db/schema.ts';
import type { Clock } from '../../lib/clock.ts';
import { twilioReason, type ProviderStatusService } from './provider-status.ts';
import { verifyMailgun, verifyServicio, verifyTwilio } from './webhooks.ts';

const TWILIO_STATUS: Record<string, DeliveryStatus | null> = {
  accepted: null,
  scheduled: null,
  queued: null,
  sending: null,
  sent: 'sent',
  delivered: 'delivered',
  read: 'delivered',
  undelivered: 'undelivered',
  failed: 'failed',
  canceled: 'failed',
};

/** The documented, provider-neutral shape (see docs/WEBHOOKS.md). */
const neutralEvents = z.object({
  events: z
    .array(
      z.object({
        id: z.string().min(1).max(200),
        type: z.enum(['delivered', 'bounced', 'complained']),
        messageId: z.string().min(1).max(300),
        reason: z.string().max(1000).optional(),
        code: z.string().max(20).optional(),
      }),
    )
    .min(1)
    .max(500),
});

const stripBrackets = (id: string) => id.trim().replace(/^<|>$/g, '');

export function webhookRoutes(app: FastifyInstance, d: { config: Config; status: ProviderStatusService; clock: Clock; tokenOnce: (token: string) => Promise<boolean> }) {
  const { config, status } = d;
  const forbidden = { error: { code: 'BAD_SIGNATURE', message: 'The signature does not match.' } };

  if (config.sms.kind === 'twilio') {
    const authToken = config.sms.authToken;
    app.post<{ Params: { messageId: string } }>('/webhooks/twilio/status/:messageId', async (req, reply) => {
      const params = (req.body ?? {}) as Record<string, string>;
      const url = `${config.publicUrl}${req.url}`;
      if (!verifyTwilio(authToken, url, params, req.headers['x-twilio-signature'] as string | undefined)) {
        return reply.code(403).send(forbidden);
      }
      const event = String(params.MessageStatus ?? '');
      if (!params.MessageSid || !(event in TWILIO_STATUS)) {
        return reply.code(400).send({ error: { code: 'BAD_CALLBACK', message: 'MessageSid and a known MessageStatus are required.' } });
      }
      const code = params.ErrorCode ? String(params.ErrorCode) : null;
      await status.apply({
        messageId: req.params.messageId,
        providerId: params.MessageSid,
        status: TWILIO_STATUS[event] ?? null,
        event,
        errorCode: code,
        reason: twilioReason(code),
        providerEvent: `twilio:${event}:${code ?? ''}`,
      });
      return reply.code(204).send();
    });
  }

  // JSON webhooks are verified over the exact bytes received, so they get the raw body.
  app.register(async (scope) => {
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));

    if (config.webhooks.emailSecret) {
      const secret = config.webhooks.emailSecret;
      scope.post('/webhooks/email', async (req, reply) => {
        const raw = String(req.body ?? '');
        if (!verifyServicio(secret, raw, req.headers['x-servicio-signature'] as string | undefined, d.clock.now())) {
          return reply.code(403).send(forbidden);
        }
        const parsed = neutralEvents.safeParse(safeJson(raw));
        if (!parsed.success) {
          return reply.code(400).send({ error: { code: 'BAD_PAYLOAD', message: parsed.error.issues[0]!.message, path: parsed.error.issues[0]!.path.join('.') } });
        }
        const results = [];
        for (const e of parsed.data.events) {
          results.push(
            await status.apply({
              messageId: null,
              providerId: stripBrackets(e.messageId),
              status: e.type,
              event: e.type,
              errorCode: e.code ?? null,
              reason: e.reason ?? null,
              providerEvent: `email:${e.id}`,
            }),
          );
        }
        return { results };
      });
    }

    if (config.webhooks.mailgunSigningKey) {
      const key = config.webhooks.mailgunSigningKey;
      scope.post('/webhooks/email/mailgun', async (req, reply) => {
        const body = safeJson(String(req.body ?? '')) as MailgunBody | undefined;
        if (!verifyMailgun(key, body?.signature, d.clock.now())) return reply.code(403).send(forbidden);
        if (!(await d.tokenOnce(body!.signature!.token!))) return reply.code(403).send({ error: { code: 'REPLAYED', message: 'This signature was already used.' } });
        const e = body?.['event-data'];
        const messageId = e?.message?.headers?.['message-id'];
        if (!e?.id || !e.event || !messageId) return reply.code(400).send({ error: { code: 'BAD_PAYLOAD', message: 'event-data.id, event and message.headers.message-id are required.' } });
        const mapped = mailgunStatus(e);
        const ds = e['delivery-status'];
        const result = await status.apply({
          messageId: null,
          providerId: stripBrackets(messageId),
          status: mapped,
          event: `mailgun:${e.event}${e.severity ? `:${e.severity}` : ''}`,
          errorCode: ds?.code !== undefined ? String(ds.code) : null,
          reason: ds?.description || ds?.message || e.reason || null,
          providerEvent: `mailgun:${e.id}`,
        });
        return { result };
      });
    }
  });
}

interface MailgunBody {
  signature?: { timestamp?: string; token?: string; signature?: string };
  'event-data'?: {
    id?: string;
    event?: string;
    severity?: string;
    reason?: string;
    message?: { headers?: { 'message-id'?: string } };
    'delivery-status'?: { code?: number | string; message?: string; description?: string };
  };
}

/** Mailgun retries temporary failures itself; only permanent ones are bounces. */
function mailgunStatus(e: NonNullable<MailgunBody['event-data']>): DeliveryStatus | null {
  if (e.event === 'delivered') return 'delivered';
  if (e.event === 'complained') return 'complained';
  if (e.event === 'failed' && e.severity === 'permanent') return 'bounced';
  return null;
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
