import { errorCatalog } from '../../lib/app-error.ts';

export const invoiceErrors = errorCatalog({
  DUE_BEFORE_ISSUE: { code: 'INVALID_INPUT', status: 400, field: 'dueDate', message: 'dueDate must not be before issueDate.' },
  TOTAL_NOT_POSITIVE: { code: 'INVALID_INPUT', status: 400, field: 'lineItems', message: 'The invoice total must be more than zero.' },
  INVOICE_CLOSED: { status: 409, message: (number: string, state: string) => `Invoice ${number} is ${state} and can no longer be changed.`, doc: 'The invoice is paid, void or being paid, and can no longer be changed.' },
  INVOICE_NOT_FOUND: { status: 404, message: (id?: string) => (id ? `No invoice with external id "${id}".` : 'We couldn’t find that invoice.'), doc: 'No invoice with this external id in this shop.' },
  PAYMENT_IN_PROGRESS: { status: 409, message: (number: string) => `The client is paying invoice ${number} right now; try again in a minute.`, doc: 'The client is paying this invoice right now; try again in a minute.' },
});
