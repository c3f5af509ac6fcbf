// The operator CLI, in-process for speed and once as the real `servicio` binary.
import { execFile, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.ts';
import { loadConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db/database.ts';
import { devOutboxRepo } from '../../src/modules/delivery/dev-outbox.repo.ts';
import { compose } from '../../src/compose.ts';
import { storeKind, testEnv } from '../helpers/harness.ts';

const { env, schema } = testEnv();
const saved = { ...process.env };

async function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, (s) => out.push(s), (s) => err.push(s));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

beforeAll(() => Object.assign(process.env, env));
afterAll(async () => {
  if (storeKind === 'postgres') {
    const db = await openDatabase(loadConfig(env).database);
    await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(db);
    await db.destroy();
  }
  process.env = saved;
});

let seq = 0;
/** A shop of this test's own, made with the CLI: its slug. */
async function newShop(name = 'Sunny Pest Control') {
  const slug = `sunny-${process.pid}-${++seq}`;
  const res = await cli('tenant', 'create', '--name', name, '--slug', slug, '--json');
  expect(res.code).toBe(0);
  return slug;
}
/** A client of that shop, made with the CLI, with an email of its own. */
async function newClient(slug: string) {
  const email = `lee.${slug}@example.com`;
  const res = await cli('client', 'add', '--tenant', slug, '--name', 'Lee Park', '--email', email, '--json');
  expect(res.code).toBe(0);
  return { email, id: JSON.parse(res.out).id as string };
}

describe(`servicio CLI (${storeKind})`, () => {
  it('migrates, and says so again without harm', async () => {
    expect((await cli('migrate')).out).toMatch(/Applied: 0001-initial|up to date/);
    const again = await cli('migrate', '--json');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.out)).toEqual({ applied: [] });
  });

  it('creates a shop and refuses a duplicate slug with exit code 2', async () => {
    const slug = `sunny-pest-${process.pid}`;
    const ok = await cli('tenant', 'create', '--name', 'Sunny Pest Control', '--slug', slug, '--color', '#B45309', '--json');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({ slug, brand_color: '#b45309', session_days: 30 });
    const dup = await cli('tenant', 'create', '--name', 'Other', '--slug', slug);
    expect(dup.code).toBe(2);
    expect(dup.err).toBe(`Error: A shop with the slug "${slug}" already exists; choose another.`);
    const bad = await cli('tenant', 'create', '--name', 'Bad', '--slug', 'Not A Slug', '--json');
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.err).error).toMatchObject({ code: 'INVALID_INPUT', field: 'slug' });
  });

  it('sets a shop’s logo from a URL, checked, and explains a bad one with exit code 2', async () => {
    const png = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(64, 1)]);
    const server = createServer((req, res) => (req.url === '/logo.png' ? res.writeHead(200).end(png) : res.writeHead(404).end()));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const slug = await newShop();
      const ok = await cli('tenant', 'logo', slug, `${base}/logo.png`, '--json');
      expect(ok.code).toBe(0);
      const list = JSON.parse((await cli('tenant', 'list', '--json')).out) as { slug: string; logo_hash: string | null }[];
      expect(list.find((t) => t.slug === slug)!.logo_hash).toMatch(/^[0-9a-f]{16}$/);
      const missing = await cli('tenant', 'logo', slug, `${base}/nope.png`);
      expect(missing.code).toBe(2);
      expect(missing.err).toMatch(/could not be fetched \(HTTP 404\)/);
    } finally {
      server.close();
    }
  });

  it('adds and updates clients with normalised contact details and clear errors', async () => {
    const slug = await newShop();
    const add = await cli('client', 'add', '--tenant', slug, '--name', 'Lee Park', '--email', ' Lee@Example.COM', '--phone', '(512) 555-0199', '--json');
    expect(add.code).toBe(0);
    const client = JSON.parse(add.out);
    expect(client).toMatchObject({ email: 'lee@example.com', phone: '+15125550199', link_version: 1 });

    const badEmail = await cli('client', 'add', '--tenant', slug, '--name', 'X', '--email', 'x@nowhere');
    expect(badEmail.code).toBe(2);
    expect(badEmail.err).toContain('doesn’t look complete');
    const none = await cli('client', 'add', '--tenant', slug, '--name', 'Nobody');
    expect(none.err).toContain('needs an email or a mobile number');
    const taken = await cli('client', 'add', '--tenant', slug, '--name', 'Twin', '--email', 'lee@example.com');
    expect(taken.err).toContain('already has this email');

    const upd = await cli('client', 'update', '--tenant', slug, 'lee@example.com', '--phone', '+1 512 555 0198', '--json');
    expect(JSON.parse(upd.out)).toMatchObject({ phone: '+15125550198', link_version: 2 });
    const renamed = await cli('client', 'update', '--tenant', slug, client.id, '--name', 'Lee J. Park', '--json');
    expect(JSON.parse(renamed.out)).toMatchObject({ name: 'Lee J. Park', link_version: 2 });
    const list = await cli('client', 'list', '--tenant', slug);
    expect(list.out).toContain('Lee J. Park\tlee@example.com\t+15125550198\tactive');
  });

  it('keeps a client’s preferred language, and names the allowed ones for anything else', async () => {
    const slug = await newShop();
    const add = await cli('client', 'add', '--tenant', slug, '--name', 'Lucía Hernández', '--email', `lucia.${slug}@example.com`, '--locale', 'es', '--json');
    expect(add.code).toBe(0);
    expect(JSON.parse(add.out)).toMatchObject({ locale: 'es', link_version: 1 });
    const en = await cli('client', 'update', '--tenant', slug, `lucia.${slug}@example.com`, '--locale', 'en', '--json');
    expect(JSON.parse(en.out)).toMatchObject({ locale: 'en', link_version: 1 }); // not a contact change
    const bad = await cli('client', 'update', '--tenant', slug, `lucia.${slug}@example.com`, '--locale', 'fr');
    expect(bad.code).toBe(2);
    expect(bad.err).toBe("Error: --locale must be one of en, es (the client's preferred language).");
    const badAdd = await cli('client', 'add', '--tenant', slug, '--name', 'X', '--email', `x.${slug}@example.com`, '--locale', 'de');
    expect(badAdd.code).toBe(2);
    expect(JSON.parse((await cli('client', 'list', '--tenant', slug, '--json')).out)).toHaveLength(1);
    const cleared = await cli('client', 'update', '--tenant', slug, `lucia.${slug}@example.com`, '--locale', '', '--json');
    expect(JSON.parse(cleared.out).locale).toBeNull();
  });

  it('sets a shop’s contact details on create and with tenant contact, normalised, with clear errors', async () => {
    const slug = `contact-${process.pid}`;
    const created = await cli('tenant', 'create', '--name', 'Sunny Pest Control', '--slug', slug, '--phone', '(512) 555-0123', '--email', 'Hello@SunnyPest.example', '--address', '12 Oak St\\nAustin, TX 78701', '--json');
    expect(created.code).toBe(0);
    expect(JSON.parse(created.out)).toMatchObject({ contact_phone: '+15125550123', contact_email: 'hello@sunnypest.example', address: '12 Oak St\nAustin, TX 78701' });

    const set = await cli('tenant', 'contact', slug, '--phone', '+1 512 555 0124', '--email', '');
    expect(set.code).toBe(0);
    expect(set.out).toBe(['Sunny Pest Control\'s contact details:', '  phone:   +15125550124', '  email:   (none)', '  address: 12 Oak St', '           Austin, TX 78701'].join('\n'));
    const json = await cli('tenant', 'contact', slug, '--address', 'PO Box 7\\nAustin, TX 78701', '--json');
    expect(JSON.parse(json.out)).toEqual({ slug, contactPhone: '+15125550124', contactEmail: null, address: 'PO Box 7\nAustin, TX 78701' });

    const bad = await cli('tenant', 'contact', slug, '--phone', '12', '--json');
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.err).error).toMatchObject({ code: 'INVALID_CONTACT_PHONE', field: 'contactPhone' });
    const long = await cli('tenant', 'contact', slug, '--address', 'a\\nb\\nc\\nd\\ne');
    expect(long.err).toBe('Error: The address has 5 lines; use at most 4 (street, suite, city and postcode…).');
    expect((await cli('tenant', 'contact', slug)).code).toBe(2);
    const badCreate = await cli('tenant', 'create', '--name', 'X', '--slug', `bad-contact-${process.pid}`, '--email', 'hello@nowhere');
    expect(badCreate.code).toBe(2);
    expect(badCreate.err).toContain('The shop’s email address doesn’t look complete');
    const list = JSON.parse((await cli('tenant', 'list', '--json')).out) as { slug: string; contact_phone: string }[];
    expect(list.find((t) => t.slug === slug)!.contact_phone).toBe('+15125550124');
    expect(list.some((t) => t.slug === `bad-contact-${process.pid}`)).toBe(false);
  });

  it('sets a shop session length and rejects nonsense', async () => {
    const slug = await newShop();
    expect((await cli('tenant', 'session-days', slug, '7')).out).toBe('Sessions at Sunny Pest Control now last at most 7 days.');
    const bad = await cli('tenant', 'session-days', slug, '0');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('1–365 days');
  });

  it('explains unknown commands, flags and shops', async () => {
    expect((await cli('frobnicate')).code).toBe(2);
    const flag = await cli('tenant', 'list', '--colour', 'x');
    expect(flag.code).toBe(2);
    expect(flag.err).toContain("Unknown option '--colour'");
    const shop = await cli('client', 'list', '--tenant', 'nope');
    expect(shop.err).toBe('Error: No shop with the slug or id "nope".');
  });

  it('seeds demo data only into an empty store', async () => {
    await newShop();
    expect(JSON.parse((await cli('seed', '--json')).out)).toEqual({ seeded: false });
  });

  it('runs the delivery worker as its own process', async () => {
    const config = loadConfig(env);
    const system = await compose({ ...config, appSecret: config.appSecret! });
    const { db, services: svc } = system;
    const lee = await newClient(await newShop());
    try {
      await svc.login.request(lee.email, { ip: null, userAgent: null });
      const child = spawn(process.execPath, ['bin/servicio.js', 'worker'], { env: { ...process.env, ...env, WORKER_POLL_MS: '100' }, stdio: 'ignore' });
      try {
        let sent: { to_address: string; text: string } | undefined;
        for (let i = 0; i < 100 && !sent; i++) {
          await new Promise((r) => setTimeout(r, 100));
          sent = await devOutboxRepo(db).latest(1, lee.email).then((m) => m[0]);
        }
        expect(sent?.text).toMatch(/\/l\/[A-Za-z0-9_-]{48}/);
      } finally {
        child.kill('SIGTERM');
      }
    } finally {
      await system.close();
    }
  });

  it('shows what happened to a client\'s login messages', async () => {
    const slug = await newShop();
    const lee = await newClient(slug);
    const config = loadConfig(env);
    const system = await compose({ ...config, appSecret: config.appSecret! });
    try {
      await system.services.login.request(lee.email, { ip: null, userAgent: null });
      await system.worker.runOnce();
    } finally {
      await system.close();
    }
    const res = await cli('client', 'messages', '--tenant', slug, lee.email);
    expect(res.code).toBe(0);
    expect(res.out).toMatch(/EMAIL to l\*\*\*@example\.com {2}sent/);
    expect(res.out).toMatch(/ {4}.* {2}queued\n {4}.* {2}sent {2}dev/);
    const json = JSON.parse((await cli('client', 'messages', '--tenant', slug, lee.email, '--json')).out);
    expect(json[0]).toMatchObject({ channel: 'email', status: 'sent', provider: 'dev' });
  });

  it('runs as the servicio binary', async () => {
    const slug = await newShop();
    const run = promisify(execFile);
    const { stdout } = await run(process.execPath, ['bin/servicio.js', 'tenant', 'list', '--json'], { env: { ...process.env, ...env } });
    expect(JSON.parse(stdout).map((t: { slug: string }) => t.slug)).toContain(slug);
    const failed = await run(process.execPath, ['bin/servicio.js', 'tenant', 'create', '--name', 'X'], { env: { ...process.env, ...env } }).catch((e) => e);
    expect(failed.code).toBe(2);
    expect(failed.stderr).toContain('Missing --slug.');
  });
});

describe(`servicio staff (${storeKind})`, () => {
  it('adds, lists, resets a second factor and disables staff, with clear errors', async () => {
    const slug = await newShop();
    const added = await cli('staff', 'add', '--tenant', slug, '--email', ' Pat@SunnyPest.example ', '--name', 'Pat Sun', '--role', 'owner', '--json');
    expect(added.code).toBe(0);
    expect(JSON.parse(added.out)).toMatchObject({ email: 'pat@sunnypest.example', role: 'owner', status: 'active' });
    expect((await cli('staff', 'add', '--tenant', slug, '--email', 'pat@sunnypest.example', '--name', 'Twin')).err).toContain('already has a staff account');
    expect((await cli('staff', 'add', '--tenant', slug, '--email', 'x@y.example', '--name', 'X', '--role', 'boss')).code).toBe(2);
    await cli('staff', 'add', '--tenant', slug, '--email', 'dev@sunnypest.example', '--name', 'Dev Patel');
    expect((await cli('staff', 'list', '--tenant', slug)).out).toMatch(/Dev Patel\tdev@sunnypest\.example\tstaff\tactive/);
    expect((await cli('staff', 'reset-second-factor', '--tenant', slug, 'dev@sunnypest.example')).code).toBe(0);
    expect((await cli('staff', 'disable', '--tenant', slug, 'pat@sunnypest.example')).err).toContain('at least one active owner');
    expect((await cli('staff', 'disable', '--tenant', slug, 'dev@sunnypest.example')).out).toContain('is disabled');
    expect((await cli('staff', 'list', '--tenant', slug)).out).toMatch(/Dev Patel\tdev@sunnypest\.example\tstaff\tdisabled/);
  });
});

describe(`servicio support (${storeKind})`, () => {
  it('adds, lists and disables Servicio support agents, with clear errors, in the operator audit', async () => {
    const email = `ana.${process.pid}@servicio.example`;
    const added = await cli('support', 'add', '--email', ` ${email.toUpperCase()} `, '--name', 'Ana Alvarez', '--json');
    expect(added.code).toBe(0);
    const agent = JSON.parse(added.out);
    expect(agent).toMatchObject({ name: 'Ana Alvarez', email, status: 'active' });
    expect((await cli('support', 'add', '--email', email, '--name', 'Twin')).err).toContain('already has a support account');
    expect((await cli('support', 'add', '--email', 'not-an-email', '--name', 'X')).code).toBe(2);
    expect((await cli('support', 'add', '--name', 'No Email')).err).toContain('Missing --email');
    expect((await cli('support', 'list')).out).toContain(`${agent.id}\tAna Alvarez\t${email}\tactive\tno authenticator yet`);
    expect((await cli('support', 'disable')).code).toBe(2);
    expect((await cli('support', 'disable', 'nobody@servicio.example')).err).toContain('No support agent');
    expect((await cli('support', 'disable', email)).out).toBe('Ana Alvarez is disabled; 0 open sessions ended.');
    expect((await cli('support', 'list')).out).toContain(`${agent.id}\tAna Alvarez\t${email}\tdisabled`);
    const audit = JSON.parse((await cli('support', 'audit', '--json')).out) as { action: string; name?: string }[];
    expect(audit.map((e) => e.action)).toEqual(expect.arrayContaining(['support.agent_added', 'support.agent_disabled']));
  });
});

describe(`servicio apikey (${storeKind})`, () => {
  it('creates a key shown once, lists and revokes it', async () => {
    const slug = await newShop();
    const created = JSON.parse((await cli('apikey', 'create', '--tenant', slug, '--name', 'Main office system', '--json')).out);
    expect(created.key).toMatch(/^spk_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
    const list = await cli('apikey', 'list', '--tenant', slug);
    expect(list.out).toContain(`${created.id}\tMain office system\tactive`);
    expect(list.out).not.toContain(created.key.slice(-43));
    expect((await cli('apikey', 'revoke', '--tenant', slug, created.id)).out).toBe(`Revoked API key ${created.id}.`);
    expect((await cli('apikey', 'revoke', '--tenant', slug, created.id)).code).toBe(2);
  });
});
