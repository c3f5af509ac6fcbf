// A second factor: TOTP (RFC 6238, via otpauth) with recovery codes, for whoever holds one (a
// shop's staff member, a Servicio support agent). Enrolment shows a QR code drawn on the server;
// the secret is kept sealed (AES-256-GCM), recovery codes only as SHA-256 hashes, each usable once.
// Every attempt is counted before the code is compared; the fifth wrong one locks the factor for
// 15 minutes. A code from the app is accepted once (its 30-second step is remembered).
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { Secret, TOTP } from 'otpauth';
import { errorCatalog } from '../../lib/app-error.ts';
import type { Clock } from '../../lib/clock.ts';
import { MINUTE } from '../../lib/clock.ts';
import { randomToken, safeEqual, sha256, type Sealer } from '../../lib/crypto.ts';
import type { RequestContext } from '../../lib/request-context.ts';
import { factorRepo, type FactorRow, type FactorState } from './factor.repo.ts';

export type { FactorRow, FactorState };

export const mfaErrors = errorCatalog({
  CODE_FORMAT: { status: 400, field: 'code', message: 'Type the 6 digits your authenticator app shows, or one of your recovery codes.' },
  CODE_WRONG: { status: 400, field: 'code', message: 'That code doesn’t match. Check the time on your phone is right, and use the newest code.' },
  LOCKED: { status: 429, field: 'code', message: (minutes: number) => `Too many wrong codes. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}, or ask an owner for help.`, doc: 'Too many wrong codes; locked for a while.' },
  NOT_ENROLLING: { status: 400, message: 'Start again: sign in and set up your authenticator app.' },
});

const MAX_FAILURES = 5;
const LOCK_MS = 15 * MINUTE;
const RECOVERY_CODES = 10;
const STEP_MS = 30_000;

const totpFor = (secret: string, label: string, issuer: string) => new TOTP({ issuer, label, secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
/** Recovery codes look like `k7qz-m2xa-9fpt`, easy to copy from paper; compared without dashes or case. */
const normaliseRecovery = (code: string) => code.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Whose factor it is, where it is kept, and what to do around it (audit, open the session). */
export interface FactorHolder {
  /** Shown in the authenticator app: "jo@example.com (Greenway Lawn Care)". */
  label: string;
  row: FactorRow;
  audit(trx: Kysely<DB>, event: 'enabled' | 'passed' | 'failed' | 'locked', data: Record<string, unknown>, ctx: RequestContext): Promise<void>;
  /** The second factor was given: the session opens fully. */
  given(): Promise<void>;
}

export function createTotpFactor(deps: { db: Kysely<DB>; clock: Clock; sealer: Sealer; issuer: string }) {
  const { db, clock, sealer, issuer } = deps;
  const repo = factorRepo(db);

  async function state(h: FactorHolder) {
    const m = await repo.load(h.row);
    if (!m) throw mfaErrors.NOT_ENROLLING();
    const now = clock.now();
    if (m.totp_locked_until !== null && m.totp_locked_until > now) throw mfaErrors.LOCKED(Math.ceil((m.totp_locked_until - now) / MINUTE));
    return m;
  }

  async function lock(h: FactorHolder, failures: number, ctx: RequestContext): Promise<never> {
    await db.transaction().execute(async (trx) => {
      await factorRepo(trx).save(h.row, { totp_failures: 0, totp_locked_until: clock.now() + LOCK_MS });
      await h.audit(trx, 'locked', { failures }, ctx);
    });
    throw mfaErrors.LOCKED(Math.ceil(LOCK_MS / MINUTE));
  }

  /** Counts this attempt first (parallel guesses each count), refusing any over the limit. */
  async function attempt(h: FactorHolder, ctx: RequestContext): Promise<number> {
    const n = await repo.countAttempt(h.row);
    if (n > MAX_FAILURES) return lock(h, n, ctx);
    return n;
  }

  async function wrong(h: FactorHolder, n: number, ctx: RequestContext): Promise<never> {
    if (n >= MAX_FAILURES) return lock(h, n, ctx);
    await db.transaction().execute((trx) => h.audit(trx, 'failed', { failures: n }, ctx));
    throw mfaErrors.CODE_WRONG();
  }

  /** The app's code, if right and not used before: its step is taken (once). */
  async function appCode(h: FactorHolder, m: FactorState, digits: string): Promise<boolean> {
    const now = clock.now();
    const delta = totpFor(sealer.open(m.totp_secret_enc!), m.email, issuer).validate({ token: digits, timestamp: now, window: 1 });
    if (delta === null) return false;
    return repo.takeStep(h.row, Math.floor(now / STEP_MS) + delta);
  }

  async function succeeded(h: FactorHolder, patch: Parameters<ReturnType<typeof factorRepo>['save']>[1], event: 'enabled' | 'passed', data: Record<string, unknown>, ctx: RequestContext) {
    await db.transaction().execute(async (trx) => {
      await factorRepo(trx).save(h.row, { totp_failures: 0, totp_locked_until: null, ...patch });
      await h.audit(trx, event, data, ctx);
    });
    await h.given();
  }

  return {
    /** Enrolment: a new secret (kept sealed, not yet active) and the QR code that carries it. */
    async startEnrolment(h: FactorHolder): Promise<{ secret: string; qrSvg: string; uri: string }> {
      const m = await repo.load(h.row);
      if (!m || m.totp_enabled_at !== null) throw mfaErrors.NOT_ENROLLING();
      const secret = new Secret({ size: 20 }).base32;
      await repo.save(h.row, { totp_secret_enc: sealer.seal(secret) });
      const uri = totpFor(secret, h.label, issuer).toString();
      const { default: QRCode } = await import('qrcode'); // only the enrolment page draws one
      const qrSvg = await QRCode.toString(uri, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
      return { secret, qrSvg, uri };
    },

    /** The first code from the app proves the enrolment; returns the recovery codes, shown once. */
    async finishEnrolment(h: FactorHolder, code: string, ctx: RequestContext): Promise<string[]> {
      const m = await state(h);
      if (m.totp_enabled_at !== null || !m.totp_secret_enc) throw mfaErrors.NOT_ENROLLING();
      const digits = code.replace(/\s/g, '');
      if (!/^\d{6}$/.test(digits)) throw mfaErrors.CODE_FORMAT();
      const n = await attempt(h, ctx);
      if (!(await appCode(h, m, digits))) return wrong(h, n, ctx);
      const codes = Array.from({ length: RECOVERY_CODES }, () => randomToken(9).toLowerCase().replace(/[^a-z0-9]/g, 'x').slice(0, 12).replace(/(.{4})(?=.)/g, '$1-'));
      await succeeded(h, { totp_enabled_at: clock.now(), recovery_codes: JSON.stringify(codes.map((c) => sha256(normaliseRecovery(c)))) }, 'enabled', {}, ctx);
      return codes;
    },

    /** A code from the app, or a recovery code (used up), opens the session. */
    async verify(h: FactorHolder, code: string, ctx: RequestContext): Promise<{ recoveryCodesLeft: number | null }> {
      const m = await state(h);
      if (m.totp_enabled_at === null || !m.totp_secret_enc) throw mfaErrors.NOT_ENROLLING();
      const digits = code.replace(/\s/g, '');
      const isAppCode = /^\d{6}$/.test(digits);
      if (!isAppCode && normaliseRecovery(code).length !== 12) throw mfaErrors.CODE_FORMAT();
      const n = await attempt(h, ctx);
      let recoveryCodesLeft: number | null = null;
      if (isAppCode) {
        if (!(await appCode(h, m, digits))) return wrong(h, n, ctx);
      } else {
        const wanted = sha256(normaliseRecovery(code));
        const stored = JSON.parse(m.recovery_codes ?? '[]') as string[];
        const match = stored.find((x) => safeEqual(x, wanted));
        const left = stored.filter((x) => x !== match);
        if (!match || !(await repo.takeRecoveryCode(h.row, m.recovery_codes!, JSON.stringify(left)))) return wrong(h, n, ctx);
        recoveryCodesLeft = left.length;
      }
      await succeeded(h, {}, 'passed', { with: recoveryCodesLeft === null ? 'app' : 'recovery code' }, ctx);
      return { recoveryCodesLeft };
    },
  };
}
export type TotpFactor = ReturnType<typeof createTotpFactor>;
