// The integration API for the shop's main system: /api/v1, per-shop API keys, JSON in and out,
// errors always { error: { code, message, field?, details? } }. Every operation is declared once
// in the table below — its path, body schema, answers and the errors it can return — and both the
// routes and the OpenAPI document are built from that table, so the two cannot disagree.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { AppError, type ErrorDoc } from '../../lib/app-error.ts';
import { apiKeyErrors } from '../apikeys/apikeys.errors.ts';
import type { ApiKeys } from '../apikeys/apikeys.service.ts';
import { clientErrors } from '../clients/clients.errors.ts';
import type { Client } from '../clients/clients.repo.ts';
import type { ClientsService } from '../clients/clients.service.ts';
import { invoiceErrors } from '../invoices/invoices.errors.ts';
import type { InvoiceRow } from '../invoices/invoices.repo.ts';
import { parseLineItems, type InvoicesService } from '../invoices/invoices.service.ts';
import { notificationErrors } from '../notifications/notifications.errors.ts';
import type { Notifications } from '../notifications/notifications.service.ts';
import type { ReportRow } from '../reports/reports.repo.ts';
import type { ReportsService } from '../reports/reports.service.ts';
import { staffErrors } from '../staff/staff.errors.ts';
import { staffInput } from '../staff/staff.input.ts';
import type { Staff } from '../staff/staff.repo.ts';
import type { StaffService } from '../staff/staff.service.ts';
import { apiErrors } from './api.errors.ts';
import { buildOpenApi } from './openapi.ts';
import { clientBody, emailBody, externalIdParam, invoiceBody, reportBody } from './schemas.ts';

declare module 'fastify' {
  interface FastifyRequest {
    apiTenantId: string | null;
  }
}

export interface Operation {
  method: 'PUT' | 'POST';
  /** OpenAPI style: /api/v1/clients/{externalId} */
  path: string;
  summary: string;
  body?: { name: string; schema: z.ZodType };
  /** Success statuses and what they mean. */
  answers: Record<number, string>;
  /** Every error this operation can return (authentication and validation are added to all). */
  errors: ErrorDoc[];
  run(tenantId: string, externalId: string | undefined, body: unknown, req: FastifyRequest): Promise<{ status: number; json: unknown }>;
}

function validate<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const first = r.error.issues[0]!;
  const field = first.path.join('.') || undefined;
  const err = apiErrors.VALIDATION_FAILED(field ?? 'body', first.message);
  throw new AppError(err.code, err.message, err.status, field, r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
}

const clientJson = (c: Client) => ({ id: c.id, externalId: c.external_id, name: c.name, email: c.email, phone: c.phone, status: c.status, locale: c.locale });
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
const staffJson = (s: Staff) => ({ id: s.id, externalId: s.external_id, name: s.name, email: s.email, role: s.role, status: s.status });
const reportJson = (r: ReportRow) => ({ id: r.id, externalId: r.external_id, serviceDate: r.service_date, technician: r.technician, title: r.title, notes: r.notes, checklist: JSON.parse(r.checklist), photos: JSON.parse(r.photos) });

interface Deps {
  apiKeys: ApiKeys;
  staff: StaffService;
  clients: ClientsService;
  invoices: InvoicesService;
  reports: ReportsService;
  notifications: Notifications;
  publicUrl: string;
}

export function apiOperations(d: Omit<Deps, 'apiKeys' | 'publicUrl'>): Operation[] {
  const upserted = (created: boolean, key: string, json: unknown) => ({ status: created ? 201 : 200, json: { [key]: json } });
  return [
    {
      method: 'PUT',
      path: '/api/v1/clients/{externalId}',
      summary: 'Create or update a client (an existing client with the same email or phone and no external id yet is adopted)',
      body: { name: 'Client', schema: clientBody },
      answers: { 200: 'Updated', 201: 'Created' },
      errors: clientErrors.pick('INVALID_EMAIL', 'INVALID_PHONE', 'CONTACT_REQUIRED', 'CONTACT_TAKEN', 'EXTERNAL_ID_TAKEN'),
      async run(tenantId, externalId, raw) {
        const body = validate(clientBody, raw);
        const input = {
          name: body.name,
          ...(body.email !== undefined ? { email: body.email ?? '' } : {}),
          ...(body.phone !== undefined ? { phone: body.phone ?? '' } : {}),
          ...(body.status ? { status: body.status } : {}),
          ...(body.locale !== undefined ? { locale: body.locale } : {}),
        };
        const r = await d.clients.upsertByExternalId(tenantId, externalId!, input);
        return upserted(r.created, 'client', clientJson(r.client));
      },
    },
    {
      method: 'PUT',
      path: '/api/v1/invoices/{externalId}',
      summary: 'Create or update an invoice (draft or sent)',
      body: { name: 'Invoice', schema: invoiceBody },
      answers: { 200: 'Updated', 201: 'Created' },
      errors: [...clientErrors.pick('CLIENT_REF_UNKNOWN'), ...invoiceErrors.pick('DUE_BEFORE_ISSUE', 'TOTAL_NOT_POSITIVE', 'INVOICE_CLOSED')],
      async run(tenantId, externalId, raw) {
        const r = await d.invoices.upsert(tenantId, externalId!, validate(invoiceBody, raw));
        return upserted(r.created, 'invoice', invoiceJson(r.invoice));
      },
    },
    ...(['paid', 'void'] as const).map(
      (to): Operation => ({
        method: 'POST',
        path: `/api/v1/invoices/{externalId}/${to}`,
        summary: to === 'paid' ? 'Mark an invoice paid (paid outside the portal)' : 'Void an invoice; its email links stop signing in',
        answers: { 200: to === 'paid' ? 'Paid' : 'Void' },
        errors: invoiceErrors.pick('INVOICE_NOT_FOUND', 'PAYMENT_IN_PROGRESS', 'INVOICE_CLOSED'),
        async run(tenantId, externalId) {
          return { status: 200, json: { invoice: invoiceJson(await d.invoices.close(tenantId, externalId!, to)) } };
        },
      }),
    ),
    {
      method: 'PUT',
      path: '/api/v1/reports/{externalId}',
      summary: 'Create or update a service report',
      body: { name: 'Report', schema: reportBody },
      answers: { 200: 'Updated', 201: 'Created' },
      errors: clientErrors.pick('CLIENT_REF_UNKNOWN'),
      async run(tenantId, externalId, raw) {
        const r = await d.reports.upsert(tenantId, externalId!, validate(reportBody, raw));
        return upserted(r.created, 'report', reportJson(r.report));
      },
    },
    {
      method: 'PUT',
      path: '/api/v1/staff/{externalId}',
      summary: 'Create or update a staff account of the shop console (owner: everything; staff: clients, messages, audit)',
      body: { name: 'Staff', schema: staffInput },
      answers: { 200: 'Updated', 201: 'Created' },
      errors: [...clientErrors.pick('INVALID_EMAIL'), ...staffErrors.pick('STAFF_EMAIL_TAKEN', 'LAST_OWNER')],
      async run(tenantId, externalId, raw) {
        const r = await d.staff.upsertByExternalId(tenantId, externalId!, validate(staffInput, raw));
        return upserted(r.created, 'staff', staffJson(r.staff));
      },
    },
    {
      method: 'POST',
      path: '/api/v1/emails',
      summary: 'Send an automated email (invoice sent, invoice reminder, service report) with a sign-in link',
      body: { name: 'Email', schema: emailBody },
      answers: { 202: 'Queued for delivery' },
      errors: notificationErrors.pick('NOT_FOUND', 'CLIENT_DISABLED', 'NO_EMAIL', 'INVOICE_NOT_OPEN'),
      async run(tenantId, _externalId, raw, req) {
        const body = validate(emailBody, raw);
        const r = await d.notifications.send(tenantId, body.type, body.externalId, { ip: req.ip ?? null });
        return { status: 202, json: { queued: true, messageId: r.messageId } };
      },
    },
  ];
}

/** Added to every operation: no key, a bad body, or a body that cannot be read. */
export const commonApiErrors = [...apiKeyErrors.pick('UNAUTHENTICATED'), ...apiErrors.pick('VALIDATION_FAILED', 'BAD_REQUEST')];

export function apiRoutes(app: FastifyInstance, d: Deps) {
  const operations = apiOperations(d);
  const openapi = buildOpenApi(d.publicUrl, operations, commonApiErrors);
  app.get('/api/v1/openapi.json', async () => openapi);

  app.register(async (api) => {
    api.decorateRequest('apiTenantId', null);
    api.addHook('preHandler', async (req: FastifyRequest, reply: FastifyReply) => {
      const auth = await d.apiKeys.authenticate(req.headers.authorization);
      if (!auth) {
        reply.header('www-authenticate', 'Bearer realm="servicio"');
        throw apiKeyErrors.UNAUTHENTICATED();
      }
      req.apiTenantId = auth.tenantId;
    });
    for (const op of operations) {
      const url = op.path.replace(/\{(\w+)\}/g, ':$1');
      api.route({
        method: op.method,
        url,
        handler: async (req, reply) => {
          const raw = (req.params as { externalId?: string }).externalId;
          const externalId = raw === undefined ? undefined : validate(externalIdParam, raw);
          const out = await op.run(req.apiTenantId!, externalId, req.body, req);
          return reply.code(out.status).send(out.json);
        },
      });
    }
  });
}
