import { errorCatalog } from '../../lib/app-error.ts';

export const supportErrors = errorCatalog({
  AGENT_EMAIL_TAKEN: { status: 409, field: 'email', message: (name: string) => `${name} already has a support account with this email.`, doc: 'A support agent already has this email.' },
  AGENT_NOT_FOUND: { status: 404, message: 'No support agent with that id or email.' },
  CLIENT_NOT_FOUND: { status: 404, message: 'No such client in that shop.' },
  SUPPORT_EMAIL_ONLY: { status: 400, field: 'identifier', message: 'Sign in to Servicio support with your work email address (not a phone number).' },
  REASON_CATEGORY: { status: 400, field: 'category', message: 'Choose why the client needs a recovery link.' },
  REASON_TEXT: { status: 400, field: 'reason', message: 'Write what happened in at least 10 characters, e.g. “Client’s mailbox was closed when she changed jobs”.' },
  DELIVERY_UNKNOWN: { status: 400, field: 'delivery', message: 'Choose how the client gets the link: one of their contacts on file, or shown here to hand over.' },
  NO_CONTACT: { status: 400, field: 'delivery', message: (what: string) => `The client has no ${what} on file: choose another way.` },
  AGENT_LIMIT: { status: 429, message: (max: number, minutes: number) => `You have issued ${max} recovery links in the last hour, the most one agent may. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}, or ask a colleague to look at this client. Nothing was sent.`, doc: 'An agent may issue 20 recovery links an hour (RATE_RECOVERY_PER_AGENT_HOUR).' },
  CLIENT_LIMIT: { status: 429, message: (max: number, hours: number) => `This client has had ${max} recovery links in the last 24 hours, the most allowed. Another is possible in about ${hours} hour${hours === 1 ? '' : 's'}; meanwhile the shop can fix their contact details in its console. Nothing was sent.`, doc: 'A client may get 3 recovery links a day (RATE_RECOVERY_PER_CLIENT_DAY).' },
  FORM_STALE: { status: 400, message: 'This form is out of date. Open the client page again and fill it in.' },
  ALREADY_ISSUED: { status: 409, message: 'This form was already sent: one recovery link was issued with it (see the list below). To issue another, fill in the form again.' },
  CLIENT_DISABLED: { status: 409, message: (shop: string) => `${shop} has disabled this client (or the shop is disabled): a recovery link would not open anything. The shop decides whether to turn them back on.` },
});
