// The only reader of process.env. Validates everything once at start-up and reports every bad
// variable together, so an operator fixes them in one go.
import { z } from 'zod';
import { isSupportedCountry, type CountryCode } from 'libphonenumber-js';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    HOST: z.string().default('127.0.0.1'),
    PORT: int(0, 65535).default(3000),
    /** Base URL used in every link we send. Never taken from the request's Host header. */
    PUBLIC_URL: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
    /** `postgres://…` for PostgreSQL; `sqlite:<path>` or unset for the embedded SQLite file. */
    DATABASE_URL: optionalString,
    /** PostgreSQL schema to use (created if missing). Lets tests and staging share one database. */
    DATABASE_SCHEMA: optionalString.pipe(z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/).optional()),
    DATA_DIR: z.string().default('./data'),
    /** Key for HMACs (login codes, CSRF) and for encrypting queued messages. ≥ 32 characters. */
    APP_SECRET: optionalString.pipe(z.string().min(32).optional()),
    LOGIN_LINK_TTL_MINUTES: int(1, 24 * 60).default(30),
    LOGIN_CODE_MAX_ATTEMPTS: int(1, 20).default(5),
    /** How long a support agent's one-time recovery link works. */
    RECOVERY_LINK_TTL_MINUTES: int(1, 24 * 60).default(15),
    /** Region used when a phone number is typed without a country code. */
    DEFAULT_PHONE_REGION: z
      .string()
      .default('US')
      .refine((v) => isSupportedCountry(v), 'must be a two-letter country code such as US or CA'),
    SESSION_DAYS_DEFAULT: int(1, 365).default(30),
    /** Sessions unused this long end sooner than the shop's session length. Unset: no separate idle limit. */
    SESSION_IDLE_DAYS: optionalString.pipe(z.coerce.number<string | undefined>().int().min(1).max(365).optional()),
    /** Development only: allow listening on a non-loopback HOST (the dev outbox stays local-only). */
    DEV_ALLOW_REMOTE: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
    /** How long a checked session may be reused from memory; changes made elsewhere show after this. 0 = off. */
    SESSION_CACHE_MS: int(0, 60_000).default(1000),
    SMTP_URL: optionalString.pipe(z.url({ protocol: /^smtps?$/ }).optional()),
    MAIL_FROM: optionalString,
    TWILIO_ACCOUNT_SID: optionalString.pipe(z.string().regex(/^AC[0-9a-fA-F]{32}$/).optional()),
    TWILIO_AUTH_TOKEN: optionalString,
    /** A phone number in E.164 or a Messaging Service SID (MG…). */
    TWILIO_FROM: optionalString.pipe(z.string().regex(/^(\+[1-9]\d{6,14}|MG[0-9a-fA-F]{32})$/).optional()),
    TWILIO_API_URL: z.url().default('https://api.twilio.com'),
    /**
     * Hand messages for example addresses (example.com/.net/.org, *.example, *.test, *.invalid,
     * *.localhost) and fictional 555-0100…0199 numbers to SMTP/Twilio anyway. Off: such a message
     * fails at once ("Example address — never sent") and no provider sees it. Only for a test rig
     * whose SMTP server or Twilio stand-in keeps every message. The development outbox keeps them always.
     */
    DELIVER_TO_EXAMPLE_ADDRESSES: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
    /**
     * Keys for signed links in automated emails: "kid:secret,kid:secret". The first signs, all
     * verify; drop a key to retire it. Unset: one key derived from APP_SECRET.
     */
    LINK_SIGNING_KEYS: optionalString.pipe(
      z
        .string()
        .regex(/^[a-z0-9_-]{1,20}:[^,~]{32,}(,[a-z0-9_-]{1,20}:[^,~]{32,})*$/i, 'must be "kid:secret" pairs separated by commas, each secret 32+ characters')
        .optional(),
    ),
    /** Shared secret for POST /webhooks/email (provider-neutral bounce/complaint events). */
    EMAIL_WEBHOOK_SECRET: optionalString.pipe(z.string().min(16).optional()),
    /** Mailgun's HTTP webhook signing key, enabling POST /webhooks/email/mailgun. */
    MAILGUN_WEBHOOK_SIGNING_KEY: optionalString,
    /** Redis for rate limits shared by every instance; without it limits live in the store. */
    REDIS_URL: optionalString.pipe(z.url({ protocol: /^rediss?$/ }).optional()),
    /** Prefix of rate-limit keys, so several deployments (or test runs) can share one Redis. */
    RATE_LIMIT_NAMESPACE: z.string().regex(/^[a-z0-9_-]{1,40}$/i).default('sp'),
    /** Proxies whose X-Forwarded-For is believed: comma-separated IPs or CIDRs. Unset: none. */
    TRUST_PROXY: optionalString,
    RATE_LOGIN_PER_IDENTIFIER_15M: int(1, 10_000).default(5),
    RATE_LOGIN_PER_IDENTIFIER_DAY: int(1, 100_000).default(20),
    RATE_LOGIN_PER_IP_15M: int(1, 100_000).default(30),
    /** "Text me instead" / "Email me instead" per typed email or phone (each can cost a text). */
    RATE_OTHER_CHANNEL_PER_IDENTIFIER_DAY: int(1, 1000).default(3),
    RATE_REDEEM_PER_IP_15M: int(1, 100_000).default(60),
    RATE_CODE_PER_IP_15M: int(1, 100_000).default(20),
    /** Recovery links one support agent may issue an hour, and one client may get a day. */
    RATE_RECOVERY_PER_AGENT_HOUR: int(1, 1000).default(20),
    RATE_RECOVERY_PER_CLIENT_DAY: int(1, 100).default(3),
    SMS_DAILY_BUDGET_PER_TENANT: int(1, 10_000_000).default(500),
    SMS_DAILY_BUDGET_GLOBAL: int(1, 100_000_000).default(5000),
    /** Countries login texts may go to (ISO codes). Others get no text (email still works). */
    SMS_ALLOWED_COUNTRIES: z
      .string()
      .default('US,CA')
      .transform((v) => v.split(',').map((c) => c.trim().toUpperCase()).filter(Boolean))
      .refine((list) => list.length > 0 && list.every((c) => isSupportedCountry(c)), 'must be a comma-separated list of country codes such as US,CA'),
    /** Tell an unknown email address that no portal account uses it (rate-limited; never for phones). */
    UNKNOWN_EMAIL_NOTICE: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
    /** Run the delivery worker inside the web process. */
    WORKER_ENABLED: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
    WORKER_POLL_MS: int(50, 60_000).default(1000),
    /** Tries before a message is marked failed (transient errors are retried with backoff). */
    WORKER_MAX_ATTEMPTS: int(1, 50).default(8),
    /** How long a claimed message stays with its worker; after a crash it is sent again after this. */
    WORKER_LEASE_MS: int(1000, 3_600_000).default(120_000),
    /** Batches one worker process works on at once (each up to 50 jobs or messages). */
    WORKER_LANES: int(1, 32).default(4),
    /** Bearer token for GET /metrics; unset: /metrics answers only to this machine. */
    METRICS_TOKEN: optionalString.pipe(z.string().min(16).optional()),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .superRefine((env, ctx) => {
    const prod = env.NODE_ENV === 'production';
    const need = (key: string, why: string) => ctx.addIssue({ code: 'custom', path: [key], message: why });
    if (prod) {
      if (!env.PUBLIC_URL) need('PUBLIC_URL', 'is required in production (the https address clients open)');
      else if (!env.PUBLIC_URL.startsWith('https://')) need('PUBLIC_URL', 'must be https:// in production');
      if (!env.APP_SECRET) need('APP_SECRET', 'is required in production (32+ random characters)');
      if (!env.SMTP_URL) need('SMTP_URL', 'is required in production (the development outbox is disabled)');
      if (!env.TWILIO_ACCOUNT_SID) need('TWILIO_ACCOUNT_SID', 'is required in production to send SMS');
    }
    if (env.SMTP_URL && !env.MAIL_FROM) need('MAIL_FROM', 'is required when SMTP_URL is set, e.g. portal@yourshop.com');
    const twilio = [env.TWILIO_ACCOUNT_SID, env.TWILIO_AUTH_TOKEN, env.TWILIO_FROM];
    if (twilio.some(Boolean) && !twilio.every(Boolean)) {
      for (const [key, value] of [
        ['TWILIO_ACCOUNT_SID', env.TWILIO_ACCOUNT_SID],
        ['TWILIO_AUTH_TOKEN', env.TWILIO_AUTH_TOKEN],
        ['TWILIO_FROM', env.TWILIO_FROM],
      ] as const) {
        if (!value) need(key, 'is required when any TWILIO_* variable is set');
      }
    }
    // A development server shows live links in /dev/outbox and trusts plain http: keep it on this
    // machine unless the operator says otherwise.
    if (!prod && !isLoopbackHost(env.HOST) && !env.DEV_ALLOW_REMOTE) {
      need('HOST', `is ${env.HOST}, reachable from other machines, but this is a development server (NODE_ENV=${env.NODE_ENV}). Use 127.0.0.1, set NODE_ENV=production, or set DEV_ALLOW_REMOTE=true`);
    }
    const db = env.DATABASE_URL;
    if (db && !/^(postgres(ql)?:\/\/|sqlite:)/.test(db)) {
      need('DATABASE_URL', 'must start with postgres:// or sqlite: (e.g. sqlite:./data/servicio.db)');
    }
  });

/** localhost, 127.0.0.0/8 and ::1: only this machine can connect. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || h === '::ffff:127.0.0.1';
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env) {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || 'environment'} ${i.message}`));
  }
  const e = parsed.data;
  const publicUrl = new URL(e.PUBLIC_URL ?? `http://localhost:${e.PORT || 3000}`);
  const databaseUrl = e.DATABASE_URL ?? `sqlite:${e.DATA_DIR}/servicio.db`;
  return {
    env: e.NODE_ENV,
    production: e.NODE_ENV === 'production',
    host: e.HOST,
    port: e.PORT,
    /** Origin without a trailing slash, e.g. https://portal.example.com */
    publicUrl: publicUrl.origin,
    /** Cookies get `Secure` unless we are plain-http development on localhost. */
    secureCookies: publicUrl.protocol === 'https:',
    dataDir: e.DATA_DIR,
    database: databaseUrl.startsWith('sqlite:')
      ? ({ kind: 'sqlite', path: databaseUrl.slice('sqlite:'.length) } as const)
      : ({ kind: 'postgres', url: databaseUrl, schema: e.DATABASE_SCHEMA } as const),
    appSecret: e.APP_SECRET,
    login: {
      linkTtlMs: e.LOGIN_LINK_TTL_MINUTES * 60_000,
      codeMaxAttempts: e.LOGIN_CODE_MAX_ATTEMPTS,
      defaultRegion: e.DEFAULT_PHONE_REGION as CountryCode,
    },
    recoveryLinkTtlMs: e.RECOVERY_LINK_TTL_MINUTES * 60_000,
    sessionDaysDefault: e.SESSION_DAYS_DEFAULT,
    sessionIdleMs: e.SESSION_IDLE_DAYS === undefined ? undefined : e.SESSION_IDLE_DAYS * 24 * 3_600_000,
    sessionCacheMs: e.SESSION_CACHE_MS,
    email: e.SMTP_URL ? ({ kind: 'smtp', url: e.SMTP_URL, from: e.MAIL_FROM! } as const) : ({ kind: 'dev' } as const),
    sms: e.TWILIO_ACCOUNT_SID
      ? ({
          kind: 'twilio',
          accountSid: e.TWILIO_ACCOUNT_SID,
          authToken: e.TWILIO_AUTH_TOKEN!,
          from: e.TWILIO_FROM!,
          apiUrl: e.TWILIO_API_URL.replace(/\/$/, ''),
        } as const)
      : ({ kind: 'dev' } as const),
    /** Whether SMTP/Twilio may be given messages for example addresses (see delivery/reserved.ts). */
    deliverToExampleAddresses: e.DELIVER_TO_EXAMPLE_ADDRESSES,
    redisUrl: e.REDIS_URL,
    trustProxy: (e.TRUST_PROXY ? e.TRUST_PROXY.split(',').map((p) => p.trim()).filter(Boolean) : false) as string[] | false,
    limits: {
      namespace: e.RATE_LIMIT_NAMESPACE,
      loginPerIdentifier15m: e.RATE_LOGIN_PER_IDENTIFIER_15M,
      loginPerIdentifierDay: e.RATE_LOGIN_PER_IDENTIFIER_DAY,
      loginPerIp15m: e.RATE_LOGIN_PER_IP_15M,
      otherChannelPerIdentifierDay: e.RATE_OTHER_CHANNEL_PER_IDENTIFIER_DAY,
      redeemPerIp15m: e.RATE_REDEEM_PER_IP_15M,
      codePerIp15m: e.RATE_CODE_PER_IP_15M,
      recoveryPerAgentHour: e.RATE_RECOVERY_PER_AGENT_HOUR,
      recoveryPerClientDay: e.RATE_RECOVERY_PER_CLIENT_DAY,
      smsPerTenantDay: e.SMS_DAILY_BUDGET_PER_TENANT,
      smsGlobalDay: e.SMS_DAILY_BUDGET_GLOBAL,
    },
    smsAllowedCountries: e.SMS_ALLOWED_COUNTRIES as CountryCode[],
    unknownEmailNotice: e.UNKNOWN_EMAIL_NOTICE,
    linkSigningKeys: e.LINK_SIGNING_KEYS?.split(',').map((pair) => {
      const i = pair.indexOf(':');
      return { id: pair.slice(0, i), secret: pair.slice(i + 1) };
    }),
    webhooks: { emailSecret: e.EMAIL_WEBHOOK_SECRET, mailgunSigningKey: e.MAILGUN_WEBHOOK_SIGNING_KEY },
    // Only when every link points at this machine: behind a proxy the socket address of every
    // visitor is the proxy's, so "only from loopback" would mean "anyone".
    devOutbox: e.NODE_ENV !== 'production' && isLoopbackHost(publicUrl.hostname),
    worker: { enabled: e.WORKER_ENABLED, pollMs: e.WORKER_POLL_MS, maxAttempts: e.WORKER_MAX_ATTEMPTS, leaseMs: e.WORKER_LEASE_MS, lanes: e.WORKER_LANES },
    metricsToken: e.METRICS_TOKEN,
    logLevel: e.LOG_LEVEL,
  };
}

export type Config = ReturnType<typeof loadConfig>;
