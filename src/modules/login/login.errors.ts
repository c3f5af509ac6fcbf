import { errorCatalog } from '../../lib/app-error.ts';
import { messages } from '../../http/views/strings.ts';

export const loginErrors = errorCatalog({
  CODE_FORMAT: { status: 400, message: messages.codeFormat, field: 'code' },
  CODE_WRONG: { status: 400, message: messages.codeWrong, field: 'code' },
  CODE_LOCKED: { status: 400, message: messages.codeLocked, field: 'code' },
  NO_PENDING_LOGIN: { status: 400, message: messages.codeNoRequest, field: 'code' },
  OTHER_CHANNEL_LIMIT: { status: 429, message: 'We’ve already sent your link by the other channel. Check your messages, or try again tomorrow.' },
  PICK_EXPIRED: { status: 400, message: messages.pickExpired },
  PICK_UNKNOWN: { status: 400, message: messages.pickUnknown, field: 'tenant' },
});
