// Table types for Kysely. Times are epoch milliseconds (bigint) so both stores agree exactly.
import type { Generated } from 'kysely';

export interface TenantsTable {
  id: string;
  slug: string;
  name: string;
  brand_color: string;
  /** Where the logo was fetched from (informational; pages never load it from there). */
  logo_url: string | null;
  /** The logo served from our origin (/brand/<id>/logo-<hash>); null when the shop has none. */
  logo_hash: string | null;
  /** Session lifetime for this shop's clients; lowering it shortens existing sessions too. */
  session_days: number;
  /** Settings → Security: how the shop's clients may sign in. */
  login_channels: 'email' | 'sms' | 'both';
  /** Settings → Security: staff must use a second factor (TOTP). 0 or 1. */
  staff_mfa_required: number;
  /** How a homeowner reaches the shop (shown on invoices, receipts and the portal); E.164 phone. */
  contact_phone: string | null;
  contact_email: string | null;
  /** Postal address, lines separated by newlines. */
  address: string | null;
  status: 'active' | 'disabled';
  created_at: number;
  updated_at: number;
}

export interface ClientsTable {
  id: string;
  tenant_id: string;
  external_id: string | null;
  name: string;
  /** Normalised: trimmed, lower-case, ASCII (IDN) domain. */
  email: string | null;
  /** E.164. */
  phone: string | null;
  /** Preferred language ('en' | 'es'), or null when the client has not said. */
  locale: string | null;
  status: 'active' | 'disabled';
  /** Bumped when contact details change or the client is disabled; signed links carry it. */
  link_version: number;
  created_at: number;
  updated_at: number;
}

export type LoginStatus = 'pending' | 'consumed' | 'superseded' | 'locked';

/** One login attempt (a "flow"): the link token and code are stored only as hashes. */
export interface LoginRequestsTable {
  id: string;
  identifier_kind: 'email' | 'phone';
  identifier: string;
  token_hash: string;
  code_hash: string;
  code_attempts: number;
  /** SHA-256 of the secret in the requesting browser's binding cookie. */
  browser_hash: string;
  status: LoginStatus;
  matched: number;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
  /** After redemption with several shops: the tenant-picker secret (hashed) and its expiry. */
  pick_hash: string | null;
  pick_expires_at: number | null;
  picked_at: number | null;
  ip: string | null;
  /** Where the message goes: the identifier's own channel, or the client's other one ("text me instead"). */
  channel: 'email' | 'sms';
  user_agent: string | null;
  /** A device that signed in with this identifier before (signed device cookie): its own limits apply. */
  device_id: string | null;
  /** Who is signing in: a shop's client (the portal) or a shop's staff member (the console). */
  audience: 'client' | 'staff' | 'support';
  /** When anything first opened the link (people, link previews and mail scanners alike). */
  opened_at: number | null;
  /** The language of the page the login was asked from. */
  locale: string | null;
  /** When this login's (expired or used) link asked for a new one: once per link. */
  resent_at: number | null;
}

export interface LoginRequestStaffTable {
  login_request_id: string;
  tenant_id: string;
  staff_id: string;
}

export type StaffRole = 'owner' | 'staff';

/** A shop's own people: `owner` (everything) or `staff` (clients, messages, audit). */
/** A second factor's columns, the same on every table that holds one (mfa/factor.repo.ts). */
export interface FactorColumns {
  /** The TOTP secret, sealed (AES-256-GCM); null until enrolled. */
  totp_secret_enc: string | null;
  totp_enabled_at: number | null;
  /** JSON array of SHA-256 hashes of unused recovery codes. */
  recovery_codes: string | null;
  totp_failures: number;
  totp_locked_until: number | null;
  /** The last 30-second TOTP step accepted: a code is never accepted twice. */
  totp_last_step: number | null;
}

export interface StaffTable extends FactorColumns {
  id: string;
  tenant_id: string;
  external_id: string | null;
  /** Normalised like clients' emails. */
  email: string;
  name: string;
  role: StaffRole;
  status: 'active' | 'disabled';
  last_sign_in_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface StaffSessionsTable {
  id: string;
  tenant_id: string;
  staff_id: string;
  secret_hash: string;
  /** 1 until the second factor is given (when the shop requires it or the member enrolled). */
  mfa_pending: number;
  created_at: number;
  renewed_at: number;
  expires_at: number;
  revoked_at: number | null;
  ip: string | null;
  user_agent: string | null;
}

export interface LoginRequestClientsTable {
  login_request_id: string;
  tenant_id: string;
  client_id: string;
}

export interface SessionsTable {
  id: string;
  tenant_id: string;
  client_id: string;
  secret_hash: string;
  /**
   * `login`: a full sign-in; `link`: opened from an email's signed link (scoped, see scope_kind);
   * `recovery`: opened from a support agent's recovery link (24 h, a new contact must be proved).
   */
  kind: 'login' | 'link' | 'recovery';
  /** A `link` session sees only this object (the invoice or report its email link names). */
  scope_kind: 'invoice' | 'report' | null;
  scope_id: string | null;
  /** A `recovery` session: the link it was opened with (ended when that link's agent is disabled). */
  recovery_link_id: string | null;
  created_at: number;
  renewed_at: number;
  expires_at: number;
  revoked_at: number | null;
  ip: string | null;
  user_agent: string | null;
}

export type OutboxStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'expired';

export interface OutboxMessagesTable {
  id: string;
  tenant_id: string | null;
  /** The client an automated email is for (login messages reach clients through their login). */
  client_id: string | null;
  login_request_id: string | null;
  channel: 'email' | 'sms';
  to_address: string;
  template: string;
  /** AES-256-GCM encrypted JSON of the template data (it holds the link); erased once sent. */
  payload_enc: string | null;
  status: OutboxStatus;
  attempts: number;
  next_attempt_at: number;
  locked_until: number | null;
  /** Not sent after this time (a login link that expired while queued is useless). */
  send_before: number | null;
  last_error: string | null;
  provider: string | null;
  provider_id: string | null;
  created_at: number;
  sent_at: number | null;
  /** What the provider said after accepting it (Twilio status callbacks, email bounce webhooks). */
  delivery_status: DeliveryStatus | null;
  delivery_error_code: string | null;
  /** The provider's reason in plain words, for the owner. */
  delivery_reason: string | null;
  delivery_updated_at: number | null;
}

export type DeliveryStatus = 'sent' | 'delivered' | 'undelivered' | 'failed' | 'bounced' | 'complained';

/** Each step of a message's life: queued, attempts, sent, provider statuses, expiry. */
export interface DeliveryEventsTable {
  id: Generated<number>;
  message_id: string;
  kind: string;
  detail: string | null;
  error_code: string | null;
  /** Provider's identity for this event, so replayed callbacks are recorded once. */
  provider_event: string | null;
  created_at: number;
}

export interface RateLimitsTable {
  key: string;
  points: number;
  expire: number | null;
}

/** Development-only copy of what would have been sent, for /dev/outbox. */
export interface DevOutboxTable {
  id: Generated<number>;
  outbox_id: string;
  channel: 'email' | 'sms';
  to_address: string;
  subject: string | null;
  text: string;
  html: string | null;
  created_at: number;
}

export interface AuditEventsTable {
  id: Generated<number>;
  tenant_id: string | null;
  client_id: string | null;
  actor: 'client' | 'system' | 'owner' | 'support' | 'operator';
  action: string;
  subject_id: string | null;
  /** JSON; never holds a token, code or full link. */
  data: string;
  ip: string | null;
  created_at: number;
}

export interface ApiKeysTable {
  id: string;
  tenant_id: string;
  name: string;
  /** SHA-256 of the key's secret part; the key itself is shown once at creation. */
  secret_hash: string;
  created_at: number;
  revoked_at: number | null;
  last_used_at: number | null;
}

/** `paying`: a client's payment is with the provider; nothing else may change the invoice meanwhile. */
export type InvoiceStatus = 'draft' | 'sent' | 'paying' | 'paid' | 'void';

export interface InvoicesTable {
  id: string;
  tenant_id: string;
  client_id: string;
  external_id: string;
  number: string;
  /** ISO 4217, e.g. USD. */
  currency: string;
  /** JSON: [{ description, quantity, unitCents, amountCents }]. */
  line_items: string;
  total_cents: number;
  /** YYYY-MM-DD */
  issue_date: string;
  due_date: string;
  status: InvoiceStatus;
  paid_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface PaymentsTable {
  id: string;
  tenant_id: string;
  invoice_id: string;
  client_id: string;
  provider: string;
  provider_ref: string;
  amount_cents: number;
  currency: string;
  created_at: number;
}

export interface ServiceReportsTable {
  id: string;
  tenant_id: string;
  client_id: string;
  external_id: string;
  service_date: string;
  technician: string;
  title: string;
  notes: string;
  /** JSON: [{ item, done }]. */
  checklist: string;
  /** JSON: ["https://…"]. */
  photos: string;
  created_at: number;
  updated_at: number;
}

export interface TenantLogosTable {
  tenant_id: string;
  hash: string;
  content_type: string;
  bytes: Buffer;
  source_url: string;
  created_at: number;
}

export type JobStatus = 'queued' | 'running' | 'done' | 'failed' | 'expired';

/** Internal work the worker does (not messages): e.g. matching a login request to clients. */
export interface JobsTable {
  id: string;
  kind: string;
  login_request_id: string | null;
  /** AES-256-GCM sealed JSON (a dispatch holds the live link); erased when the job ends. */
  payload_enc: string | null;
  status: JobStatus;
  /** Also the fencing token: a job is completed only by the claim that holds this count. */
  attempts: number;
  run_after: number;
  locked_until: number | null;
  /** Not run after this time (a login whose link would be about to expire). */
  not_after: number | null;
  last_error: string | null;
  created_at: number;
  finished_at: number | null;
}

/** Servicio's own support agents (not any shop's): email link + TOTP, always. */
export interface SupportAgentsTable extends FactorColumns {
  id: string;
  email: string;
  name: string;
  status: 'active' | 'disabled';
  last_sign_in_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface SupportSessionsTable {
  id: string;
  agent_id: string;
  secret_hash: string;
  mfa_pending: number;
  created_at: number;
  renewed_at: number;
  expires_at: number;
  revoked_at: number | null;
  ip: string | null;
  user_agent: string | null;
}

export interface LoginRequestSupportTable {
  login_request_id: string;
  agent_id: string;
}

/** A one-time sign-in link for one shop's client, issued by a support agent with a reason. */
export interface RecoveryLinksTable {
  id: string;
  tenant_id: string;
  client_id: string;
  agent_id: string;
  token_hash: string;
  reason_category: string;
  reason_text: string;
  /** The issuing form's one-time value: a resubmitted form (a page refresh) issues nothing. */
  form_nonce: string;
  /** `email` / `sms`: sent to that contact on file; `shown`: shown once to the agent. */
  delivery: 'email' | 'sms' | 'shown';
  expires_at: number;
  consumed_at: number | null;
  created_at: number;
  ip: string | null;
  user_agent: string | null;
}

/** A code sent to a new email or phone, which a recovery session must type back to switch to it. */
export interface ContactProofsTable {
  id: string;
  tenant_id: string;
  client_id: string;
  session_id: string;
  kind: 'email' | 'phone';
  value: string;
  code_hash: string;
  attempts: number;
  expires_at: number;
  consumed_at: number | null;
  created_at: number;
}

export interface DB {
  support_agents: SupportAgentsTable;
  support_sessions: SupportSessionsTable;
  login_request_support: LoginRequestSupportTable;
  recovery_links: RecoveryLinksTable;
  contact_proofs: ContactProofsTable;
  staff: StaffTable;
  staff_sessions: StaffSessionsTable;
  login_request_staff: LoginRequestStaffTable;
  jobs: JobsTable;
  tenant_logos: TenantLogosTable;
  tenants: TenantsTable;
  clients: ClientsTable;
  login_requests: LoginRequestsTable;
  login_request_clients: LoginRequestClientsTable;
  sessions: SessionsTable;
  outbox_messages: OutboxMessagesTable;
  dev_outbox: DevOutboxTable;
  audit_events: AuditEventsTable;
  delivery_events: DeliveryEventsTable;
  rate_limits: RateLimitsTable;
  api_keys: ApiKeysTable;
  invoices: InvoicesTable;
  payments: PaymentsTable;
  service_reports: ServiceReportsTable;
}
