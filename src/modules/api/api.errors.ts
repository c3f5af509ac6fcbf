import { errorCatalog } from '../../lib/app-error.ts';

export const apiErrors = errorCatalog({
  VALIDATION_FAILED: { status: 400, message: (where: string, what: string) => `${where}: ${what}`, doc: 'The body or path does not fit the schema; `field` names the first problem, `details` lists all.' },
  BAD_REQUEST: { status: 400, message: 'The request could not be read (malformed JSON or wrong content type).' },
});
