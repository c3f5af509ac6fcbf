import { errorCatalog } from '../../lib/app-error.ts';

export const apiKeyErrors = errorCatalog({
  KEY_NAME_INVALID: { code: 'INVALID_INPUT', status: 400, field: 'name', message: 'Give the key a name of 1–80 characters, e.g. "Main office system".' },
  API_KEY_NOT_FOUND: { status: 404, message: (id: string) => `No active API key "${id}" in this shop.`, doc: 'No active API key with this id in this shop.' },
  UNAUTHENTICATED: { status: 401, message: 'Send a valid API key: Authorization: Bearer spk_…' },
});
