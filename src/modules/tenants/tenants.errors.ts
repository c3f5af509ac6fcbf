import { errorCatalog } from '../../lib/app-error.ts';

export const tenantErrors = errorCatalog({
  SLUG_TAKEN: { status: 409, field: 'slug', message: (slug: string) => `A shop with the slug "${slug}" already exists; choose another.`, doc: 'A shop with this slug already exists.' },
  TENANT_NOT_FOUND: { status: 404, field: 'tenant', message: (ref: string) => `No shop with the slug or id "${ref}".`, doc: 'No such shop.' },
  INVALID_CONTACT_PHONE: { status: 400, field: 'contactPhone', message: 'The shop’s phone number doesn’t look right. Include the area code, like (512) 555-0100, or start with + and the country code.' },
  INVALID_CONTACT_EMAIL: { status: 400, field: 'contactEmail', message: 'The shop’s email address doesn’t look complete. Check it has a name, an “@” and a domain, like hello@yourshop.com.' },
  INVALID_ADDRESS: { status: 400, field: 'address', message: (why: string) => why, doc: 'The address is too long (at most 4 lines and 200 characters) or contains control characters.' },
  LOGO_UNAVAILABLE: { status: 400, field: 'logoUrl', message: (why: string) => why, doc: 'The logo could not be fetched, or is not an image we accept (PNG, JPEG, GIF, WebP; at most 256 KB).' },
});
