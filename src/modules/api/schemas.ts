// The integration API's request bodies, declared once: validated with zod and published as the
// OpenAPI document (z.toJSONSchema), so the two can never disagree.
import { z } from 'zod';

const date = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2026-11-25')
  .refine((v) => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) return true; // the shape problem is reported once, above
    const d = new Date(`${v}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
  }, 'must be a real calendar date');
const noControl = /^[^\p{Cc}]*$/u;

export const externalIdParam = z.string().min(1).max(120).regex(/^[A-Za-z0-9._:-]+$/, 'may contain letters, digits and . _ : - only');

export const clientBody = z
  .object({
    name: z.string().trim().min(1).max(120).regex(noControl, 'must not contain line breaks'),
    email: z.string().trim().max(254).nullable().optional().describe('Normalised: trimmed, lower-case, IDN domain to ASCII'),
    phone: z.string().trim().max(32).nullable().optional().describe('Any common format; stored as E.164'),
    status: z.enum(['active', 'disabled']).optional(),
  })
  .strict();

export const lineItem = z
  .object({
    description: z.string().trim().min(1).max(200),
    quantity: z.number().positive().max(100_000),
    unitCents: z.number().int().min(-100_000_000).max(100_000_000),
  })
  .strict();

export const invoiceBody = z
  .object({
    clientExternalId: externalIdParam,
    number: z.string().trim().min(1).max(40),
    currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD').default('USD'),
    lineItems: z.array(lineItem).min(1).max(200),
    issueDate: date,
    dueDate: date,
    status: z.enum(['draft', 'sent']).default('sent').describe('paid and void are set with their own endpoints'),
  })
  .strict();

export const reportBody = z
  .object({
    clientExternalId: externalIdParam,
    serviceDate: date,
    technician: z.string().trim().min(1).max(120),
    title: z.string().trim().min(1).max(120).default('Service visit'),
    notes: z.string().max(10_000).default(''),
    checklist: z.array(z.object({ item: z.string().trim().min(1).max(200), done: z.boolean() }).strict()).max(200).default([]),
    photos: z.array(z.url({ protocol: /^https$/ })).max(50).default([]),
  })
  .strict();

export const emailBody = z
  .object({
    type: z.enum(['invoice_sent', 'invoice_reminder', 'service_report']),
    externalId: externalIdParam.describe('The invoice or report this email is about'),
  })
  .strict();

export type ClientBody = z.output<typeof clientBody>;
export type InvoiceBody = z.output<typeof invoiceBody>;
export type ReportBody = z.output<typeof reportBody>;
export type EmailBody = z.output<typeof emailBody>;
