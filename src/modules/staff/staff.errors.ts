import { errorCatalog } from '../../lib/app-error.ts';

export const staffErrors = errorCatalog({
  STAFF_EMAIL_TAKEN: { status: 409, field: 'email', message: (name: string) => `${name} already has a staff account with this email in this shop.`, doc: 'Someone in this shop already has a staff account with this email.' },
  STAFF_NOT_FOUND: { status: 404, message: 'No such staff member in this shop.' },
  LAST_OWNER: { status: 409, message: 'A shop needs at least one active owner: make someone else an owner first.' },
  STAFF_EMAIL_ONLY: { status: 400, field: 'identifier', message: 'Sign in to the shop console with your work email address (not a phone number).' },
});
