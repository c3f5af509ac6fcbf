import { sql, type Kysely, type Selectable } from 'kysely';
import { isPostgres } from '../../db/dialect.ts';
import type { DB, LoginRequestsTable, LoginStatus } from '../../db/schema.ts';
import type { Writes } from '../../db/writes.ts';
import { lookupByKeys, prepared } from '../../db/prepared.ts';
import { DAY } from '../../lib/clock.ts';

export type LoginRequest = Selectable<LoginRequestsTable>;

/** One shop a login may enter, and who it signs in there (a client, or a staff member with a role). */
export interface LoginMatch {
  tenant_id: string;
  principal_id: string;
  principal_name: string;
  role: string | null;
  tenant_name: string;
  slug: string;
  brand_color: string;
  logo_hash: string | null;
  /** The client's preferred language (clients only). */
  locale: string | null;
  /** The shop's session length (clients only: what their portal session is given). */
  session_days: number | null;
}

/**
 * The shops (and the client or staff member in each) this login may enter, added to a batch of
 * writes (db/writes.ts); set by the dispatcher only when it may send.
 */
export function addMatches(w: Writes, request: Pick<LoginRequest, 'id' | 'audience'>, matches: { tenant_id: string; principal_id: string }[]): void {
  if (matches.length === 0) return;
  if (request.audience === 'support') {
    w.insert('login_request_support', ...matches.map((m) => ({ login_request_id: request.id, agent_id: m.principal_id })));
  } else if (request.audience === 'staff') {
    w.insert('login_request_staff', ...matches.map((m) => ({ login_request_id: request.id, tenant_id: m.tenant_id, staff_id: m.principal_id })));
  } else {
    w.insert('login_request_clients', ...matches.map((m) => ({ login_request_id: request.id, tenant_id: m.tenant_id, client_id: m.principal_id })));
  }
  w.update('login_requests', request.id, { matched: matches.length });
}

/**
 * The shops (and the client or staff member in each) this login may enter: only those still
 * active, and only while they still have the email or phone the link was sent for. The login's own
 * rows come first (`m`, by primary key), whatever the statistics say: planned with a fresh or stale
 * estimate of those tables, PostgreSQL started from the shops and scanned every login row of each
 * shop (EXPLAIN under the peer harness: 1.2 of the 2.3 ms of redeeming).
 */
function matchesQuery(db: Kysely<DB>, request: Pick<LoginRequest, 'id' | 'audience'>) {
  if (request.audience === 'support') {
    // Servicio's own agents belong to no shop: the "shop" is Servicio support itself.
    return db
      .selectFrom('login_request_support as m')
      .innerJoin('support_agents as p', 'p.id', 'm.agent_id')
      .innerJoin('login_requests as r', 'r.id', 'm.login_request_id')
      .whereRef('p.email', '=', 'r.identifier')
      .select((eb) => [eb.val('').as('tenant_id'), 'm.agent_id as principal_id', 'p.name as principal_name', eb.val<string | null>('support').as('role'), eb.val('Servicio support').as('tenant_name'), eb.val('servicio-support').as('slug'), eb.val('#334155').as('brand_color'), eb.val<string | null>(null).as('logo_hash'), eb.val<string | null>(null).as('locale'), eb.val<number | null>(null).as('session_days')])
      .where('m.login_request_id', '=', request.id)
      .where('p.status', '=', 'active');
  }
  if (request.audience === 'staff') {
    return db
      .with((cte) => cte('m').materialized(), (qc) => qc.selectFrom('login_request_staff').selectAll().where('login_request_id', '=', request.id))
      .selectFrom('m')
      .innerJoin('staff as p', (j) => j.onRef('p.id', '=', 'm.staff_id').onRef('p.tenant_id', '=', 'm.tenant_id'))
      .innerJoin('tenants as t', 't.id', 'm.tenant_id')
      .innerJoin('login_requests as r', 'r.id', 'm.login_request_id')
      .whereRef('p.email', '=', 'r.identifier')
      .select((eb) => ['m.tenant_id', 'm.staff_id as principal_id', 'p.name as principal_name', 'p.role', 't.name as tenant_name', 't.slug', 't.brand_color', 't.logo_hash', eb.val<string | null>(null).as('locale'), eb.val<number | null>(null).as('session_days')])
      .where('p.status', '=', 'active')
      .where('t.status', '=', 'active')
      .orderBy('t.name');
  }
  return db
    .with((cte) => cte('m').materialized(), (qc) => qc.selectFrom('login_request_clients').selectAll().where('login_request_id', '=', request.id))
    .selectFrom('m')
    .innerJoin('clients as c', (j) => j.onRef('c.id', '=', 'm.client_id').onRef('c.tenant_id', '=', 'm.tenant_id'))
    .innerJoin('tenants as t', 't.id', 'm.tenant_id')
    .innerJoin('login_requests as r', 'r.id', 'm.login_request_id')
    .where((eb) =>
      eb.or([
        eb.and([eb('r.identifier_kind', '=', 'email'), eb('c.email', '=', eb.ref('r.identifier'))]),
        eb.and([eb('r.identifier_kind', '=', 'phone'), eb('c.phone', '=', eb.ref('r.identifier'))]),
      ]),
    )
    .select((eb) => ['m.tenant_id', 'm.client_id as principal_id', 'c.name as principal_name', eb.val<string | null>(null).as('role'), 't.name as tenant_name', 't.slug', 't.brand_color', 't.logo_hash', 'c.locale', 't.session_days'])
    .where('c.status', '=', 'active')
    .where('t.status', '=', 'active')
    .orderBy('t.name');
}

/**
 * The login a link's token names (by the token's hash). On PostgreSQL, where every query is a round
 * trip, the lookups of the links redeemed in one turn of the event loop go in one query
 * (`token_hash = any($1)`, still by the unique index; db/prepared.ts lookupByKeys) — each still
 * reads its row as it is now. Built once per service: the compiled query is reused.
 */
export function createTokenLookup(db: Kysely<DB>): (tokenHash: string) => Promise<LoginRequest | undefined> {
  if (!isPostgres(db)) return (tokenHash) => loginRepo(db).byTokenHash(tokenHash);
  const compiled = db
    .selectFrom('login_requests')
    .selectAll()
    .where(sql<boolean>`token_hash = any(${[] as string[]}::text[])`)
    .compile();
  return lookupByKeys<LoginRequest>(db, compiled, (r) => r.token_hash);
}

// The parts of the consuming statements (`consumeStatement`, `consumeAndOpenStatement`), over the
// CTEs named `locked`, `consumed` and `shops`.
/** The identifier's pending logins, locked in id order: two links of one person redeemed at once queue up. */
const lockPending = (identifier: unknown) => sql`SELECT id FROM login_requests WHERE identifier = ${identifier} AND status = 'pending' ORDER BY id FOR UPDATE`;
/** This login, while it is still pending (locked) and unexpired: only one caller can consume it. */
const consumable = (id: unknown, now: unknown) => sql`id = ${id} AND id IN (SELECT id FROM locked) AND status = 'pending' AND expires_at > ${now}`;
/** Retires the identifier's other pending logins, once this one is consumed. */
const supersedeOthers = (id: unknown) => sql`UPDATE login_requests SET status = 'superseded' WHERE id IN (SELECT id FROM locked) AND id <> ${id} AND EXISTS (SELECT 1 FROM consumed) RETURNING id`;
/** Whether it was consumed, with the shops it may enter (by name) when it was. */
const consumedShops = sql`SELECT c.n AS consumed, s.* FROM (SELECT count(*)::int AS n FROM consumed) c LEFT JOIN shops s ON c.n = 1 ORDER BY s.tenant_name`;

type ConsumedRow = { consumed: number } & { [K in keyof LoginMatch]: LoginMatch[K] | null };

/**
 * Redeeming on PostgreSQL, one statement (loginRepo.consume): locks the identifier's pending logins
 * in id order, consumes this one, supersedes the others and reads the shops it may enter. Built
 * and compiled once per audience (db/prepared.ts).
 */
function consumeStatement(audience: LoginRequest['audience']) {
  return prepared<{ id: string; identifier: string; now: number }, ConsumedRow>(
    (db, v) => sql`
      WITH locked AS MATERIALIZED (${lockPending(v.identifier)}
      ), consumed AS (
        UPDATE login_requests SET status = 'consumed', consumed_at = ${v.now} WHERE ${consumable(v.id, v.now)} RETURNING id
      ), superseded AS (${supersedeOthers(v.id)}
      ), shops AS (${matchesQuery(db, { id: v.id, audience })})
      ${consumedShops}`, // superseded runs unread: every data-modifying WITH does
  );
}

const consumeOnPostgres = { client: consumeStatement('client'), staff: consumeStatement('staff'), support: consumeStatement('support') };

/** The shops a login may enter (`matchesQuery`), built and compiled once per audience (db/prepared.ts). */
const matchesOf = (audience: LoginRequest['audience']) => prepared<{ id: string }, LoginMatch>((db, v) => matchesQuery(db, { id: v.id, audience }));
const compiledMatches = { client: matchesOf('client'), staff: matchesOf('staff'), support: matchesOf('support') };

/**
 * Redeeming on SQLite (loginRepo.consume): consume this login while it is pending and unexpired,
 * supersede the identifier's other pending logins, then read its shops (`compiledMatches`). Built
 * and compiled once (db/prepared.ts): built by Kysely on every call they cost nearly three times
 * what SQLite spent running them (profiled under the peer harness's VERIFY: 18.6 % of the server's
 * CPU against 6.7 %).
 */
const consumeOnSqlite = {
  consume: prepared<{ id: string; now: number }, { id: string }>((db, v) =>
    db.updateTable('login_requests').set({ status: 'consumed', consumed_at: v.now }).where('id', '=', v.id).where('status', '=', 'pending').where('expires_at', '>', v.now).returning('id'),
  ),
  supersede: prepared<{ id: string; identifier: string }, never>((db, v) =>
    db.updateTable('login_requests').set({ status: 'superseded' }).where('identifier', '=', v.identifier).where('status', '=', 'pending').where('id', '!=', v.id),
  ),
};

/**
 * What redeeming a client's link writes beside consuming it, made ready before the statement that
 * writes it (`consumeAndOpen`): the session it opens when one shop matches, whose length the
 * statement reads from that shop; the picker's secret when several do; the audit events' text.
 */
export interface RedemptionWrites {
  session: { id: string; secretHash: string; userAgent: string | null; createdDataAround: readonly [string, string] };
  pick: { hash: string; expiresAt: number };
  /** The login.consumed event's data (one event per shop matched, or one of no shop). */
  consumedData: string;
  ip: string | null;
}

type RedemptionValues = { id: string; identifier: string; now: number; day: number; sessionId: string; secretHash: string; userAgent: string | null; before: string; after: string; pickHash: string; pickExpiresAt: number; consumedData: string; ip: string | null };

/**
 * Redeeming a client's link on PostgreSQL as one statement, with no transaction around it (one
 * statement is atomic): `consumeStatement`'s lock, consume and supersede, plus what `complete` in
 * login.service would write after it — the login.consumed events, and the session with its
 * session.created event when exactly one shop matches, or the picker's secret on the consumed row
 * when several do (set by the consuming UPDATE itself: one statement cannot update a row twice).
 * Nothing is written unless this call consumed the link. One round trip and one commit instead of
 * four round trips (BEGIN, consume, writes, COMMIT).
 */
const consumeAndOpenStatement = prepared<RedemptionValues, ConsumedRow>(
  (db, v) => sql`
    WITH locked AS MATERIALIZED (${lockPending(v.identifier)}
    ), shops AS MATERIALIZED (${matchesQuery(db, { id: v.id, audience: 'client' })}
    ), n AS (SELECT count(*)::int AS n FROM shops
    ), consumed AS (
      UPDATE login_requests SET status = 'consumed', consumed_at = ${v.now},
        pick_hash = CASE WHEN (SELECT n FROM n) > 1 THEN ${v.pickHash}::text END,
        pick_expires_at = CASE WHEN (SELECT n FROM n) > 1 THEN ${v.pickExpiresAt}::bigint END
      WHERE ${consumable(v.id, v.now)} RETURNING id
    ), superseded AS (${supersedeOthers(v.id)}
    ), opened AS (
      INSERT INTO sessions (id, tenant_id, client_id, secret_hash, kind, created_at, renewed_at, expires_at, ip, user_agent)
      SELECT ${v.sessionId}::text, s.tenant_id, s.principal_id, ${v.secretHash}::text, 'login', ${v.now}::bigint, ${v.now}::bigint,
        ${v.now}::bigint + s.session_days::bigint * ${v.day}::bigint, ${v.ip}::text, ${v.userAgent}::text
      FROM shops s WHERE (SELECT n FROM n) = 1 AND EXISTS (SELECT 1 FROM consumed)
      RETURNING id
    ), audited AS (
      INSERT INTO audit_events (tenant_id, client_id, actor, action, subject_id, data, ip, created_at)
      SELECT e.* FROM (
        SELECT s.tenant_id, s.principal_id AS client_id, 'client' AS actor, 'login.consumed' AS action, ${v.id}::text AS subject_id,
          ${v.consumedData}::text AS data, ${v.ip}::text AS ip, ${v.now}::bigint AS created_at FROM shops s
        UNION ALL
        SELECT NULL, NULL, 'client', 'login.consumed', ${v.id}::text, ${v.consumedData}::text, ${v.ip}::text, ${v.now}::bigint WHERE (SELECT n FROM n) = 0
        UNION ALL
        SELECT s.tenant_id, s.principal_id, 'client', 'session.created', ${v.sessionId}::text, ${v.before}::text || s.session_days || ${v.after}::text,
          ${v.ip}::text, ${v.now}::bigint FROM shops s WHERE (SELECT n FROM n) = 1
      ) e WHERE EXISTS (SELECT 1 FROM consumed)
      RETURNING id
    )
    ${consumedShops}`, // superseded, opened and audited run unread: every data-modifying WITH does
);

/** The shops a consuming statement read, or null when it did not consume (see consumeStatement). */
function consumedMatches(rows: ConsumedRow[]): LoginMatch[] | null {
  if (rows[0]?.consumed !== 1) return null;
  return rows.filter((r) => r.principal_id !== null).map(({ consumed: _, ...m }) => m as LoginMatch);
}

export function loginRepo(db: Kysely<DB>) {
  return {
    async insert(request: LoginRequest): Promise<void> {
      await db.insertInto('login_requests').values(request).execute();
    },

    byTokenHash(tokenHash: string) {
      return db.selectFrom('login_requests').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    },

    byId(id: string) {
      return db.selectFrom('login_requests').selectAll().where('id', '=', id).executeTakeFirst();
    },

    byIds(ids: readonly string[]) {
      if (ids.length === 0) return Promise.resolve([]);
      return db.selectFrom('login_requests').selectAll().where('id', 'in', ids).execute();
    },

    /** The shops this login may enter (`matchesQuery`, compiled once). */
    matches(request: Pick<LoginRequest, 'id' | 'audience'>): Promise<LoginMatch[]> {
      return compiledMatches[request.audience](db, { id: request.id });
    },

    /**
     * Atomic single use: moves a pending, unexpired request to consumed — only one caller can — and
     * retires every other outstanding link for the same email or phone; answers the shops the login
     * may enter (`matches`), or null when it was not consumed. The identifier's pending logins are
     * locked in id order first, so two links of one person redeemed at once queue up instead of
     * deadlocking. On PostgreSQL all of it is one statement (each statement is a round trip), the
     * matches read beside the updates; SQLite, with one writer, needs no lock.
     */
    async consume(request: Pick<LoginRequest, 'id' | 'identifier' | 'audience'>, now: number): Promise<LoginMatch[] | null> {
      if (isPostgres(db)) {
        const rows = await consumeOnPostgres[request.audience](db, { id: request.id, identifier: request.identifier, now });
        return consumedMatches(rows);
      }
      // SQLite: three statements in the caller's write transaction (one writer: nothing runs between them).
      if ((await consumeOnSqlite.consume(db, { id: request.id, now })).length !== 1) return null;
      await consumeOnSqlite.supersede(db, { id: request.id, identifier: request.identifier });
      return compiledMatches[request.audience](db, { id: request.id });
    },

    /**
     * `consume` for a client's login on PostgreSQL, writing in the same statement what redeeming
     * it leads to (`RedemptionWrites`): answers the shops matched, or null when not consumed.
     */
    async consumeAndOpen(request: Pick<LoginRequest, 'id' | 'identifier'>, now: number, w: RedemptionWrites): Promise<LoginMatch[] | null> {
      const [before, after] = w.session.createdDataAround;
      const rows = await consumeAndOpenStatement(db, {
        id: request.id,
        identifier: request.identifier,
        now,
        day: DAY,
        sessionId: w.session.id,
        secretHash: w.session.secretHash,
        userAgent: w.session.userAgent,
        before,
        after,
        pickHash: w.pick.hash,
        pickExpiresAt: w.pick.expiresAt,
        consumedData: w.consumedData,
        ip: w.ip,
      });
      return consumedMatches(rows);
    },

    /** Counts a wrong code atomically and locks the request at the limit. */
    async recordCodeFailure(id: string, maxAttempts: number) {
      return db
        .updateTable('login_requests')
        .set((eb) => ({
          code_attempts: eb('code_attempts', '+', 1),
          status: eb.case().when('code_attempts', '>=', maxAttempts - 1).then('locked' as LoginStatus).else(eb.ref('status')).end(),
        }))
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .returning(['code_attempts', 'status'])
        .executeTakeFirst();
    },

    /** The one "send me a new link" an expired or used link may ask for: atomic, once. */
    async markResent(id: string, now: number): Promise<boolean> {
      const r = await db.updateTable('login_requests').set({ resent_at: now }).where('id', '=', id).where('resent_at', 'is', null).executeTakeFirst();
      return r.numUpdatedRows === 1n;
    },

    async markOpened(id: string, now: number): Promise<void> {
      await db.updateTable('login_requests').set({ opened_at: now }).where('id', '=', id).where('opened_at', 'is', null).execute();
    },

    /** Atomic single use of the tenant picker. */
    async takePick(id: string, now: number): Promise<boolean> {
      const r = await db
        .updateTable('login_requests')
        .set({ picked_at: now })
        .where('id', '=', id)
        .where('picked_at', 'is', null)
        .where('pick_expires_at', '>', now)
        .executeTakeFirst();
      return r.numUpdatedRows === 1n;
    },
  };
}
