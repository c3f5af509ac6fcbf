// `npm start` runs the compiled server (dist/), not the TypeScript sources through a loader: the
// build must produce a server that starts, reads its catalogs and answers.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/live-server.ts';

const root = join(import.meta.dirname, '..', '..');
const out = mkdtempSync(join(root, '.build-test-'));
const data = mkdtempSync(join(root, '.build-data-'));
afterAll(() => {
  rmSync(out, { recursive: true, force: true });
  rmSync(data, { recursive: true, force: true });
});

describe('the compiled server', () => {
  it('builds, starts without tsx and serves pages in both languages', async () => {
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', out], { cwd: root, stdio: 'pipe' });
    cpSync(join(root, 'src/locales'), join(out, 'locales'), { recursive: true });
    const port = await freePort();
    // The embedded default (SQLite in a temporary folder), whatever store the suite itself runs on.
    const env: Record<string, string | undefined> = { ...process.env, NODE_ENV: 'development', DATA_DIR: data, HOST: '127.0.0.1', PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, LOG_LEVEL: 'warn' };
    for (const k of ['DATABASE_URL', 'DATABASE_SCHEMA', 'REDIS_URL', 'SMTP_URL', 'TWILIO_ACCOUNT_SID']) delete env[k];
    const child = spawn(process.execPath, [join(out, 'main.js')], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let log = '';
      child.stdout.on('data', (b) => (log += b));
      child.stderr.on('data', (b) => (log += b));
      for (let i = 0; i < 100 && !log.includes('is running'); i++) await new Promise((r) => setTimeout(r, 100));
      expect(log).toContain('Servicio Portal is running');
      const en = await fetch(`http://127.0.0.1:${port}/c/greenway-lawn`);
      expect(en.status).toBe(200);
      expect(await en.text()).toContain('<h1>Sign in to Greenway Lawn Care</h1>');
      const es = await fetch(`http://127.0.0.1:${port}/client-login`, { headers: { 'accept-language': 'es' } });
      expect(await es.text()).toContain('<h1>Inicie sesión en su portal</h1>');
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      // The compiled process loads no TypeScript loader.
      expect(log).not.toMatch(/tsx|ERR_/);
    } finally {
      child.kill('SIGTERM');
    }
  }, 60_000);
});
