// Inputs about clients shared by the service and the integration API's schemas.
import { z } from 'zod';
import { LOCALES } from '../../lib/i18n.ts';

/** A client's preferred language: one of ours, named in the error when it is anything else. */
export const localeInput = z.enum(LOCALES, { error: `must be one of ${LOCALES.map((l) => `"${l}"`).join(', ')} (the client’s preferred language)` });
