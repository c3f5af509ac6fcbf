// `servicio client import`: a shop's clients from a CSV or JSON-lines file, idempotent on the
// external id, every row under the rules of clients.add/update, bad rows refused by line.
import { execFile } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../src/cli.ts';
import { loadConfig } from '../../src/config.ts';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { systemClock } from '../../src/lib/clock.ts';
import { createClientImport, ImportStopped } from '../../src/modules/clients/import.service.ts';
import { storeKind, testEnv } from '../helpers/harness.ts';

const { env, schema, dir } = testEnv();
const saved = { ...process.env };
let db: Database;

/** Progress goes nowhere unless a test asks for it (a terminal would get a bar). */
const noTerminal = { isTTY: false, write: () => true };

async function cli(args: string[], io: CliIo = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, (s) => out.push(s), (s) => err.push(s), { progress: noTerminal, ...io });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

let seq = 0;
/** A file of this test's own in the test's directory. */
function file(name: string, content: string) {
  const folder = join(dir, `f${++seq}`);
  mkdirSync(folder, { recursive: true });
  const path = join(folder, name);
  writeFileSync(path, content);
  return path;
}

async function newShop(name = 'Sunny Pest Control') {
  const slug = `import-${process.pid}-${++seq}`;
  const res = await cli(['tenant', 'create', '--name', name, '--slug', slug, '--json']);
  expect(res.code).toBe(0);
  return { slug, id: JSON.parse(res.out).id as string };
}

/** The shop's clients by external id, as stored. */
async function clientsOf(tenantId: string) {
  const rows = await db.selectFrom('clients').select(['id', 'external_id', 'name', 'email', 'phone', 'locale', 'status', 'link_version', 'updated_at']).where('tenant_id', '=', tenantId).orderBy('external_id').execute();
  return Object.fromEntries(rows.map((r) => [r.external_id ?? r.id, r]));
}

async function importEvents(tenantId: string) {
  const rows = await db.selectFrom('audit_events').select(['actor', 'client_id', 'data']).where('tenant_id', '=', tenantId).where('action', '=', 'client.imported').orderBy('id').execute();
  return rows.map((r) => ({ ...r, data: JSON.parse(r.data) as Record<string, unknown> }));
}

/** Row counts of the whole store: proof that nothing was written. */
async function footprint() {
  const n = async (table: 'clients' | 'audit_events' | 'sessions') => Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  return { clients: await n('clients'), audit: await n('audit_events'), sessions: await n('sessions') };
}

const HEADER = 'externalId,name,email,phone,locale';

beforeAll(async () => {
  Object.assign(process.env, env);
  expect((await cli(['migrate'])).code).toBe(0);
  db = await openDatabase(loadConfig(env).database);
});
afterAll(async () => {
  if (storeKind === 'postgres') await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(db);
  await db.destroy();
  process.env = saved;
});

describe(`servicio client import (${storeKind})`, () => {
  it('creates clients, normalised like client add; the same file again changes nothing; a changed file updates only what changed', async () => {
    const shop = await newShop();
    const csv = file('clients.csv', [HEADER, 'C-1,Lee Park, Lee@Example.COM ,(512) 555-0101,es', 'C-2,Ana Ruiz,ana@example.com,,', 'C-3,Sam Carter,,+1 512 555 0103,en', ''].join('\n'));

    const first = await cli(['client', 'import', '--tenant', shop.slug, csv, '--json']);
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.out);
    expect(Object.keys(summary).sort()).toEqual(['created', 'refused', 'rowsPerSecond', 'seconds', 'unchanged', 'updated']);
    expect(summary).toMatchObject({ created: 3, updated: 0, unchanged: 0, refused: [] });
    expect(summary.seconds).toBeTypeOf('number');
    expect(summary.rowsPerSecond).toBeTypeOf('number');
    let clients = await clientsOf(shop.id);
    expect(clients['C-1']).toMatchObject({ name: 'Lee Park', email: 'lee@example.com', phone: '+15125550101', locale: 'es', status: 'active', link_version: 1 });
    expect(clients['C-2']).toMatchObject({ email: 'ana@example.com', phone: null, locale: null });
    expect(clients['C-3']).toMatchObject({ email: null, phone: '+15125550103', locale: 'en' });
    // One audit event for the chunk, with counts and no contact details.
    const events = await importEvents(shop.id);
    expect(events).toEqual([{ actor: 'operator', client_id: null, data: { created: 3, updated: 0, unchanged: 0, refused: 0, lines: '2–4' } }]);
    expect(JSON.stringify(events)).not.toMatch(/@|\+1512/);

    const before = await footprint();
    const again = await cli(['client', 'import', '--tenant', shop.slug, csv]);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/^Sunny Pest Control: created 0, updated 0, unchanged 3, refused 0 — 3 rows in \d+\.\ds \([\d,]+ rows\/s\)\. Nothing changed\.$/);
    expect(await footprint()).toEqual(before); // not even an audit event
    expect(await clientsOf(shop.id)).toEqual(clients);

    // A new name (C-2), a new email (C-1: a contact change), the language left out (C-3 keeps "en").
    const changed = file('clients.csv', [HEADER, 'C-1,Lee Park,lee.park@example.com,(512) 555-0101,es', 'C-2,Ana María Ruiz,ana@example.com,,', 'C-3,Sam Carter,,+1 512 555 0103,', 'C-4,New Person,new@example.com,,'].join('\n'));
    const update = await cli(['client', 'import', '--tenant', shop.slug, changed, '--json']);
    expect(update.code).toBe(0);
    expect(JSON.parse(update.out)).toMatchObject({ created: 1, updated: 2, unchanged: 1, refused: [] });
    const after = await clientsOf(shop.id);
    expect(after['C-1']).toMatchObject({ id: clients['C-1']!.id, email: 'lee.park@example.com', link_version: 2 }); // old email links stop working
    expect(after['C-2']).toMatchObject({ id: clients['C-2']!.id, name: 'Ana María Ruiz', link_version: 1 }); // a name is no contact
    expect(after['C-3']).toEqual(clients['C-3']); // untouched, its language kept
    expect(after['C-4']).toMatchObject({ name: 'New Person', email: 'new@example.com' });
    expect((await importEvents(shop.id)).map((e) => e.data)).toEqual([
      { created: 3, updated: 0, unchanged: 0, refused: 0, lines: '2–4' },
      { created: 1, updated: 2, unchanged: 1, refused: 0, lines: '2–5' },
    ]);

    // A file without a phone column leaves the phones as they are; an empty email cell clears it.
    clients = await clientsOf(shop.id);
    const noPhone = file('names.csv', ['externalId,name,email', 'C-1,Lee Park,', 'C-3,Sam J. Carter,'].join('\n'));
    expect(JSON.parse((await cli(['client', 'import', '--tenant', shop.slug, noPhone, '--json'])).out)).toMatchObject({ created: 0, updated: 2, unchanged: 0, refused: [] });
    const last = await clientsOf(shop.id);
    expect(last['C-1']).toMatchObject({ email: null, phone: '+15125550101', link_version: 3 });
    expect(last['C-3']).toMatchObject({ name: 'Sam J. Carter', email: null, phone: '+15125550103', link_version: 1 });
  });

  it('refuses bad rows by their exact line with a plain reason, imports the rest, and writes nothing for the refused', async () => {
    const shop = await newShop();
    const taken = await cli(['client', 'add', '--tenant', shop.slug, '--name', 'Already Here', '--email', `here.${shop.slug}@example.com`, '--phone', '(512) 555-0150']);
    expect(taken.code).toBe(0);
    const lines = [
      HEADER, //                                                   1
      'G-1,Good One,good1@example.com,,', //                        2
      ',No External Id,noid@example.com,,', //                     3
      'B-1,,noname@example.com,,', //                               4
      'B-2,No Contact,,,', //                                       5
      'B-3,Bad Email,someone@nowhere,,', //                         6
      'B-4,Bad Phone,,12345,', //                                   7
      'B-5,Bad Locale,b5@example.com,,fr', //                      8
      'B-6,Stray "Quote",b6@example.com,,', //                     9
      'B-7,Too,many,values,here,x', //                              10
      `B-8,Taken Email,HERE.${shop.slug.toUpperCase()}@example.com,,`, // 11
      'B-9,Taken Phone,,+1 512 555 0150,', //                      12
      '"B-10","Two', //                                             13
      'Lines",b10@example.com,,', //                                14 (one record, refused by the name rule)
      'G-2,"Good, Two",good2@example.com,(512) 555-0102,es', //   15
    ];
    const csv = file('mixed.csv', lines.join('\r\n') + '\r\n');
    const before = await footprint();
    const res = await cli(['client', 'import', '--tenant', shop.slug, csv, '--json']);
    expect(res.code).toBe(2);
    const { refused, created, updated, unchanged } = JSON.parse(res.out);
    expect({ created, updated, unchanged }).toEqual({ created: 2, updated: 0, unchanged: 0 });
    expect(refused).toEqual([
      { line: 3, reason: 'externalId: is required (the import finds each client by it)' },
      { line: 4, reason: 'name: is required' },
      { line: 5, reason: 'A client needs an email or a mobile number to sign in.' },
      { line: 6, reason: 'email: That email address doesn’t look complete. Check it has a name, an “@” and a domain, like jo@example.com.' },
      { line: 7, reason: 'phone: That phone number doesn’t look right. Include the area code, like (555) 201-0142, or start with + and the country code.' },
      { line: 8, reason: 'locale: must be one of "en", "es" (the client’s preferred language)' },
      { line: 9, reason: 'a quote inside a value that does not start with one (put the whole value in quotes and write the quote twice: "")' },
      { line: 10, reason: 'has 6 values where the header has 5 columns (a value with a comma in it goes in "quotes")' },
      { line: 11, reason: 'email: Another client of this shop (Already Here) already has this email.' },
      { line: 12, reason: 'phone: Another client of this shop (Already Here) already has this phone.' },
      { line: 13, reason: 'name: must not contain line breaks or control characters' },
    ]);
    const clients = await clientsOf(shop.id);
    expect(Object.keys(clients).sort()).toEqual(['G-1', 'G-2', (await db.selectFrom('clients').select('id').where('tenant_id', '=', shop.id).where('external_id', 'is', null).executeTakeFirstOrThrow()).id].sort());
    expect(clients['G-2']).toMatchObject({ name: 'Good, Two', phone: '+15125550102', locale: 'es' });
    // The client that was already there is as it was; two clients and one audit event were added, nothing else.
    expect(await footprint()).toEqual({ ...before, clients: before.clients + 2, audit: before.audit + 1 });
    expect((await importEvents(shop.id)).map((e) => e.data)).toEqual([{ created: 2, updated: 0, unchanged: 0, refused: 11, lines: '2–15' }]);

    // For people: every refused line on stderr, the counts on stdout.
    const again = await cli(['client', 'import', '--tenant', shop.slug, csv]);
    expect(again.code).toBe(2);
    expect(again.out).toMatch(/^Sunny Pest Control: created 0, updated 0, unchanged 2, refused 11 — 13 rows in/);
    expect(again.err.split('\n')[0]).toBe('Refused 11 rows (these lines were not imported):');
    expect(again.err).toContain('  line 6: email: That email address doesn’t look complete.');
    expect(again.err).toContain('  line 13: name: must not contain line breaks');
  });

  it('refuses duplicates within the file — external id, email, phone in any format — after their first line', async () => {
    const shop = await newShop();
    const csv = file('dups.csv', [
      HEADER,
      'D-1,First,same@example.com,(512) 555-0111,',
      'D-2,Second,SAME@example.com,,',
      'D-3,Third,third@example.com,+1 512-555-0111,',
      'D-1,First Again,again@example.com,,',
      'D-4,Fourth,fourth@example.com,,',
    ].join('\n'));
    const res = await cli(['client', 'import', '--tenant', shop.slug, csv, '--json']);
    expect(res.code).toBe(2);
    expect(JSON.parse(res.out)).toMatchObject({
      created: 2,
      refused: [
        { line: 3, reason: 'email: the same email as line 2 (two clients of a shop cannot share one)' },
        { line: 4, reason: 'phone: the same phone as line 2 (two clients of a shop cannot share one)' },
        { line: 5, reason: 'externalId: the same externalId as line 2 (each client once per file)' },
      ],
    });
    const clients = await clientsOf(shop.id);
    expect(Object.keys(clients)).toEqual(['D-1', 'D-4']);
    expect(clients['D-1']).toMatchObject({ name: 'First', email: 'same@example.com', phone: '+15125550111' });
    expect(await db.selectFrom('clients').select('id').where('email', 'in', ['third@example.com', 'again@example.com']).execute()).toEqual([]);
  });

  it('reads quoted CSV fields (commas, doubled quotes), a BOM, CRLF and other spellings of the header', async () => {
    const shop = await newShop();
    const csv = file('excel.csv', '\uFEFFExternal ID,Name,E-mail,Phone\r\n"Q-1","Park, Lee","lee@example.com",""\r\nQ-2,"Ana ""Annie"" Ruiz",ana@example.com,"(512) 555-0120"\r\n,,,\r\n');
    const res = await cli(['client', 'import', '--tenant', shop.slug, csv, '--json']);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.out)).toMatchObject({ created: 2, refused: [] });
    const clients = await clientsOf(shop.id);
    expect(clients['Q-1']).toMatchObject({ name: 'Park, Lee', email: 'lee@example.com', phone: null });
    expect(clients['Q-2']).toMatchObject({ name: 'Ana "Annie" Ruiz', phone: '+15125550120' });
  });

  it('reads JSON lines (.jsonl and .ndjson), with nulls, blank lines and bad lines refused by number', async () => {
    const shop = await newShop();
    const jsonl = file('clients.jsonl', [
      '{"externalId": "J-1", "name": "Lucía Hernández", "email": "lucia@example.com", "phone": null, "locale": "es"}',
      '',
      '{"externalId": "J-2", "name": "Sam Carter", "phone": "+1 512 555 0142"}',
      '{"externalId": "J-3", "name": "Broken", ',
      '["J-4", "Not an object"]',
      '{"externalId": "J-5", "name": "Typo", "emial": "typo@example.com"}',
      '{"externalId": "J-6", "name": {"first": "Lee"}, "email": "lee@example.com"}',
      '{"externalId": 7, "name": "Numbered", "email": "seven@example.com"}',
    ].join('\n'));
    const res = await cli(['client', 'import', '--tenant', shop.slug, jsonl, '--json']);
    expect(res.code).toBe(2);
    const summary = JSON.parse(res.out);
    expect(summary).toMatchObject({ created: 3, updated: 0, unchanged: 0 });
    expect(summary.refused.map((r: { line: number }) => r.line)).toEqual([4, 5, 6, 7]);
    expect(summary.refused[0].reason).toMatch(/^is not valid JSON/);
    expect(summary.refused[1].reason).toMatch(/^is not a JSON object/);
    expect(summary.refused[2].reason).toBe('has an unknown field "emial"; the fields are externalId, name, email, phone, locale');
    expect(summary.refused[3].reason).toBe('name: must be text');
    const clients = await clientsOf(shop.id);
    expect(Object.keys(clients)).toEqual(['7', 'J-1', 'J-2']);
    expect(clients['J-1']).toMatchObject({ name: 'Lucía Hernández', locale: 'es', phone: null });
    expect(clients['J-2']).toMatchObject({ email: null, phone: '+15125550142' });
    // .ndjson is the same format; --format overrides the name.
    const nd = file('clients.ndjson', '{"externalId":"J-1","name":"Lucía Hernández","email":"lucia@example.com","locale":"es"}\n');
    expect(JSON.parse((await cli(['client', 'import', '--tenant', shop.slug, nd, '--json'])).out)).toMatchObject({ unchanged: 1 });
    const txt = file('clients.txt', '{"externalId":"J-2","name":"Sam Carter","phone":"(512) 555-0142"}\n');
    expect(JSON.parse((await cli(['client', 'import', '--tenant', shop.slug, txt, '--format', 'jsonl', '--json'])).out)).toMatchObject({ unchanged: 1 });
  });

  it('reads standard input with -: CSV or JSON lines told apart by the first character, or --format', async () => {
    const shop = await newShop();
    const stdin = (text: string) => ({ stdin: Readable.from([Buffer.from(text.slice(0, 10)), Buffer.from(text.slice(10))]) });
    const csv = await cli(['client', 'import', '--tenant', shop.slug, '-', '--json'], stdin(`${HEADER}\nS-1,Stdin Csv,csv@example.com,,\n`));
    expect(csv.code).toBe(0);
    expect(JSON.parse(csv.out)).toMatchObject({ created: 1 });
    const jsonl = await cli(['client', 'import', '--tenant', shop.slug, '-', '--json'], stdin('\n  {"externalId":"S-2","name":"Stdin Json","email":"json@example.com"}\n'));
    expect(JSON.parse(jsonl.out)).toMatchObject({ created: 1, refused: [] });
    const forced = await cli(['client', 'import', '--tenant', shop.slug, '-', '--format', 'csv', '--json'], stdin(`${HEADER}\nS-3,Forced,forced@example.com,,\n`));
    expect(JSON.parse(forced.out)).toMatchObject({ created: 1 });
    expect(Object.keys(await clientsOf(shop.id))).toEqual(['S-1', 'S-2', 'S-3']);

    // And through the real binary's standard input, exit code 2 for a refused row.
    const run = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = execFile(process.execPath, ['bin/servicio.js', 'client', 'import', '--tenant', shop.slug, '-', '--json'], { env: { ...process.env, ...env } }, (error, stdout) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout }),
      );
      child.stdin!.end(`${HEADER}\nS-4,Piped,piped@example.com,,\nS-5,,nameless@example.com,,\n`);
    });
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout)).toMatchObject({ created: 1, refused: [{ line: 3, reason: 'name: is required' }] });
    expect(Object.keys(await clientsOf(shop.id))).toEqual(['S-1', 'S-2', 'S-3', 'S-4']);
  });

  it('exits 1 and writes nothing when it cannot import at all: unknown shop, unreadable file, bad header, unknown format', async () => {
    const shop = await newShop();
    const good = file('good.csv', `${HEADER}\nX-1,Never,never@example.com,,\n`);
    const before = await footprint();
    const unknown = await cli(['client', 'import', '--tenant', 'no-such-shop', good]);
    expect(unknown).toMatchObject({ code: 1, err: 'Error: No shop with the slug or id "no-such-shop".' });
    const unknownJson = await cli(['client', 'import', '--tenant', 'no-such-shop', good, '--json']);
    expect(unknownJson.code).toBe(1);
    expect(JSON.parse(unknownJson.err).error).toMatchObject({ code: 'TENANT_NOT_FOUND' });
    expect(unknownJson.out).toBe('');

    const missing = await cli(['client', 'import', '--tenant', shop.slug, join(dir, 'nope.csv')]);
    expect(missing).toMatchObject({ code: 1, err: `Error: Cannot read ${join(dir, 'nope.csv')}: no such file.` });
    expect((await cli(['client', 'import', '--tenant', shop.slug, dir, '--format', 'csv'])).err).toBe(`Error: Cannot read ${dir}: it is a folder.`);
    const header = await cli(['client', 'import', '--tenant', shop.slug, file('typo.csv', 'externalId,name,emial\nX-1,Never,never@example.com\n')]);
    expect(header).toMatchObject({ code: 1, err: 'Error: Unknown column "emial" in the header row (line 1); the columns are externalId, name, email, phone, locale.' });
    expect((await cli(['client', 'import', '--tenant', shop.slug, file('nocontact.csv', 'externalId,name\nX-1,Never\n')])).err).toContain('neither an email nor a phone column');
    expect((await cli(['client', 'import', '--tenant', shop.slug, file('empty.csv', '')])).err).toContain('The file is empty');
    const format = await cli(['client', 'import', '--tenant', shop.slug, file('clients.xlsx', 'x')]);
    expect(format).toMatchObject({ code: 1 });
    expect(format.err).toContain('add --format csv or --format jsonl');
    expect((await cli(['client', 'import', '--tenant', shop.slug, good, '--format', 'xml'])).code).toBe(1);
    expect((await cli(['client', 'import', good])).err).toBe('Error: Missing --tenant.');
    expect((await cli(['client', 'import', '--tenant', shop.slug])).code).toBe(1);
    expect((await cli(['client', 'import', '--tenant', shop.slug, good, '--colour', 'x'])).code).toBe(1);
    expect(await footprint()).toEqual(before);
    expect(await clientsOf(shop.id)).toEqual({});
  });

  it('keeps shops apart: the same external id and email in two shops are two clients', async () => {
    const a = await newShop('Shop A');
    const b = await newShop('Shop B');
    const csv = (name: string) => file('shared.csv', `${HEADER}\nSAME-1,${name},shared@example.com,(512) 555-0130,\n`);
    expect((await cli(['client', 'import', '--tenant', a.slug, csv('In A')])).code).toBe(0);
    const inA = await clientsOf(a.id);
    expect(JSON.parse((await cli(['client', 'import', '--tenant', b.slug, csv('In B'), '--json'])).out)).toMatchObject({ created: 1, updated: 0 });
    const inB = await clientsOf(b.id);
    expect(inB['SAME-1']).toMatchObject({ name: 'In B', email: 'shared@example.com', phone: '+15125550130' });
    expect(inB['SAME-1']!.id).not.toBe(inA['SAME-1']!.id);
    // Importing B again with another name changes B only.
    expect(JSON.parse((await cli(['client', 'import', '--tenant', b.slug, csv('Renamed B'), '--json'])).out)).toMatchObject({ updated: 1 });
    expect(await clientsOf(a.id)).toEqual(inA);
    expect(await importEvents(a.id)).toHaveLength(1);
  });

  it('draws a progress bar only on a terminal', async () => {
    const shop = await newShop();
    const csv = file('bar.csv', `${HEADER}\nP-1,Progress,progress@example.com,,\n`);
    const drawn: string[] = [];
    const res = await cli(['client', 'import', '--tenant', shop.slug, csv, '--json'], { progress: { isTTY: true, columns: 80, write: (s) => drawn.push(s) } });
    expect(res.code).toBe(0);
    expect(JSON.parse(res.out)).toMatchObject({ created: 1 }); // stdout stays JSON
    expect(drawn.join('')).toMatch(/\r\[█+\] 1\/1 rows {2}[\d,]+ rows\/s {2}ETA 0s\x1b\[K\n$/);
  });

  it('imports thousands of rows in chunks: multi-row statements within the parameter limits, one audit event per chunk', async () => {
    const shop = await newShop();
    const n = 7000;
    const rows = Array.from({ length: n }, (_, i) => `K-${i},Client ${i},k${i}@example.com,,${i % 2 ? 'es' : ''}`);
    const csv = file('many.csv', [HEADER, ...rows].join('\n'));
    expect(JSON.parse((await cli(['client', 'import', '--tenant', shop.slug, csv, '--json'])).out)).toMatchObject({ created: n, refused: [] });
    expect((await importEvents(shop.id)).map((e) => e.data)).toEqual([
      { created: 5000, updated: 0, unchanged: 0, refused: 0, lines: '2–5001' },
      { created: 2000, updated: 0, unchanged: 0, refused: 0, lines: '5002–7001' },
    ]);
    if (storeKind === 'postgres') {
      // A big import refreshes PostgreSQL's statistics of the table (its planner would otherwise
      // plan the sign-in lookup for a table of the size it last saw; pg_class.reltuples is written
      // only by ANALYZE or VACUUM, and autovacuum is off on this store).
      const r = await sql<{ n: number }>`SELECT c.reltuples AS n FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = ${schema} AND c.relname = 'clients'`.execute(db);
      expect(Number(r.rows[0]!.n)).toBeGreaterThanOrEqual(n);
    }
    const renamed = file('many.csv', [HEADER, ...rows.map((r) => r.replace(/^(K-\d+),Client/, '$1,Renamed'))].join('\n'));
    expect(JSON.parse((await cli(['client', 'import', '--tenant', shop.slug, renamed, '--json'])).out)).toMatchObject({ created: 0, updated: n, unchanged: 0 });
    const clients = await clientsOf(shop.id);
    expect(Object.keys(clients)).toHaveLength(n);
    expect(clients['K-6999']).toMatchObject({ name: 'Renamed 6999', email: 'k6999@example.com', locale: 'es', link_version: 1 });
  });

  it('keeps the file’s rules across chunk boundaries (the service with small chunks)', async () => {
    const shop = await newShop();
    const service = createClientImport({ db, clock: systemClock, defaultRegion: 'US', chunkRows: 2 });
    const text = [HEADER, 'M-1,One,one@example.com,,', 'M-2,Two,two@example.com,,', 'M-3,Three,ONE@example.com,,', 'M-1,One Again,x@example.com,,', 'M-4,Four,four@example.com,,'].join('\n');
    const progress: number[] = [];
    const r = await service.run(shop.id, [text], { format: 'csv', onProgress: (p) => progress.push(p.rows) });
    expect(r).toMatchObject({
      created: 3,
      refused: [
        { line: 4, reason: 'email: the same email as line 2 (two clients of a shop cannot share one)' },
        { line: 5, reason: 'externalId: the same externalId as line 2 (each client once per file)' },
      ],
    });
    expect(progress).toEqual([2, 4, 5]);
    expect((await importEvents(shop.id)).map((e) => e.data)).toEqual([
      { created: 2, updated: 0, unchanged: 0, refused: 0, lines: '2–3' },
      // Lines 4 and 5 were a chunk of refusals only: nothing written, nothing audited.
      { created: 1, updated: 0, unchanged: 0, refused: 0, lines: '6–6' },
    ]);
    expect(Object.keys(await clientsOf(shop.id))).toEqual(['M-1', 'M-2', 'M-4']);
  });

  it('a store failure part-way stops the import: earlier chunks stay in, the failed chunk leaves nothing, and it says what got in', async () => {
    const shop = await newShop();
    let inserts = 0;
    // The second chunk's INSERT fails, as a full disk would.
    const failing = db.withPlugin({
      transformQuery: ({ node }) => {
        if (node.kind === 'InsertQueryNode' && (node as { into?: { table?: { identifier?: { name?: string } } } }).into?.table?.identifier?.name === 'clients' && ++inserts === 2) throw new Error('disk full');
        return node;
      },
      transformResult: async ({ result }) => result,
    });
    const service = createClientImport({ db: failing, clock: systemClock, defaultRegion: 'US', chunkRows: 2 });
    const text = [HEADER, 'F-1,One,f1@example.com,,', ',No Id,x@example.com,,', 'F-2,Two,f2@example.com,,', 'F-3,Three,f3@example.com,,', 'F-4,Four,f4@example.com,,'].join('\n');
    const err = await service.run(shop.id, [text], { format: 'csv' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportStopped);
    expect((err as ImportStopped).message).toBe('disk full');
    expect((err as ImportStopped).partial).toEqual({ created: 1, updated: 0, unchanged: 0, refused: [{ line: 3, reason: 'externalId: is required (the import finds each client by it)' }] });
    expect(Object.keys(await clientsOf(shop.id))).toEqual(['F-1']);
    expect((await importEvents(shop.id)).map((e) => e.data)).toEqual([{ created: 1, updated: 0, unchanged: 0, refused: 1, lines: '2–3' }]);
  });
});
