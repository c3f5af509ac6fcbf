// Development only (never registered in production): read what would have been sent.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html } from '../../lib/html.ts';
import { sendHtml } from '../../http/app.ts';
import { isLoopbackHost } from '../../config.ts';
import { layout } from '../../http/views/layout.ts';
import type { DevMessage, DevOutbox } from '../delivery/dev-outbox.repo.ts';

const URL_RE = /(https?:\/\/[^\s<>"']+)/g;

function linkify(text: string) {
  return text.split(URL_RE).map((part, i) => (i % 2 === 1 ? html`<a href="${part}">${part}</a>` : part));
}

function toJson(m: DevMessage) {
  return { id: m.id, channel: m.channel, to: m.to_address, subject: m.subject, text: m.text, html: m.html, createdAt: new Date(m.created_at).toISOString() };
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export function devOutboxRoutes(app: FastifyInstance, d: { outbox: DevOutbox }) {
  const repo = d.outbox;
  // It shows live links and codes: only to this machine, even if a development server is reachable.
  // A tunnel or local proxy (ngrok, cloudflared, nginx) also connects from loopback: it is told
  // apart by the Host it forwards and the forwarding headers it adds.
  const local = {
    preHandler: async (req: FastifyRequest, reply: FastifyReply) => {
      const host = (req.headers.host ?? '').replace(/:\d+$/, '');
      const forwarded = req.headers['x-forwarded-for'] ?? req.headers.forwarded ?? req.headers['x-forwarded-host'];
      return LOOPBACK.has(req.socket.remoteAddress ?? '') && isLoopbackHost(host) && !forwarded ? undefined : reply.callNotFound();
    },
  };

  app.get('/dev/outbox.json', local, async (req) => {
    const to = (req.query as { to?: string }).to;
    return { messages: (await repo.latest(50, to || undefined)).map(toJson) };
  });

  app.get<{ Params: { id: string } }>('/dev/outbox/:id/html', local, async (req, reply) => {
    const m = await repo.byId(Number(req.params.id));
    if (!m?.html) return reply.callNotFound();
    // An email as a mail client shows it: inline styles are how emails are written.
    reply.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data: https:");
    return sendHtml(reply, m.html);
  });

  app.get('/dev/outbox', local, async (_req, reply) => {
    const list = await repo.latest(50);
    return sendHtml(
      reply,
      layout({
        title: 'Development outbox',
        wide: true,
        body: html`<div class="card">
<h1>Development outbox</h1>
<p class="lead">Email and text messages appear here instead of being sent, because no SMTP server or Twilio account is configured. Newest first. This page does not exist in production.</p>
${list.length === 0 ? html`<p class="meta">Nothing sent yet. Ask for a link at <a href="/client-login">/client-login</a>.</p>` : ''}
${list.map(
  (m) => html`<article class="message" aria-label="${m.channel} to ${m.to_address}">
<h2><span class="tag">${m.channel === 'sms' ? 'SMS' : 'Email'}</span> to ${m.to_address}</h2>
<p class="meta">${new Date(m.created_at).toLocaleString('en-US', { timeZone: 'UTC' })} UTC${m.subject ? html` · <strong>${m.subject}</strong>` : ''}${m.html ? html` · <a href="/dev/outbox/${m.id}/html">view as email</a>` : ''}</p>
<pre>${linkify(m.text)}</pre>
</article>`,
)}
</div>`,
      }),
    );
  });
}
