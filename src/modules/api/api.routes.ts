// The integration API for the shop's main system: /api/v1, per-shop API keys, JSON in and out,
// errors always { error: { code, message, field?, details? } }. The OpenAPI document is built from
// the same zod schemas that validate the requests.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../lib/app-error.ts';
import type { ApiKeys } from '../apikeys/apikeys.service.ts';
import type { ClientsService } from '../clients/clients.service.ts';
import type { Client } from '../clients/clients.repo.ts';
import type { ContentService } from '../invoices/content.service.ts';
import { parseLineItems } from '../invoices/content.service.ts';
import type { InvoiceRow } from '../invoices/invoices.repo.ts';
import type { Notifications } from '../notifications/notifications.service.ts';
import type { ReportRow } from '../reports/reports.repo.ts';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { clientBody, emailBody, externalIdParam, invoiceBody, reportBody } from './schemas.ts';
import { buildOpenApi } from './openapi.ts';

declare module 'fastify' {
  interface FastifyRequest {
    apiTenantId: string | null;
  }
}

function validate<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const first = r.error.issues[0]!;
  const err = new AppError('VALIDATION_FAILED', `${first.path.join('.') || 'body'}: ${first.message}`, 400, first.path.join('.') || undefined);
  (err as AppError & { details?: unknown }).details = r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  throw err;
}

const clientJson = (c: Client) => ({ id: c.id, externalId: c.external_id, name: c.name, email: c.email, phone: c.phone, status: c.status });
const invoiceJson = (i: InvoiceRow) => ({
  id: i.id,
  externalId: i.external_id,
  number: i.number,
  currency: i.currency,
  lineItems: parseLineItems(i),
  totalCents: i.total_cents,
  issueDate: i.issue_date,
  dueDate: i.due_date,
  status: i.status,
  paidAt: i.paid_at === null ? null : new Date(i.paid_at).toISOString(),
});
const reportJson = (r: ReportRow) => ({ id: r.id, externalId: r.external_id, serviceDate: r.service_date, technician: r.technician, title: r.title, notes: r.notes, checklist: JSON.parse(r.checklist), photos: JSON.parse(r.photos) });

export function apiRoutes(app: FastifyInstance, d: { db: Kysely<DB>; apiKeys: ApiKeys; clients: ClientsService; content: ContentService; notifications: Notifications; publicUrl: string }) {
  const openapi = buildOpenApi(d.publicUrl);
  app.get('/api/v1/openapi.json', async () => openapi);

  app.register(async (api) => {
    api.decorateRequest('apiTenantId', null);
    api.addHook('preHandler', async (req: FastifyRequest, reply: FastifyReply) => {
      const auth = await d.apiKeys.authenticate(req.headers.authorization);
      if (!auth) {
        reply.header('www-authenticate', 'Bearer realm="servicio"');
        return reply.code(401).send({ error: { code: 'UNAUTHENTICATED', message: 'Send a valid API key: Authorization: Bearer spk_…' } });
      }
      req.apiTenantId = auth.tenantId;
    });
    api.setErrorHandler(async (err: unknown, req, reply) => {
      if (err instanceof AppError) {
        const details = (err as AppError & { details?: unknown }).details;
        return reply.code(err.status).send({ error: { code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}), ...(details ? { details } : {}) } });
      }
      const e = err as { statusCode?: number; message?: string };
      if (e.statusCode && e.statusCode < 500) return reply.code(e.statusCode).send({ error: { code: 'BAD_REQUEST', message: e.message ?? 'Bad request' } });
      req.log.error({ err }, 'API request failed');
      return reply.code(500).send({ error: { code: 'INTERNAL', message: 'Something went wrong on our side; the request can be retried.' } });
    });

    const tenant = (req: FastifyRequest) => req.apiTenantId!;
    const param = (req: FastifyRequest) => validate(externalIdParam, (req.params as { externalId: string }).externalId);

    api.put('/api/v1/clients/:externalId', async (req, reply) => {
      const externalId = param(req);
      const body = validate(clientBody, req.body);
      const input = {
        name: body.name,
        ...(body.email !== undefined ? { email: body.email ?? '' } : {}),
        ...(body.phone !== undefined ? { phone: body.phone ?? '' } : {}),
        ...(body.status ? { status: body.status } : {}),
      };
      const r = await d.clients.upsertByExternalId(tenant(req), externalId, input);
      return reply.code(r.created ? 201 : 200).send({ client: clientJson(r.client) });
    });

    api.put('/api/v1/invoices/:externalId', async (req, reply) => {
      const r = await d.content.upsertInvoice(tenant(req), param(req), validate(invoiceBody, req.body));
      return reply.code(r.created ? 201 : 200).send({ invoice: invoiceJson(r.invoice) });
    });

    for (const to of ['paid', 'void'] as const) {
      api.post(`/api/v1/invoices/:externalId/${to}`, async (req) => ({ invoice: invoiceJson(await d.content.closeInvoice(tenant(req), param(req), to)) }));
    }

    api.put('/api/v1/reports/:externalId', async (req, reply) => {
      const r = await d.content.upsertReport(tenant(req), param(req), validate(reportBody, req.body));
      return reply.code(r.created ? 201 : 200).send({ report: reportJson(r.report) });
    });

    api.post('/api/v1/emails', async (req, reply) => {
      const body = validate(emailBody, req.body);
      const r = await d.notifications.send(tenant(req), body.type, body.externalId, { ip: req.ip ?? null });
      return reply.code(202).send({ queued: true, messageId: r.messageId });
    });
  });
}
