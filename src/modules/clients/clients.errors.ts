import { errorCatalog } from '../../lib/app-error.ts';

export const clientErrors = errorCatalog({
  IDENTIFIER_REQUIRED: { status: 400, field: 'identifier', message: 'Enter the email address or mobile number your service provider has on file.' },
  INVALID_EMAIL: { status: 400, field: 'identifier', message: 'That email address doesn’t look complete. Check it has a name, an “@” and a domain, like jo@example.com.' },
  INVALID_PHONE: { status: 400, field: 'identifier', message: 'That phone number doesn’t look right. Include the area code, like (555) 201-0142, or start with + and the country code.' },
  INVALID_IDENTIFIER: { status: 400, field: 'identifier', message: 'Enter an email address (like jo@example.com) or a mobile number (like 555-201-0142).' },
  CONTACT_REQUIRED: { status: 400, field: 'email', message: 'A client needs an email or a mobile number to sign in.' },
  CONTACT_TAKEN: {
    status: 409,
    message: (name: string, kind: 'email' | 'phone') => `Another client of this shop (${name}) already has this ${kind}.`,
    doc: 'Another client of this shop already has this email or phone.',
  },
  EXTERNAL_ID_TAKEN: { status: 409, field: 'externalId', message: (id: string) => `A client with external id "${id}" already exists in this shop.`, doc: 'A client with this external id already exists.' },
  CLIENT_NOT_FOUND: { status: 404, message: (ref?: string) => (ref ? `No client "${ref}" in this shop (give an id, email or phone).` : 'No such client in this shop.'), doc: 'No such client in this shop.' },
  CLIENT_REF_UNKNOWN: {
    code: 'CLIENT_NOT_FOUND',
    status: 422,
    field: 'clientExternalId',
    message: (id: string) => `No client with external id "${id}" in this shop; create it first with PUT /api/v1/clients/${id}.`,
    doc: 'No client with this clientExternalId in this shop; create it first with PUT /api/v1/clients/{externalId}.',
  },
  /** An import file that cannot be read as a whole (no header, an unknown column): nothing of it is imported. */
  IMPORT_FILE: { status: 400, message: (why: string) => why, doc: 'The import file cannot be read as a whole.' },
});
