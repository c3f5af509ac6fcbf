// What an invoice is made of when the shop's system sends one (validated with zod, and published
// in the OpenAPI document from the same schema).
import { z } from 'zod';
import { calendarDate, externalId } from '../../lib/validate.ts';

export const lineItem = z
  .object({
    description: z.string().trim().min(1).max(200),
    quantity: z.number().positive().max(100_000),
    unitCents: z.number().int().min(-100_000_000).max(100_000_000),
  })
  .strict();

export const invoiceInput = z
  .object({
    clientExternalId: externalId,
    number: z.string().trim().min(1).max(40),
    currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD').default('USD'),
    lineItems: z.array(lineItem).min(1).max(200),
    issueDate: calendarDate,
    dueDate: calendarDate,
    status: z.enum(['draft', 'sent']).default('sent').describe('paid and void are set with their own endpoints'),
  })
  .strict();
export type InvoiceInput = z.output<typeof invoiceInput>;
