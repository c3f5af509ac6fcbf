import { errorCatalog } from '../../lib/app-error.ts';

export const tenantErrors = errorCatalog({
  SLUG_TAKEN: { status: 409, field: 'slug', message: (slug: string) => `A shop with the slug "${slug}" already exists; choose another.`, doc: 'A shop with this slug already exists.' },
  TENANT_NOT_FOUND: { status: 404, field: 'tenant', message: (ref: string) => `No shop with the slug or id "${ref}".`, doc: 'No such shop.' },
  LOGO_UNAVAILABLE: { status: 400, field: 'logoUrl', message: (why: string) => why, doc: 'The logo could not be fetched, or is not an image we accept (PNG, JPEG, GIF, WebP; at most 256 KB).' },
});
