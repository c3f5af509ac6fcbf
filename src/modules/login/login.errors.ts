// The login flow's errors, with the sentences people read.
import { errorCatalog } from '../../lib/app-error.ts';

export const loginErrors = errorCatalog({
  CODE_FORMAT: { status: 400, field: 'code', message: 'The code is the 6 digits in the message we sent. Type just the digits.' },
  CODE_WRONG: { status: 400, field: 'code', message: 'That code doesn’t match. Check the latest message we sent and try again.' },
  CODE_LOCKED: { status: 400, field: 'code', message: 'Too many wrong codes. For your security this sign-in is now closed — request a new link below.' },
  NO_PENDING_LOGIN: { status: 400, field: 'code', message: 'This sign-in has expired or was already used in this browser. Request a new link below.' },
  OTHER_CHANNEL_LIMIT: { status: 429, message: 'We’ve already sent your link by the other channel. Check your messages, or try again tomorrow.' },
  PICK_EXPIRED: { status: 400, message: 'Choosing a shop took too long. Request a new link to sign in.' },
  RESEND_TOO_SOON: { status: 429, vars: ['count'], message: (seconds: number) => `We just sent it. You can ask again in ${seconds} second${seconds === 1 ? '' : 's'}.`, doc: 'A new message may be asked for once a minute.' },
  PICK_UNKNOWN: { status: 400, field: 'tenant', message: 'Choose one of the shops listed.' },
});
