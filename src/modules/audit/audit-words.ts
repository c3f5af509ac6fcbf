// The audit log in words an owner reads ("Sign-in link sent by text"), for the console and its CSV.
const ACTIONS: Record<string, string> = {
  'login.link_issued': 'Sign-in link sent',
  'login.link_refused': 'Sign-in link not sent',
  'login.consumed': 'Signed in with a sign-in link',
  'login.redemption_failed': 'Tried a sign-in link that no longer works',
  'login.code_failed': 'Typed a wrong code',
  'login.requested_unknown': 'Asked for a sign-in link (no matching contact)',
  'delivery.queued': 'Message queued',
  'delivery.sent': 'Message handed to the provider',
  'delivery.attempt_failed': 'Sending failed, will retry',
  'delivery.failed': 'Message could not be sent',
  'delivery.expired': 'Message dropped: its link was about to expire',
  'delivery.delivered': 'Message delivered',
  'delivery.undelivered': 'Message not delivered',
  'delivery.bounced': 'Email bounced',
  'delivery.complained': 'Email marked as spam',
  'session.created': 'Signed in',
  'session.ended': 'Signed out',
  'session.ended_all': 'Signed out of all devices',
  'client.created': 'Client added',
  'client.updated': 'Client details changed',
  'client.imported': 'Clients imported from a file',
  'client.email_links_stopped': 'Email sign-in links stopped',
  'client.locale_changed': 'Preferred language changed',
  'console.link_sent': 'Sign-in link sent from the console',
  'link.redeemed': 'Opened a link from an email',
  'link.rejected': 'Tried an email link that no longer works',
  'invoice.created': 'Invoice added',
  'invoice.updated': 'Invoice changed',
  'invoice.paid': 'Invoice marked paid',
  'invoice.void': 'Invoice voided',
  'invoice.paid_by_client': 'Invoice paid in the portal',
  'invoice.payment_declined': 'Payment declined',
  'report.created': 'Service report added',
  'report.updated': 'Service report changed',
  'email.invoice_sent': 'Invoice email sent',
  'email.invoice_reminder': 'Invoice reminder sent',
  'email.service_report': 'Service report email sent',
  'email.payment_receipt': 'Payment receipt email sent',
  'staff.created': 'Staff member added',
  'staff.updated': 'Staff member changed',
  'staff.signed_in': 'Staff member signed in',
  'staff.signed_out': 'Staff member signed out',
  'staff.second_factor_enabled': 'Staff member set up a second factor',
  'staff.second_factor_passed': 'Staff member gave their second factor',
  'staff.second_factor_failed': 'Wrong second-factor code',
  'staff.second_factor_locked': 'Second factor locked after wrong codes',
  'staff.second_factor_reset': 'Second factor reset by the operator',
  'tenant.created': 'Shop created',
  'tenant.settings_changed': 'Security settings changed',
  'tenant.session_days_changed': 'Session length changed',
  'tenant.logo_changed': 'Logo changed',
  'shop.contact_changed': 'Shop contact details changed',
  'tenant.disabled': 'Shop disabled',
  'tenant.enabled': 'Shop enabled',
  'api_key.created': 'API key created',
  'api_key.revoked': 'API key revoked',
  'support.recovery_issued': 'Recovery link issued by Servicio support',
  'support.recovery_refused': 'Recovery link refused (limit)',
  'support.recovery_used': 'Signed in with a recovery link',
  'support.recovery_rejected': 'Tried a recovery link that no longer works',
  'client.contact_code_sent': 'Code sent to confirm a new contact',
  'client.contact_proved': 'New contact confirmed with a code',
  'support.signed_in': 'Support agent signed in',
  'support.signed_out': 'Support agent signed out',
  'support.searched': 'Support searched clients',
  'support.client_viewed': 'Support opened a client',
  'support.agent_added': 'Support agent added',
  'support.agent_disabled': 'Support agent disabled',
  'support.second_factor_reset': 'Support agent’s second factor reset',
  'support.second_factor_enabled': 'Support agent set up a second factor',
  'support.second_factor_passed': 'Support agent gave their second factor',
  'support.second_factor_failed': 'Wrong second-factor code (support)',
  'support.second_factor_locked': 'Support second factor locked after wrong codes',
};

export const actionInWords = (action: string): string => ACTIONS[action] ?? action;

const ACTORS: Record<string, string> = { client: 'Client', system: 'Servicio', owner: 'Shop staff', support: 'Servicio support', operator: 'Operator' };

/** Who did it: the staff member or support agent by name when recorded, else the kind of actor. */
export function actorInWords(actor: string, data: Record<string, unknown>): string {
  if (typeof data.by === 'string') return actor === 'support' ? `${data.by} (Servicio support)` : data.by;
  return ACTORS[actor] ?? actor;
}

const SHOWN = ['channel', 'to', 'sentTo', 'reason', 'via', 'changed', 'count', 'days', 'kind', 'role', 'status', 'before', 'after', 'errorCode', 'externalId', 'amountCents', 'object', 'proved', 'created', 'updated', 'unchanged', 'refused', 'lines'] as const;

/** The event's details worth reading, as "key: value" pairs; never a token, link or code (none is ever stored). */
export function detailsInWords(data: Record<string, unknown>): string {
  return SHOWN.filter((k) => data[k] !== undefined && data[k] !== null)
    .map((k) => `${k}: ${typeof data[k] === 'object' ? JSON.stringify(data[k]) : String(data[k])}`)
    .join(' · ');
}
