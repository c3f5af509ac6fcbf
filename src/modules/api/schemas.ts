// The integration API's request bodies, declared once: validated with zod and published as the
// OpenAPI document (z.toJSONSchema), so the two can never disagree.
import { z } from 'zod';
import { externalId } from '../../lib/validate.ts';
import { localeInput } from '../clients/clients.input.ts';
import { invoiceInput } from '../invoices/invoice.input.ts';
import { reportInput } from '../reports/report.input.ts';

export const externalIdParam = externalId;
const noControl = /^[^\p{Cc}]*$/u;

export const clientBody = z
  .object({
    name: z.string().trim().min(1).max(120).regex(noControl, 'must not contain line breaks'),
    email: z.string().trim().max(254).nullable().optional().describe('Normalised: trimmed, lower-case, IDN domain to ASCII'),
    phone: z.string().trim().max(32).nullable().optional().describe('Any common format; stored as E.164'),
    status: z.enum(['active', 'disabled']).optional(),
    locale: localeInput
      .nullable()
      .optional()
      .describe('The client’s preferred language for the portal and messages: "en" or "es"; null when not known (pages follow the browser). Omitted: left as it is'),
  })
  .strict();

/** The bodies of invoices and reports are the modules' own inputs, published as they are. */
export const invoiceBody = invoiceInput;
export const reportBody = reportInput;

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
