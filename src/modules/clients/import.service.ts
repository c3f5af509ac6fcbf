// Bulk import of a shop's clients (`servicio client import`): a CSV or JSON-lines file, idempotent
// on the external id — a new one creates a client, a known one updates it when something differs,
// the same file again changes nothing. Every row passes the rules of clients.add/update (the same
// schema and contact normalisation); a row that fails is refused with its line and a reason, and
// the rest is imported.
//
// Speed: rows are taken in chunks (5,000 by default). A chunk's existing clients and contact
// holders are read with three IN queries, then its new clients are inserted and its changed ones
// updated with multi-row statements, in one transaction with one `client.imported` audit event
// (counts only, no contact details).
import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../../db/dialect.ts';
import type { CountryCode } from 'libphonenumber-js';
import type { DB } from '../../db/schema.ts';
import { retryOnUniqueViolation } from '../../db/errors.ts';
import { AppError } from '../../lib/app-error.ts';
import type { Clock } from '../../lib/clock.ts';
import type { Locale } from '../../lib/i18n.ts';
import { newId } from '../../lib/ids.ts';
import { parse } from '../../lib/validate.ts';
import { auditRepo } from '../audit/audit.repo.ts';
import { sessionsRepo } from '../sessions/sessions.repo.ts';
import { clientErrors } from './clients.errors.ts';
import { clientsRepo, type Client, type ClientImportUpdate } from './clients.repo.ts';
import { clientInput, normaliseContact } from './clients.service.ts';
import { readImportRows, type ImportFormat, type ImportSource, type ImportValues } from './import.reader.ts';

export interface ImportRefusal {
  line: number;
  reason: string;
}
export interface ImportSummary {
  created: number;
  updated: number;
  unchanged: number;
  refused: ImportRefusal[];
  seconds: number;
  rowsPerSecond: number;
}
export interface ImportProgress {
  /** Rows read and settled so far (imported, unchanged or refused). */
  rows: number;
  /** Bytes of the file read so far. */
  bytes: number;
}
export interface ImportOptions {
  format: ImportFormat;
  /** Called after each chunk. */
  onProgress?: (p: ImportProgress) => void;
}

/** The import stopped part-way (the store failed): the chunks before it are in, this says how many. */
export class ImportStopped extends Error {
  constructor(
    cause: unknown,
    readonly partial: Omit<ImportSummary, 'seconds' | 'rowsPerSecond'>,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'ImportStopped';
  }
}

/** A row that passed the rules: undefined email/phone/locale = the file says nothing about it. */
interface Candidate {
  line: number;
  externalId: string;
  name: string;
  email: string | null | undefined;
  phone: string | null | undefined;
  locale: Locale | undefined;
}

interface ChunkOutcome {
  created: number;
  updated: number;
  unchanged: number;
  refused: ImportRefusal[];
  /** Clients whose contact details changed: their link sessions ended, cached checks to drop. */
  contactsChanged: number;
}

const CONTACT_KINDS = ['email', 'phone'] as const;

/** An import that creates at least this many clients refreshes PostgreSQL's statistics of them. */
export const ANALYZE_AFTER_ROWS = 5000;

export function createClientImport(deps: { db: Kysely<DB>; clock: Clock; defaultRegion: CountryCode; onAuthChange?: () => void; chunkRows?: number }) {
  const { db, clock } = deps;
  const chunkRows = deps.chunkRows ?? 5000;

  /** The rules of clients.add/update on one row's values, or the reason it is refused. */
  function check(line: number, values: ImportValues): Candidate | string {
    for (const [k, v] of Object.entries(values)) {
      if (v.includes('\uFFFD')) return `${k}: has bytes that are not UTF-8 text (save the file as “CSV UTF-8”)`;
    }
    const externalId = values.externalId?.trim() ?? '';
    if (!externalId) return 'externalId: is required (the import finds each client by it)';
    const locale = values.locale?.trim();
    try {
      const v = parse(clientInput, {
        name: values.name ?? '',
        externalId,
        ...(values.email !== undefined ? { email: values.email } : {}),
        ...(values.phone !== undefined ? { phone: values.phone } : {}),
        ...(locale ? { locale } : {}),
      });
      let c: { email: string | null; phone: string | null };
      try {
        c = normaliseContact(v.email, v.phone, deps.defaultRegion);
      } catch (e) {
        if (e instanceof AppError) return `${e.code === 'INVALID_PHONE' ? 'phone' : 'email'}: ${e.message}`;
        throw e;
      }
      return {
        line,
        externalId: v.externalId!,
        name: v.name,
        email: v.email === undefined ? undefined : c.email,
        phone: v.phone === undefined ? undefined : c.phone,
        locale: v.locale ?? undefined,
      };
    } catch (e) {
      if (e instanceof AppError) return e.message;
      throw e;
    }
  }

  /** One chunk against the store, in one transaction. Pure: run again from scratch after a conflict. */
  async function applyChunk(trx: Kysely<DB>, tenantId: string, candidates: Candidate[], context: { refusedBefore: number; lines: [number, number] }): Promise<ChunkOutcome> {
    const repo = clientsRepo(trx);
    const out: ChunkOutcome = { created: 0, updated: 0, unchanged: 0, refused: [], contactsChanged: 0 };
    const existing = new Map<string, Client>();
    for (const c of await repo.byExternalIds(tenantId, candidates.map((c) => c.externalId))) existing.set(c.external_id!, c);
    // What each client would hold: a detail the file does not give stays as it is.
    const final = candidates.map((cand) => {
      const current = existing.get(cand.externalId);
      return {
        cand,
        current,
        email: cand.email === undefined ? (current?.email ?? null) : cand.email,
        phone: cand.phone === undefined ? (current?.phone ?? null) : cand.phone,
        locale: cand.locale ?? current?.locale ?? null,
      };
    });
    const holders = { email: new Map<string, { id: string; name: string }>(), phone: new Map<string, { id: string; name: string }>() };
    for (const kind of CONTACT_KINDS) {
      const values = [...new Set(final.map((f) => f[kind]).filter((v): v is string => !!v))];
      for (const h of await repo.byContacts(tenantId, kind, values)) holders[kind].set(h[kind]!, h);
    }
    const now = clock.now();
    const inserts: Client[] = [];
    const updates: { bump: ClientImportUpdate[]; keep: ClientImportUpdate[] } = { bump: [], keep: [] };
    for (const f of final) {
      const { cand, current } = f;
      if (!f.email && !f.phone) {
        out.refused.push({ line: cand.line, reason: clientErrors.CONTACT_REQUIRED().message });
        continue;
      }
      const taken = CONTACT_KINDS.find((kind) => {
        const h = f[kind] ? holders[kind].get(f[kind]) : undefined;
        return h && h.id !== current?.id;
      });
      if (taken) {
        out.refused.push({ line: cand.line, reason: `${taken}: ${clientErrors.CONTACT_TAKEN(holders[taken].get(f[taken]!)!.name, taken).message}` });
        continue;
      }
      if (!current) {
        inserts.push({ id: newId(), tenant_id: tenantId, external_id: cand.externalId, name: cand.name, email: f.email, phone: f.phone, locale: f.locale, status: 'active', link_version: 1, created_at: now, updated_at: now });
        continue;
      }
      if (current.name === cand.name && current.email === f.email && current.phone === f.phone && current.locale === f.locale) {
        out.unchanged++;
        continue;
      }
      const contactChanged = current.email !== f.email || current.phone !== f.phone;
      (contactChanged ? updates.bump : updates.keep).push({ id: current.id, name: cand.name, email: f.email, phone: f.phone, locale: f.locale });
    }
    out.created = inserts.length;
    out.updated = updates.bump.length + updates.keep.length;
    out.contactsChanged = updates.bump.length;
    if (out.created + out.updated === 0) return out;
    await repo.insertMany(inserts);
    // As clients.update: changed contact details end the signed links (link_version) and the
    // sessions opened from them; a new name or language does neither.
    await repo.updateMany(tenantId, updates.bump, { bumpLinkVersion: true, now });
    await repo.updateMany(tenantId, updates.keep, { bumpLinkVersion: false, now });
    const linkSessionsEnded = updates.bump.length ? await sessionsRepo(trx).revokeLinkSessionsOf(tenantId, updates.bump.map((u) => u.id), now) : 0;
    await auditRepo(trx).record({
      tenantId,
      actor: 'operator',
      action: 'client.imported',
      data: {
        created: out.created,
        updated: out.updated,
        unchanged: out.unchanged,
        refused: context.refusedBefore + out.refused.length,
        lines: `${context.lines[0]}–${context.lines[1]}`,
        ...(linkSessionsEnded ? { linkSessionsEnded } : {}),
      },
      at: now,
    });
    return out;
  }

  return {
    /**
     * Imports one shop's clients from `source` (the file's bytes or text). Resolves with what
     * happened; throws AppError IMPORT_FILE when the file cannot be read as a whole (nothing
     * imported), ImportStopped when the store failed part-way (earlier chunks are in).
     */
    async run(tenantId: string, source: ImportSource, o: ImportOptions): Promise<ImportSummary> {
      const started = performance.now();
      const total = { created: 0, updated: 0, unchanged: 0, refused: [] as ImportRefusal[] };
      let rows = 0;
      let bytes = 0;
      let contactsChanged = 0;
      // Within the file: the first line that named each external id, email and phone.
      const seen = { externalId: new Map<string, number>(), email: new Map<string, number>(), phone: new Map<string, number>() };
      let chunk: Candidate[] = [];
      let chunkRefused: ImportRefusal[] = [];
      let chunkFirst = 0;
      let chunkLast = 0;

      const flush = async () => {
        if (chunk.length > 0) {
          const candidates = chunk;
          const context = { refusedBefore: chunkRefused.length, lines: [chunkFirst, chunkLast] as [number, number] };
          // A parallel writer took an external id or contact between our reads and writes: read again.
          const r = await retryOnUniqueViolation(() => db.transaction().execute((trx) => applyChunk(trx, tenantId, candidates, context)));
          total.created += r.created;
          total.updated += r.updated;
          total.unchanged += r.unchanged;
          contactsChanged += r.contactsChanged;
          chunkRefused.push(...r.refused);
        }
        total.refused.push(...chunkRefused.sort((a, b) => a.line - b.line));
        chunk = [];
        chunkRefused = [];
        chunkFirst = 0;
        o.onProgress?.({ rows, bytes });
      };

      try {
        for await (const row of readImportRows(source, o.format, (n) => (bytes += n))) {
          rows++;
          if (!chunkFirst) chunkFirst = row.line;
          chunkLast = row.line;
          const c = 'error' in row ? row.error : check(row.line, row.values);
          if (typeof c === 'string') {
            chunkRefused.push({ line: row.line, reason: c });
          } else {
            const dup = (['externalId', 'email', 'phone'] as const).find((k) => c[k] && seen[k].has(c[k]));
            if (dup) {
              const why = dup === 'externalId' ? 'each client once per file' : 'two clients of a shop cannot share one';
              chunkRefused.push({ line: row.line, reason: `${dup}: the same ${dup} as line ${seen[dup].get(c[dup]!)} (${why})` });
            } else {
              for (const k of ['externalId', 'email', 'phone'] as const) if (c[k]) seen[k].set(c[k], row.line);
              chunk.push(c);
            }
          }
          if (chunk.length + chunkRefused.length >= chunkRows) await flush();
        }
        await flush();
      } catch (err) {
        // A file unreadable from the start imported nothing; anything later stops with what is in.
        if (err instanceof AppError && err.code === 'IMPORT_FILE') throw err;
        throw new ImportStopped(err, total);
      } finally {
        // Cached session checks may now be stale (a contact change ended link sessions).
        if (contactsChanged > 0) deps.onAuthChange?.();
      }
      // A shop moving in can grow the clients table many times over in seconds. PostgreSQL plans
      // from its statistics, which its autovacuum refreshes only later (or never, where it is off):
      // until then the sign-in lookup can be planned as if the table were still small (measured:
      // 535 ms instead of 0.1 ms with a million clients). So a big import refreshes them itself.
      if (total.created >= ANALYZE_AFTER_ROWS && isPostgres(db)) await sql`ANALYZE clients, tenants`.execute(db);
      const seconds = (performance.now() - started) / 1000;
      return { ...total, seconds: Math.round(seconds * 1000) / 1000, rowsPerSecond: seconds > 0 ? Math.round(rows / seconds) : rows };
    },
  };
}
export type ClientImport = ReturnType<typeof createClientImport>;
