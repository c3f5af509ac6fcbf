// `npx servicio …` — the operator's tool. Every command prints a sentence for people, or JSON
// with --json for scripts. Exit codes: 0 ok, 2 bad input (fix and retry), 1 anything else —
// except client import: 0 all imported, 2 some rows refused (the rest imported), 1 nothing could be.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config.ts';
import { openDatabase } from './db/database.ts';
import { migrateToLatest } from './db/migrate.ts';
import { AppError } from './lib/app-error.ts';
import { isLocale, LOCALES, type Locale } from './lib/i18n.ts';
import { redactSecrets } from './lib/redact.ts';
import { seedDemo, seedDemoContent } from './modules/demo/seed.ts';
import { resolveAppSecret } from './secret.ts';
import { compose, type System } from './compose.ts';
import { auditRepo } from './modules/audit/audit.repo.ts';
import { ImportStopped, type ImportSummary } from './modules/clients/import.service.ts';
import type { ImportFormat } from './modules/clients/import.reader.ts';
import { duration, progressBar, type ProgressStream } from './lib/progress.ts';

const USAGE = `Usage: servicio <command> [options]

Commands:
  migrate                                   apply database migrations
  seed                                      add the demo shops and clients (only into an empty store)
  tenant create --name N --slug S [--color #hex] [--logo https://…] [--session-days D] [--phone P] [--email E] [--address "line 1\\nline 2"]
  tenant contact <slug> [--phone P] [--email E] [--address "line 1\\nline 2"]   how clients reach the shop ("" clears one)
  tenant list
  tenant session-days <slug> <days>         set the shop's session length (applies to existing sessions)
  tenant logo <slug> <https://…>            fetch, check and keep the shop's logo (PNG, JPEG, GIF, WebP; ≤ 256 KB)
  tenant disable <slug> | tenant enable <slug>   a disabled shop's clients cannot sign in; links and sessions stop
  client add --tenant SLUG --name N [--email E] [--phone P] [--external-id X] [--locale en|es]
  client update --tenant SLUG <id|email|phone> [--name N] [--email E] [--phone P] [--status active|disabled] [--locale en|es|""]
  client list --tenant SLUG
  client import --tenant SLUG FILE [--format csv|jsonl]   add and update clients from a CSV (header: externalId,name,email,phone,locale)
                                            or JSON-lines file (- reads standard input); idempotent on externalId. Exit 0: all
                                            imported; 2: some rows refused (the rest imported); 1: nothing could be imported
  client messages --tenant SLUG <id|email|phone>   what happened to the client's login messages
  staff add --tenant SLUG --email E --name N [--role owner|staff]   a staff account (signs in at /shop/sign-in)
  staff list --tenant SLUG
  staff disable --tenant SLUG <id|email>    ends the member's sessions at once
  staff reset-second-factor --tenant SLUG <id|email>   a lost authenticator: they set it up again
  support add --email E --name N            a Servicio support agent (signs in at /support/sign-in, TOTP always)
  support list
  support disable <id|email>                ends the agent's sessions at once
  support reset-second-factor <id|email>    a lost authenticator: they set it up again
  support audit [--limit N]                 the operator audit of support: agent, IP, browser, what and why
  apikey create --tenant SLUG --name N      a key for the integration API (shown once)
  apikey list --tenant SLUG
  apikey revoke --tenant SLUG <id>
  worker                                    run the delivery worker on its own (no web server)

Options:
  --json      print machine-readable JSON
  --help      show this help`;

class UsageError extends Error {}

// The standalone worker's log: one JSON line per event, scrubbed like the web process's.
const line = (level: string, o: unknown, m?: string) =>
  redactSecrets(JSON.stringify({ level, time: new Date().toISOString(), msg: m ?? '', ...(o instanceof Error ? { err: o.message } : (o as object)) }, (_k, v: unknown) => (v instanceof Error ? { message: v.message, stack: v.stack } : v)));
const consoleLog = {
  info: (o: unknown, m?: string) => console.log(line('info', o, m)),
  warn: (o: unknown, m?: string) => console.warn(line('warn', o, m)),
  error: (o: unknown, m?: string) => console.error(line('error', o, m)),
} as unknown as Pick<import('fastify').FastifyBaseLogger, 'info' | 'warn' | 'error'>;

const options = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  name: { type: 'string' },
  slug: { type: 'string' },
  color: { type: 'string' },
  logo: { type: 'string' },
  'session-days': { type: 'string' },
  tenant: { type: 'string' },
  email: { type: 'string' },
  phone: { type: 'string' },
  'external-id': { type: 'string' },
  status: { type: 'string' },
  role: { type: 'string' },
  limit: { type: 'string' },
  locale: { type: 'string' },
  address: { type: 'string' },
  format: { type: 'string' },
} as const;

/** What the CLI reads besides its arguments: standard input (client import -) and where progress is drawn. */
export interface CliIo {
  stdin?: AsyncIterable<string | Uint8Array>;
  /** Progress bars are drawn here, only when it is a terminal (isTTY). */
  progress?: ProgressStream;
}

/** A problem that stops `client import` before (or while) it imports: exit code 1. */
class ImportFatal extends Error {}

/** The import's format: --format, else the file's extension, else (standard input) its first character. */
function importFormat(file: string, option: string | undefined): ImportFormat | 'sniff' {
  if (option !== undefined) {
    if (option === 'csv') return 'csv';
    if (option === 'jsonl' || option === 'ndjson') return 'jsonl';
    throw new ImportFatal(`--format must be csv or jsonl.`);
  }
  if (file === '-') return 'sniff';
  const ext = extname(file).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  throw new ImportFatal(`Cannot tell the format of ${file} from its name: add --format csv or --format jsonl.`);
}

/** Standard input of unknown format: JSON lines when its first character (after a BOM, spaces) is "{", else CSV. */
async function sniffed(input: AsyncIterable<string | Uint8Array>): Promise<{ format: ImportFormat; source: AsyncIterable<string | Uint8Array> }> {
  const it = input[Symbol.asyncIterator]();
  const head: (string | Uint8Array)[] = [];
  let format: ImportFormat | undefined;
  while (!format) {
    const r = await it.next();
    if (r.done) break;
    head.push(r.value);
    const text = typeof r.value === 'string' ? r.value : Buffer.from(r.value).toString('utf8');
    const first = text.replace(/^[\uFEFF\s]+/, '')[0];
    if (first) format = first === '{' ? 'jsonl' : 'csv';
  }
  async function* source() {
    yield* head;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  }
  return { format: format ?? 'csv', source: source() };
}

/** Lines in a file (for the progress bar's total): a quick count of line feeds. */
async function linesIn(file: string): Promise<number> {
  let lines = 0;
  let last = 10;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
    if (chunk.length) last = chunk[chunk.length - 1]!;
  }
  return lines + (last === 10 ? 0 : 1);
}

const count = (x: number) => x.toLocaleString('en-US');
/** At most this many refused lines are printed for people (--json lists every one). */
const REFUSED_SHOWN = 1000;

/** An address typed on one command line: "4100 Burnet Rd\nAustin, TX" (a literal \n) is two lines. */
const addressLines = (v: string) => v.replace(/\\n/g, '\n');

export async function runCli(argv: string[], out = console.log, err = console.error, io: CliIo = {}): Promise<number> {
  let json = argv.includes('--json');
  // client import answers 1 for anything that stops it (2 means: some rows refused, the rest in).
  let importing = argv.includes('client') && argv.includes('import');
  try {
    const { values: v, positionals: pos } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    json = !!v.json;
    if (v.help || pos.length === 0) {
      out(USAGE);
      return pos.length === 0 && !v.help ? 2 : 0;
    }
    const config = loadConfig();
    const [cmd, sub, ...rest] = pos;
    importing = cmd === 'client' && sub === 'import';
    const print = (human: string, data: unknown) => out(json ? JSON.stringify(data, null, 2) : human);
    if (cmd === 'migrate') {
      const db = await openDatabase(config.database);
      try {
        const applied = await migrateToLatest(db, config.database.kind === 'postgres' ? config.database.schema : undefined);
        print(applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date.', { applied });
        return 0;
      } finally {
        await db.destroy();
      }
    }
    // The same wiring as the web process (compose.ts): the same store, Redis and limits.
    const system: System = await compose({ ...config, appSecret: resolveAppSecret(config) }, { log: consoleLog, longLived: cmd === 'worker' });
    const { services: svc } = system;
    try {
      const need = (value: string | undefined, flag: string) => {
        if (!value) throw new UsageError(`Missing --${flag}.`);
        return value;
      };
      const tenantOf = async () => svc.tenants.resolve(need(v.tenant, 'tenant'));
      const localeOption = (value: string): Locale => {
        if (!isLocale(value)) throw new UsageError(`--locale must be one of ${LOCALES.join(', ')} (the client's preferred language).`);
        return value;
      };

      switch (`${cmd} ${sub ?? ''}`.trim()) {
        case 'seed': {
          if ((await svc.tenants.count()) > 0) {
            print('The store already has shops; demo data was not added.', { seeded: false });
            return 0;
          }
          const r = await seedDemo(svc);
          const content = await seedDemoContent(svc, r.tenants, new Date(), config);
          print(
            `Added demo shops: ${r.tenants.map((t) => t.name).join(', ')}.${content.invoiceEmailQueued ? '' : ' A real email or SMS provider is configured, so no demo message was queued.'}`,
            { seeded: true, tenants: r.tenants.map((t) => t.slug), invoiceEmailQueued: content.invoiceEmailQueued },
          );
          return 0;
        }
        case 'tenant create': {
          const t = await svc.tenants.create({
            name: need(v.name, 'name'),
            slug: need(v.slug, 'slug'),
            ...(v.color ? { brandColor: v.color } : {}),
            ...(v.logo ? { logoUrl: v.logo } : {}),
            ...(v['session-days'] ? { sessionDays: Number(v['session-days']) } : {}),
            ...(v.phone ? { contactPhone: v.phone } : {}),
            ...(v.email ? { contactEmail: v.email } : {}),
            ...(v.address ? { address: addressLines(v.address) } : {}),
          });
          print(`Created shop "${t.name}" (${t.slug}, id ${t.id}).`, t);
          return 0;
        }
        case 'tenant contact': {
          const slug = rest[0];
          if (!slug || (v.phone === undefined && v.email === undefined && v.address === undefined)) {
            throw new UsageError('Usage: servicio tenant contact <slug> [--phone P] [--email E] [--address "line 1\\nline 2"] (give at least one; "" clears it)');
          }
          const t = await svc.tenants.resolve(slug);
          const u = await svc.tenants.setContact(t.id, {
            ...(v.phone !== undefined ? { contactPhone: v.phone } : {}),
            ...(v.email !== undefined ? { contactEmail: v.email } : {}),
            ...(v.address !== undefined ? { address: addressLines(v.address) } : {}),
          });
          const contact = { slug: u.slug, contactPhone: u.contact_phone, contactEmail: u.contact_email, address: u.address };
          const human = [`${u.name}'s contact details:`, `  phone:   ${u.contact_phone ?? '(none)'}`, `  email:   ${u.contact_email ?? '(none)'}`, `  address: ${u.address ? u.address.split('\n').join('\n           ') : '(none)'}`].join('\n');
          print(human, contact);
          return 0;
        }
        case 'tenant list': {
          const list = await svc.tenants.list();
          print(list.map((t) => `${t.slug}\t${t.name}\t${t.session_days} days\t${t.status}`).join('\n') || 'No shops yet.', list);
          return 0;
        }
        case 'tenant session-days': {
          const [slug, days] = rest;
          if (!slug || !days) throw new UsageError('Usage: servicio tenant session-days <slug> <days>');
          const t = await svc.tenants.resolve(slug);
          await svc.tenants.setSessionDays(t.id, Number(days));
          print(`Sessions at ${t.name} now last at most ${Number(days)} days.`, { slug: t.slug, sessionDays: Number(days) });
          return 0;
        }
        case 'tenant logo': {
          const [slug, url] = rest;
          if (!slug || !url) throw new UsageError('Usage: servicio tenant logo <slug> <https://…/logo.png>');
          const t = await svc.tenants.resolve(slug);
          await svc.tenants.setLogo(t.id, url);
          print(`${t.name}'s logo is saved; pages and emails serve it from this server.`, { slug: t.slug, logo: url });
          return 0;
        }
        case 'tenant disable':
        case 'tenant enable': {
          const slug = rest[0];
          if (!slug) throw new UsageError(`Usage: servicio tenant ${sub} <slug>`);
          const t = await svc.tenants.resolve(slug);
          await svc.tenants.setStatus(t.id, sub === 'disable' ? 'disabled' : 'active');
          print(`${t.name} is now ${sub === 'disable' ? 'disabled' : 'active'}.`, { slug: t.slug, status: sub === 'disable' ? 'disabled' : 'active' });
          return 0;
        }
        case 'client add': {
          const t = await tenantOf();
          const c = await svc.clients.add(t.id, {
            name: need(v.name, 'name'),
            ...(v.email ? { email: v.email } : {}),
            ...(v.phone ? { phone: v.phone } : {}),
            ...(v['external-id'] ? { externalId: v['external-id'] } : {}),
            ...(v.locale ? { locale: localeOption(v.locale) } : {}),
          });
          print(`Added ${c.name} to ${t.name} (id ${c.id}).`, c);
          return 0;
        }
        case 'client update': {
          const t = await tenantOf();
          const ref = rest[0];
          if (!ref) throw new UsageError('Name the client to update by id, email or phone.');
          if (v.status && v.status !== 'active' && v.status !== 'disabled') throw new UsageError('--status must be active or disabled.');
          const current = await svc.clients.resolve(t.id, ref);
          const c = await svc.clients.update(t.id, current.id, {
            ...(v.name !== undefined ? { name: v.name } : {}),
            ...(v.email !== undefined ? { email: v.email } : {}),
            ...(v.phone !== undefined ? { phone: v.phone } : {}),
            ...(v.status ? { status: v.status as 'active' | 'disabled' } : {}),
            ...(v.locale !== undefined ? { locale: v.locale === '' ? null : localeOption(v.locale) } : {}),
          });
          print(`Updated ${c.name} at ${t.name}.`, c);
          return 0;
        }
        case 'client list': {
          const t = await tenantOf();
          const list = await svc.clients.list(t.id);
          print(list.map((c) => `${c.id}\t${c.name}\t${c.email ?? '-'}\t${c.phone ?? '-'}\t${c.status}`).join('\n') || 'No clients yet.', list);
          return 0;
        }
        case 'client import': {
          const file = rest[0];
          if (!file || rest.length > 1) throw new UsageError('Usage: servicio client import --tenant SLUG FILE [--format csv|jsonl] (FILE: .csv, .jsonl or .ndjson; - reads standard input)');
          const t = await tenantOf();
          let format = importFormat(file, v.format);
          let source: AsyncIterable<string | Uint8Array>;
          let total: number | undefined;
          const screen = io.progress ?? process.stderr;
          if (file === '-') {
            if (!io.stdin && process.stdin.isTTY) throw new ImportFatal('Standard input is a terminal: name the file, or pipe it in (servicio client import --tenant SLUG - < clients.csv).');
            source = io.stdin ?? process.stdin;
            if (format === 'sniff') ({ format, source } = await sniffed(source));
          } else {
            // A file, or a pipe (<(gunzip -c clients.csv.gz)); not a folder.
            const st = await stat(file).catch((e: NodeJS.ErrnoException) => {
              throw new ImportFatal(`Cannot read ${file}: ${e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.message}.`);
            });
            if (st.isDirectory()) throw new ImportFatal(`Cannot read ${file}: it is a folder.`);
            if (screen.isTTY && st.isFile()) total = Math.max(0, (await linesIn(file)) - (format === 'csv' ? 1 : 0));
            source = createReadStream(file);
          }
          const bar = screen.isTTY ? progressBar(screen, { total }) : undefined;
          let r: ImportSummary;
          let rowsDone = 0;
          try {
            r = await svc.clientImport.run(t.id, source, {
              format: format as ImportFormat,
              onProgress: (p) => bar?.update((rowsDone = p.rows)),
            });
          } finally {
            bar?.finish(rowsDone);
          }
          if (json) {
            out(JSON.stringify(r, null, 2));
          } else {
            if (r.refused.length) {
              err(`Refused ${count(r.refused.length)} row${r.refused.length === 1 ? '' : 's'} (these lines were not imported):`);
              for (const x of r.refused.slice(0, REFUSED_SHOWN)) err(`  line ${x.line}: ${x.reason}`);
              if (r.refused.length > REFUSED_SHOWN) err(`  … and ${count(r.refused.length - REFUSED_SHOWN)} more (--json lists every one).`);
            }
            const rows = r.created + r.updated + r.unchanged + r.refused.length;
            out(
              `${t.name}: created ${count(r.created)}, updated ${count(r.updated)}, unchanged ${count(r.unchanged)}, refused ${count(r.refused.length)}` +
                ` — ${count(rows)} row${rows === 1 ? '' : 's'} in ${r.seconds < 60 ? `${r.seconds.toFixed(1)}s` : duration(r.seconds)} (${count(r.rowsPerSecond)} rows/s).` +
                (r.created + r.updated === 0 && rows > 0 ? ' Nothing changed.' : ''),
            );
          }
          return r.refused.length ? 2 : 0;
        }
        case 'client messages': {
          const t = await tenantOf();
          const ref = rest[0];
          if (!ref) throw new UsageError('Name the client by id, email or phone.');
          const c = await svc.clients.resolve(t.id, ref);
          const list = await svc.history.forClient(t.id, c.id);
          const when = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
          const human = list
            .map((m) =>
              [
                `${when(m.createdAt)}  ${m.channel.toUpperCase()} to ${m.to}  ${m.status}${m.deliveryStatus ? ` → ${m.deliveryStatus}` : ''}${m.reason ? `: ${m.reason}` : ''}`,
                ...m.events.map((e) => `    ${when(e.at)}  ${e.kind}${e.detail ? `  ${e.detail}` : ''}`),
              ].join('\n'),
            )
            .join('\n');
          print(human || `No messages for ${c.name} yet.`, list);
          return 0;
        }
        case 'staff add': {
          const t = await tenantOf();
          if (v.role && v.role !== 'owner' && v.role !== 'staff') throw new UsageError('--role must be owner or staff.');
          const s = await svc.staff.add(t.id, { name: need(v.name, 'name'), email: need(v.email, 'email'), role: (v.role as 'owner' | 'staff' | undefined) ?? 'staff' });
          print(`Added ${s.name} (${s.role}) to ${t.name}; they sign in at ${config.publicUrl}/shop/sign-in with ${s.email}.`, s);
          return 0;
        }
        case 'staff list': {
          const t = await tenantOf();
          const list = await svc.staff.list(t.id);
          print(list.map((s) => `${s.id}\t${s.name}\t${s.email}\t${s.role}\t${s.status}`).join('\n') || 'No staff yet.', list);
          return 0;
        }
        case 'staff disable': {
          const t = await tenantOf();
          const ref = rest[0];
          if (!ref) throw new UsageError('Name the staff member by id or email.');
          const s = await svc.staff.resolve(t.id, ref);
          await svc.staff.update(t.id, s.id, { status: 'disabled' }, { actor: 'operator' });
          print(`${s.name} is disabled at ${t.name}; their sessions have ended.`, { id: s.id, status: 'disabled' });
          return 0;
        }
        case 'staff reset-second-factor': {
          const t = await tenantOf();
          const ref = rest[0];
          if (!ref) throw new UsageError('Name the staff member by id or email.');
          const s = await svc.staff.resolve(t.id, ref);
          await svc.staff.resetSecondFactor(t.id, s.id);
          print(`${s.name}'s second factor is cleared and their sessions ended; they set it up again at their next sign-in.`, { id: s.id });
          return 0;
        }
        case 'support add': {
          const a = await svc.support.add({ name: need(v.name, 'name'), email: need(v.email, 'email') });
          print(`Added ${a.name} to Servicio support; they sign in at ${config.publicUrl}/support/sign-in with ${a.email} and set up an authenticator app on first sign-in.`, { id: a.id, name: a.name, email: a.email, status: a.status });
          return 0;
        }
        case 'support list': {
          const list = (await svc.support.list()).map((a) => ({ id: a.id, name: a.name, email: a.email, status: a.status, secondFactor: a.totp_enabled_at !== null, lastSignInAt: a.last_sign_in_at }));
          print(list.map((a) => `${a.id}\t${a.name}\t${a.email}\t${a.status}\t${a.secondFactor ? 'authenticator on' : 'no authenticator yet'}`).join('\n') || 'No support agents yet.', list);
          return 0;
        }
        case 'support disable': {
          const ref = rest[0];
          if (!ref) throw new UsageError('Name the support agent by id or email.');
          const r = await svc.support.disable(ref);
          print(`${r.agent.name} is disabled; ${r.sessionsEnded} open session${r.sessionsEnded === 1 ? '' : 's'} ended.`, { id: r.agent.id, status: 'disabled', sessionsEnded: r.sessionsEnded });
          return 0;
        }
        case 'support reset-second-factor': {
          if (!rest[0]) throw new UsageError('Name the support agent by id or email.');
          const a = await svc.support.resetSecondFactor(rest[0]);
          print(`${a.name}'s second factor is cleared and their sessions ended; they set it up again at their next sign-in.`, { id: a.id });
          return 0;
        }
        case 'support audit': {
          const limit = Math.max(1, Math.min(1000, Number.parseInt(v.limit ?? '50', 10) || 50));
          const rows = (await auditRepo(system.db).operatorEvents(limit, 'support.')).map((r): Record<string, unknown> => ({ at: new Date(Number(r.created_at)).toISOString(), action: r.action, ip: r.ip, ...(JSON.parse(r.data) as Record<string, unknown>) }));
          print(rows.map((r) => [r.at, r.action, r.by ?? r.name ?? '', r.agent ?? '', r.ip ?? '', r.userAgent ?? ''].map(String).join('\t')).join('\n') || 'No support events yet.', rows);
          return 0;
        }
        case 'apikey create': {
          const t = await tenantOf();
          const k = await svc.apiKeys.create(t.id, need(v.name, 'name'));
          print(`API key for ${t.name} (shown once — store it now):\n${k.key}`, { id: k.id, key: k.key, tenant: t.slug });
          return 0;
        }
        case 'apikey list': {
          const t = await tenantOf();
          const list = await svc.apiKeys.list(t.id);
          print(list.map((k) => `${k.id}\t${k.name}\t${k.revoked_at ? 'revoked' : 'active'}`).join('\n') || 'No API keys yet.', list);
          return 0;
        }
        case 'apikey revoke': {
          const t = await tenantOf();
          const id = rest[0];
          if (!id) throw new UsageError('Name the key to revoke by its id (see apikey list).');
          await svc.apiKeys.revoke(t.id, id);
          print(`Revoked API key ${id}.`, { revoked: id });
          return 0;
        }
        case 'worker': {
          const worker = system.worker;
          worker.start();
          out('Delivery worker running. Ctrl-C to stop.');
          // The worker's poll timer does not hold the process open (it must not keep a web server
          // from exiting); on its own, this does — until SIGINT or SIGTERM.
          const alive = setInterval(() => {}, 1 << 30);
          await new Promise<void>((resolve) => {
            const stop = () => void worker.stop().then(resolve);
            process.once('SIGINT', stop);
            process.once('SIGTERM', stop);
          });
          clearInterval(alive);
          return 0;
        }
        default:
          throw new UsageError(`Unknown command "${pos.join(' ')}".\n\n${USAGE}`);
      }
    } finally {
      await system.close();
    }
  } catch (e) {
    const report = (code: string, message: string, field?: string) =>
      err(json ? JSON.stringify({ error: { code, message, ...(field ? { field } : {}) } }) : `Error: ${message}`);
    if (e instanceof ImportStopped) {
      const p = e.partial;
      const done = `created ${count(p.created)}, updated ${count(p.updated)}, unchanged ${count(p.unchanged)}, refused ${count(p.refused.length)}`;
      err(json ? JSON.stringify({ error: { code: 'IMPORT_STOPPED', message: e.message, partial: p } }) : `Error: the import stopped: ${e.message}\nImported before it stopped: ${done}.`);
      return 1;
    }
    if (importing && (e instanceof AppError || e instanceof UsageError || e instanceof ImportFatal || e instanceof ConfigError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))) {
      const code = e instanceof AppError ? e.code : e instanceof ImportFatal ? 'IMPORT_FILE' : e instanceof ConfigError ? 'CONFIG' : 'USAGE';
      return report(code, (e as Error).message, e instanceof AppError ? e.field : undefined), 1;
    }
    if (e instanceof AppError) return report(e.code, e.message, e.field), 2;
    if (e instanceof ConfigError) return report('CONFIG', e.message), 2;
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) return report('USAGE', (e as Error).message), 2;
    report('FAILED', e instanceof Error ? e.message : String(e));
    return 1;
  }
}
