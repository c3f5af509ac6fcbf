// Passwordless login: request a link (+ code), redeem it once, pick a shop when several match.
// A strategy never sends: it queues a message in the same transaction as the token and audit.
import type { Kysely } from 'kysely';
import type { CountryCode } from 'libphonenumber-js';
import type { DB } from '../../db/schema.ts';
import type { Clock } from '../../lib/clock.ts';
import { hmac, randomDigits, randomToken, safeEqual, sha256 } from '../../lib/crypto.ts';
import { inSharedTransaction } from '../../db/group-commit.ts';
import { isPostgres } from '../../db/dialect.ts';
import { writeTogether, Writes } from '../../db/writes.ts';
import { newId } from '../../lib/ids.ts';
import { maskIdentifier } from '../../lib/mask.ts';
import { addAudit, announce, auditRepo, perShop, type AuditInput } from '../audit/audit.repo.ts';
import { parseIdentifier, type Identifier } from '../clients/contact.ts';
import type { JobQueue } from '../jobs/jobs.ts';
import { keptUserAgent, type RequestContext } from '../../lib/request-context.ts';
import type { IssuedSession, StatementSession } from '../sessions/sessions.service.ts';
import type { DeviceCookies } from './device-cookie.ts';
import { loginErrors } from './login.errors.ts';
import { createTokenLookup, loginRepo, type LoginMatch, type LoginRequest } from './login.repo.ts';
import { supportErrors } from '../support/support.errors.ts';
import { staffErrors } from '../staff/staff.errors.ts';
import { channelOf, otherChannel, sendMarginMs, type Channel } from './login.rules.ts';

const PICK_TTL_MS = 10 * 60_000;
export const LOGIN_TOKEN_SHAPE = /^[A-Za-z0-9_-]{48}$/;
const COOKIE_SHAPE = /^[0-9a-f-]{36}\.[A-Za-z0-9_-]{32}$/;


export interface LoginDeps {
  db: Kysely<DB>;
  clock: Clock;
  jobs: JobQueue;
  /**
   * Opens the session a redeemed login leads to: a client's portal session or a staff member's
   * console session — written in `trx`, or added to `w` (which the caller flushes in `trx`).
   */
  openSession(trx: Kysely<DB>, w: Writes, request: LoginRequest, match: LoginMatch, ctx: RequestContext): IssuedSession | Promise<IssuedSession>;
  /**
   * A client's login session made ready for the statement that consumes the link and writes it
   * (PostgreSQL: login.repo consumeAndOpen). Without it, redeeming is always a transaction.
   */
  clientSessionForStatement?: (ctx: RequestContext) => StatementSession;
  devices: DeviceCookies;
  appSecret: string;
  linkTtlMs: number;
  codeMaxAttempts: number;
  defaultRegion: CountryCode;
  otherChannelLimit: (identifier: string) => Promise<{ ok: boolean }>;
}

/** What a successful redemption leads to: a session in one shop, or the shop picker. */
export type Audience = LoginRequest['audience'];
/** A login sent by a shop's staff member from the console, for one of the shop's clients. */
export interface SentBy {
  tenantId: string;
  clientId: string;
  by: string;
  byStaff: string;
}
/** A "send again" on the check page waits this long after the message before it. */
export const RESEND_AFTER_MS = 60_000;

export type LoginOutcome =
  | { kind: 'session'; audience: Audience; token: string; maxAgeSeconds: number; proven: string; shop: string; locale: string | null }
  | { kind: 'pick'; audience: Audience; pickCookie: string; maxAgeSeconds: number; proven: string }
  | { kind: 'invalid' };

/** A cookie value `<requestId>.<secret>` whose secret is stored only as a hash. */
function splitCookie(value: string | undefined): { id: string; secret: string } | null {
  if (!value || !COOKIE_SHAPE.test(value)) return null;
  const dot = value.indexOf('.');
  return { id: value.slice(0, dot), secret: value.slice(dot + 1) };
}

export function createLoginService(d: LoginDeps) {
  const requestByToken = createTokenLookup(d.db);
  const codeHash = (requestId: string, code: string) => hmac(d.appSecret, `login-code:${requestId}:${code}`);

  /** The identifier's audit trail goes to every shop it matched (or to no shop when none did). */
  function auditEvents(r: LoginRequest, action: string, data: Record<string, unknown>, ctx: RequestContext, known: LoginMatch[], at = d.clock.now()): AuditInput[] {
    // Support agents belong to no shop: their sign-ins are Servicio's own events (no shop's log).
    const matches = r.audience === 'support' ? [] : known.map((m) => ({ tenant_id: m.tenant_id, client_id: r.audience === 'client' ? m.principal_id : null }));
    const base = { actor: r.audience === 'support' ? ('support' as const) : ('client' as const), action, subjectId: r.id, ip: ctx.ip, at, data: { to: maskIdentifier(r.identifier_kind, r.identifier), ...data } };
    return perShop(base, matches);
  }
  async function audit(trx: Kysely<DB>, r: LoginRequest, action: string, data: Record<string, unknown>, ctx: RequestContext) {
    const matches = r.audience === 'support' ? [] : await loginRepo(trx).matches(r);
    await auditRepo(trx).record(...auditEvents(r, action, data, ctx, matches));
  }

  /**
   * Single use, then a session (one shop) or the picker (several). Runs in the caller's
   * transaction; its writes (the audit, the session) go in one statement on PostgreSQL.
   */
  async function complete(trx: Kysely<DB>, r: LoginRequest, via: 'link' | 'code', ctx: RequestContext): Promise<LoginOutcome> {
    const repo = loginRepo(trx);
    const now = d.clock.now();
    const matches = await repo.consume(r, now);
    if (!matches) return { kind: 'invalid' };
    const w = new Writes();
    addAudit(w, ...auditEvents(r, 'login.consumed', { via }, ctx, matches));
    let out: LoginOutcome;
    if (matches.length === 1) {
      const m = matches[0]!;
      const s = await d.openSession(trx, w, r, m, ctx);
      out = { kind: 'session', audience: r.audience, ...s, proven: r.identifier, shop: m.slug, locale: m.locale };
    } else if (matches.length === 0) {
      out = { kind: 'invalid' };
    } else {
      const secret = randomToken(24);
      w.update('login_requests', r.id, { pick_hash: sha256(secret), pick_expires_at: now + PICK_TTL_MS });
      out = { kind: 'pick', audience: r.audience, pickCookie: `${r.id}.${secret}`, maxAgeSeconds: PICK_TTL_MS / 1000, proven: r.identifier };
    }
    await w.flush(trx);
    return out;
  }

  /**
   * Single use, then a session or the picker (`complete`). A client's login on PostgreSQL is one
   * statement with no transaction around it (login.repo consumeAndOpen): the same rows and events.
   */
  async function redeem(r: LoginRequest, via: 'link' | 'code', ctx: RequestContext): Promise<LoginOutcome> {
    if (r.audience !== 'client' || !d.clientSessionForStatement || !isPostgres(d.db)) return inSharedTransaction(d.db, (trx) => complete(trx, r, via, ctx));
    const now = d.clock.now();
    const session = d.clientSessionForStatement(ctx);
    const pickSecret = randomToken(24);
    // The events as the statement writes them: at `now`, one per shop it finds (or one of no shop).
    const consumedEvents = (matches: LoginMatch[]) => auditEvents(r, 'login.consumed', { via }, ctx, matches, now);
    const matches = await loginRepo(d.db).consumeAndOpen(r, now, {
      session,
      pick: { hash: sha256(pickSecret), expiresAt: now + PICK_TTL_MS },
      consumedData: JSON.stringify(consumedEvents([])[0]!.data),
      ip: ctx.ip,
    });
    if (!matches) return { kind: 'invalid' };
    const events = consumedEvents(matches);
    const m = matches.length === 1 ? matches[0]! : null;
    announce(m ? [...events, session.createdEvent(m.tenant_id, m.principal_id, m.session_days!, now)] : events);
    if (m) return { kind: 'session', audience: r.audience, token: session.token, maxAgeSeconds: session.maxAgeSeconds(m.session_days!), proven: r.identifier, shop: m.slug, locale: m.locale };
    if (matches.length === 0) return { kind: 'invalid' };
    return { kind: 'pick', audience: r.audience, pickCookie: `${r.id}.${pickSecret}`, maxAgeSeconds: PICK_TTL_MS / 1000, proven: r.identifier };
  }

  async function failRedemption(r: LoginRequest | undefined, ctx: RequestContext): Promise<LoginOutcome> {
    const now = d.clock.now();
    const reason = !r ? 'unknown' : r.status === 'pending' && r.expires_at <= now ? 'expired' : r.status === 'pending' ? 'race' : r.status;
    await d.db.transaction().execute(async (trx) => {
      if (r) await audit(trx, r, 'login.redemption_failed', { reason }, ctx);
      else await auditRepo(trx).record({ actor: 'client', action: 'login.redemption_failed', data: { reason }, ip: ctx.ip, at: now });
    });
    return { kind: 'invalid' };
  }

  /** The login this browser asked for, if its binding cookie is genuine. */
  async function bound(bindingCookie: string | undefined): Promise<LoginRequest | undefined> {
    const b = splitCookie(bindingCookie);
    const r = b ? await loginRepo(d.db).byId(b.id) : undefined;
    return b && r && safeEqual(sha256(b.secret), r.browser_hash) ? r : undefined;
  }

  const usable = (r: LoginRequest | undefined): r is LoginRequest => !!r && r.status === 'pending' && r.expires_at > d.clock.now();
  /** A link that still signs in (pending, not expired). */
  const live = (r: LoginRequest): boolean => usable(r);

  /** Writes a login attempt: the row, its dispatch job and one audit event, in one transaction. */
  async function start(
    id: Identifier,
    channel: Channel,
    ctx: RequestContext,
    o: {
      deviceId: string | null;
      audience: Audience;
      /** How it was asked for, when not from the sign-in form (audited). */
      via?: 'other_channel' | 'again' | 'expired_link';
      sentBy?: SentBy;
      /** A condition claimed in the same transaction (once per link); false writes nothing. */
      claim?: (trx: Kysely<DB>) => Promise<boolean>;
    },
  ) {
    const { deviceId, audience, via, sentBy, claim } = o;
    const now = d.clock.now();
    const requestId = newId();
    const token = randomToken(36);
    const code = randomDigits(6);
    const browserSecret = randomToken(24);
    const request: LoginRequest = {
      id: requestId,
      identifier_kind: id.kind,
      identifier: id.value,
      channel,
      token_hash: sha256(token),
      code_hash: codeHash(requestId, code),
      code_attempts: 0,
      browser_hash: sha256(browserSecret),
      status: 'pending',
      matched: 0,
      created_at: now,
      expires_at: now + d.linkTtlMs,
      consumed_at: null,
      pick_hash: null,
      pick_expires_at: null,
      picked_at: null,
      ip: ctx.ip,
      user_agent: keptUserAgent(ctx),
      device_id: deviceId,
      audience,
      opened_at: null,
      // The consoles are English only, so are their sign-in messages.
      locale: audience === 'client' ? (ctx.locale ?? null) : 'en',
      resent_at: null,
    };
    const data = { to: maskIdentifier(id.kind, id.value), channel, ...(audience === 'staff' ? { audience } : {}), userAgent: request.user_agent, expiresAt: new Date(request.expires_at).toISOString(), ...(via ? { via } : {}), ...(deviceId ? { knownDevice: true } : {}) };
    const writes = (w: Writes) => {
      w.insert('login_requests', request);
      d.jobs.add(w, { kind: 'login-dispatch', loginRequestId: requestId, notAfter: request.expires_at - sendMarginMs(d.linkTtlMs), now, data: { token, code } });
      addAudit(w, { actor: 'client', action: 'login.requested', subjectId: requestId, data, ip: ctx.ip, at: now });
      // Sent from the shop console: the shop's own log says who sent it, to which client.
      if (sentBy) addAudit(w, { tenantId: sentBy.tenantId, clientId: sentBy.clientId, actor: 'owner', action: 'console.link_sent', subjectId: requestId, data: { by: sentBy.by, byStaff: sentBy.byStaff, channel, to: maskIdentifier(id.kind, id.value) }, ip: ctx.ip, at: now });
    };
    // The writes of concurrent requests go in one transaction (db/writes.ts); one that must first
    // claim something (the one resend) checks it in its own.
    const started = claim
      ? await inSharedTransaction(d.db, async (trx) => {
          if (!(await claim(trx))) return false;
          await writeTogether(trx, writes);
          return true;
        })
      : await writeTogether(d.db, writes).then(() => true);
    if (!started) return null;
    d.jobs.notify();
    return { bindingCookie: `${requestId}.${browserSecret}`, maxAgeSeconds: Math.ceil(d.linkTtlMs / 1000) };
  }

  return {
    /** How long a link and code work, in minutes. */
    linkMinutes: Math.round(d.linkTtlMs / 60_000),

    /**
     * Starts a login. The request path does the same few writes whatever the email or phone is —
     * the login row, one dispatch job and one audit event — and looks nothing up, so neither the
     * answer nor its timing can tell whether it is on file. The worker does the matching
     * (login.dispatch.ts). `deviceCookie`: a browser that signed in with this identifier before
     * is counted on its own limits (see device-cookie.ts).
     */
    async request(input: string, ctx: RequestContext, deviceCookie?: string, audience: Audience = 'client', sentBy?: SentBy) {
      const id = parseIdentifier(input, d.defaultRegion);
      if (audience === 'support' && id.kind !== 'email') throw supportErrors.SUPPORT_EMAIL_ONLY();
      if (audience === 'staff' && id.kind !== 'email') throw staffErrors.STAFF_EMAIL_ONLY();
      return (await start(id, channelOf(id.kind), ctx, { deviceId: d.devices.vouchesFor(deviceCookie, id.value), audience, ...(sentBy ? { sentBy } : {}) }))!;
    },

    /**
     * "Send me a new link" on the page of an expired or used link: a new login for the same email
     * or phone, by the same channel, within the same limits — once per link. Only the browser that
     * asked for the old one is bound to the new one (and may see where it went); any other browser
     * learns nothing but "if it was yours, a new one is on its way".
     */
    async resendFromLink(r: LoginRequest | undefined, bindingCookie: string | undefined, deviceCookie: string | undefined, ctx: RequestContext) {
      if (!r || live(r)) return null;
      const b = splitCookie(bindingCookie);
      const sameBrowser = !!b && b.id === r.id && safeEqual(sha256(b.secret), r.browser_hash);
      const device = sameBrowser ? r.device_id : d.devices.vouchesFor(deviceCookie, r.identifier);
      const id = { kind: r.identifier_kind, value: r.identifier } as Identifier;
      const started = await start(id, r.channel, ctx, { deviceId: device, audience: r.audience, via: 'expired_link', claim: (trx) => loginRepo(trx).markResent(r.id, d.clock.now()) });
      return started ? { ...started, sameBrowser, audience: r.audience } : null;
    },

    /** Whether a link's page may offer "send me a new link" (a link we know that has not asked yet). */
    canResend(request: LoginRequest | undefined): boolean {
      return !!request && request.resent_at === null && !live(request);
    },

    /** The login a link token belongs to (any state), for the pages of dead links. */
    async requestOfToken(token: string): Promise<LoginRequest | undefined> {
      return LOGIN_TOKEN_SHAPE.test(token) ? requestByToken(sha256(token)) : undefined;
    },

    /** The shops a login was for (still active, still with that contact): pages brand with them. */
    shopsOf: (request: LoginRequest) => loginRepo(d.db).matches(request),

    /**
     * "Send again" on the check page: a new login for this browser's email or phone, by the same
     * channel, at most once a minute (the identifier's limits apply in the worker as always).
     */
    async sendAgain(bindingCookie: string | undefined, ctx: RequestContext) {
      const r = await bound(bindingCookie);
      if (!r) throw loginErrors.NO_PENDING_LOGIN();
      const now = d.clock.now();
      const wait = r.created_at + RESEND_AFTER_MS - now;
      if (wait > 0) throw loginErrors.RESEND_TOO_SOON(Math.ceil(wait / 1000));
      // A login already followed by another (sent again, or from its dead link) cannot ask again:
      // the newest one can, a minute after it was made. So parallel taps, or an older binding
      // cookie replayed, make one message.
      if (r.resent_at !== null) throw loginErrors.RESEND_TOO_SOON(Math.ceil(RESEND_AFTER_MS / 1000));
      // A text to the phone of someone who typed an email (or the reverse) spends the same daily
      // "other channel" allowance as "Text me instead" did.
      if (r.channel !== channelOf(r.identifier_kind) && !(await d.otherChannelLimit(r.identifier)).ok) throw loginErrors.OTHER_CHANNEL_LIMIT();
      const id = { kind: r.identifier_kind, value: r.identifier } as Identifier;
      const started = await start(id, r.channel, ctx, { deviceId: r.device_id, audience: r.audience, via: 'again', claim: (trx) => loginRepo(trx).markResent(r.id, now) });
      if (!started) throw loginErrors.RESEND_TOO_SOON(Math.ceil(RESEND_AFTER_MS / 1000));
      return started;
    },

    /** For GET /l/:token — never consumes. Says whether the link is usable and who it is for. */
    async inspectLink(token: string, bindingCookie: string | undefined) {
      if (!LOGIN_TOKEN_SHAPE.test(token)) return { usable: false as const };
      const r = await requestByToken(sha256(token));
      if (!usable(r)) return { usable: false as const, request: r };
      if (r.opened_at === null) await loginRepo(d.db).markOpened(r.id, d.clock.now());
      const shops = await loginRepo(d.db).matches(r);
      const b = splitCookie(bindingCookie);
      const sameBrowser = !!b && b.id === r.id && safeEqual(sha256(b.secret), r.browser_hash);
      return { usable: true as const, request: r, shops, sameBrowser };
    },

    /** Records an attempt on a link that inspectLink found unusable (expired, used, unknown…). */
    rejectLink: (r: LoginRequest | undefined, ctx: RequestContext) => failRedemption(r, ctx),

    /** Consumes a link (the "Continue" POST, or a GET from the browser that asked for it). */
    async redeemLink(token: string, ctx: RequestContext): Promise<LoginOutcome> {
      if (!LOGIN_TOKEN_SHAPE.test(token)) return failRedemption(undefined, ctx);
      const r = await requestByToken(sha256(token));
      if (!usable(r)) return failRedemption(r, ctx);
      const out = await redeem(r, 'link', ctx);
      return out.kind === 'invalid' ? failRedemption(await loginRepo(d.db).byId(r.id), ctx) : out;
    },

    /** The code typed on the "check your messages" page, in the browser that asked for it. */
    async redeemCode(bindingCookie: string | undefined, rawCode: string, ctx: RequestContext): Promise<LoginOutcome> {
      const code = rawCode.replace(/\s/g, '');
      const r = await bound(bindingCookie);
      if (!r) throw loginErrors.NO_PENDING_LOGIN();
      if (r.status === 'locked') throw loginErrors.CODE_LOCKED();
      if (!/^\d{6}$/.test(code)) throw loginErrors.CODE_FORMAT();
      // Retired by a newer sign-in of the same person: any code is simply wrong (as for a pending
      // login with the wrong code), so the answer does not tell a stranger that they signed in.
      if (r.status === 'superseded' && r.expires_at > d.clock.now()) throw loginErrors.CODE_WRONG();
      if (!usable(r)) throw loginErrors.NO_PENDING_LOGIN();
      if (safeEqual(codeHash(r.id, code), r.code_hash)) {
        const out = await redeem(r, 'code', ctx);
        if (out.kind === 'invalid') throw loginErrors.NO_PENDING_LOGIN();
        return out;
      }
      const after = await d.db.transaction().execute(async (trx) => {
        const counted = await loginRepo(trx).recordCodeFailure(r.id, d.codeMaxAttempts);
        if (counted) await audit(trx, r, 'login.code_failed', { attempts: counted.code_attempts, locked: counted.status === 'locked' }, ctx);
        return counted;
      });
      if (!after) throw loginErrors.NO_PENDING_LOGIN();
      throw after.status === 'locked' ? loginErrors.CODE_LOCKED() : loginErrors.CODE_WRONG();
    },

    /**
     * The "check your messages" page for this browser's login. The other channel is always
     * offered, for known and unknown identifiers alike, and shows no digits: whether the client
     * has one on file is only ever learned by the client, from the message that arrives.
     */
    async pending(bindingCookie: string | undefined) {
      const r = await bound(bindingCookie);
      if (!r) return null;
      return {
        audience: r.audience,
        kind: r.identifier_kind,
        channel: r.channel,
        masked: maskIdentifier(r.identifier_kind, r.identifier),
        minutes: Math.round(d.linkTtlMs / 60_000),
        locked: r.status === 'locked',
        /** The link and code can no longer be used (ran out, or a newer one replaced them). */
        // Only time: a login retired because its person signed in with a newer one must look
        // exactly like a pending one, or a stranger's check page would learn that they did.
        expired: r.status !== 'locked' && r.expires_at <= d.clock.now(),
        /** Seconds until "send again" may be used (0: now). */
        resendIn: Math.max(0, Math.ceil((r.created_at + RESEND_AFTER_MS - d.clock.now()) / 1000)),
        offer: otherChannel(r.channel),
      };
    },

    /**
     * "Text me instead" / "Email me instead": a new login for the same identifier, to be sent by
     * the other channel to whatever the client has on file there (the worker finds it, or not).
     */
    async resendByOtherChannel(bindingCookie: string | undefined, ctx: RequestContext) {
      const r = await bound(bindingCookie);
      if (!r || !usable(r)) throw loginErrors.NO_PENDING_LOGIN();
      if (!(await d.otherChannelLimit(r.identifier)).ok) throw loginErrors.OTHER_CHANNEL_LIMIT();
      if (r.audience !== 'client') throw loginErrors.NO_PENDING_LOGIN();
      return (await start({ kind: r.identifier_kind, value: r.identifier } as Identifier, otherChannel(r.channel), ctx, { deviceId: r.device_id, audience: r.audience, via: 'other_channel' }))!;
    },

    /** The device cookie to keep after a sign-in that proved `identifier` (see device-cookie.ts). */
    rememberDevice: (cookie: string | undefined, identifier: string) => d.devices.after(cookie, identifier),

    /** The shop picker's choices, when the pick cookie is still good. */
    async pickChoices(pickCookie: string | undefined) {
      const p = splitCookie(pickCookie);
      const r = p ? await loginRepo(d.db).byId(p.id) : undefined;
      const now = d.clock.now();
      if (!p || !r?.pick_hash || !safeEqual(sha256(p.secret), r.pick_hash) || r.picked_at !== null || (r.pick_expires_at ?? 0) <= now) return null;
      return { request: r, shops: await loginRepo(d.db).matches(r) };
    },

    /** Enters the chosen shop: single use; the session belongs to that one shop. */
    async pick(pickCookie: string | undefined, tenantId: string, ctx: RequestContext) {
      const choices = await this.pickChoices(pickCookie);
      if (!choices) throw loginErrors.PICK_EXPIRED();
      const shop = choices.shops.find((s) => s.tenant_id === tenantId);
      if (!shop) throw loginErrors.PICK_UNKNOWN();
      return d.db.transaction().execute(async (trx) => {
        if (!(await loginRepo(trx).takePick(choices.request.id, d.clock.now()))) throw loginErrors.PICK_EXPIRED();
        const w = new Writes();
        const session = await d.openSession(trx, w, choices.request, shop, ctx);
        await w.flush(trx);
        return { audience: choices.request.audience, shop: shop.slug, locale: shop.locale, ...session };
      });
    },
  };
}
export type LoginService = ReturnType<typeof createLoginService>;
