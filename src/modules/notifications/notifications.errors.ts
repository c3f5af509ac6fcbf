import { errorCatalog } from '../../lib/app-error.ts';

export const notificationErrors = errorCatalog({
  TENANT_NOT_FOUND: { status: 404, message: 'Unknown shop.' },
  NOT_FOUND: { status: 404, field: 'externalId', message: (what: 'invoice' | 'report', id: string) => `No ${what} with external id "${id}".`, doc: 'No invoice or report with this external id in this shop.' },
  CLIENT_DISABLED: { status: 409, message: 'The client is disabled; no email was sent.' },
  NO_EMAIL: { status: 422, message: (name: string) => `${name} has no email address on file; add one with PUT /api/v1/clients/{externalId}.`, doc: 'The client has no email address on file; add one with PUT /api/v1/clients/{externalId}.' },
  INVOICE_NOT_OPEN: { status: 409, message: (number: string, state: string) => `Invoice ${number} is ${state}; only open (sent) invoices can be emailed.`, doc: 'Only open (sent) invoices can be emailed.' },
});
