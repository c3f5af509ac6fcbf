// `npm run bench`: throughput of an authenticated portal request against a bare Fastify route.
// Each server runs in its own process; the load comes from wrk (Debian package `wrk`) when it is
// installed, else from autocannon in this process. Rounds alternate between the servers and the
// median is reported, because a 2-core VM is noisy.
// Target (docs/ARCHITECTURE.md): the session-checked route keeps ≥ 50 % of the bare route's throughput.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 32;
const useWrk = existsSync('/usr/bin/wrk');

async function start(mode: string, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/bench-server.ts', mode], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  const line = await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve));
  return { child, ...(JSON.parse(line) as { port: number; cookie?: string }) };
}

async function load(url: string, cookie?: string): Promise<number> {
  if (useWrk) {
    const out = execFileSync('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${SECONDS}s`, ...(cookie ? ['-H', `cookie: ${cookie}`] : []), url], { encoding: 'utf8' });
    if (/Non-2xx/.test(out)) throw new Error(`${url}: non-2xx responses\n${out}`);
    return Math.round(Number(/Requests\/sec:\s+([\d.]+)/.exec(out)![1]));
  }
  const r = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS, headers: cookie ? { cookie } : {} });
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${url}: ${r.non2xx} non-2xx responses, ${r.errors} errors`);
  return Math.round(r.requests.average);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const bare = await start('bare');
const headed = await start('bare-headers');
const portal = await start('portal');
const uncached = await start('portal', { SESSION_CACHE_MS: '0' });
const urls = {
  uncached: `http://127.0.0.1:${uncached.port}/portal/session.json`,
  bare: `http://127.0.0.1:${bare.port}/`,
  headed: `http://127.0.0.1:${headed.port}/`,
  json: `http://127.0.0.1:${portal.port}/portal/session.json`,
  page: `http://127.0.0.1:${portal.port}/portal`,
};
const results = { bare: [] as number[], headed: [] as number[], json: [] as number[], page: [] as number[], uncached: [] as number[] };
try {
  await load(urls.bare);
  await load(urls.json, portal.cookie); // warm-up
  for (let i = 0; i < ROUNDS; i++) {
    results.bare.push(await load(urls.bare));
    results.headed.push(await load(urls.headed));
    results.json.push(await load(urls.json, portal.cookie));
    results.page.push(await load(urls.page, portal.cookie));
    results.uncached.push(await load(urls.uncached, uncached.cookie));
  }
} finally {
  bare.child.kill();
  headed.child.kill();
  portal.child.kill();
  uncached.child.kill();
}

const b = median(results.bare);
const j = median(results.json);
const p = median(results.page);
console.log(`\nstore: ${process.env.DATABASE_URL ? 'PostgreSQL' : 'SQLite'} · load: ${useWrk ? 'wrk' : 'autocannon'} · ${ROUNDS} rounds × ${SECONDS}s · ${CONNECTIONS} connections (median req/s)`);
console.log(`bare Fastify route                          ${String(b).padStart(7)}   [${results.bare.join(', ')}]`);
console.log(`  same, with the app's security headers      ${String(median(results.headed)).padStart(7)}   [${results.headed.join(', ')}]`);
console.log(`GET /portal/session.json (session checked)  ${String(j).padStart(7)}   [${results.json.join(', ')}]`);
console.log(`GET /portal (session checked, HTML page)    ${String(p).padStart(7)}   [${results.page.join(', ')}]`);
console.log(`  same, SESSION_CACHE_MS=0 (a lookup per request) ${String(median(results.uncached)).padStart(7)}   [${results.uncached.join(', ')}]`);
console.log(`authenticated JSON / bare: ${((j / b) * 100).toFixed(0)}% (target ≥ 50%)`);
if (j / b < 0.5) {
  console.error('FAIL: the session-checked route is below half the bare route');
  process.exitCode = 1;
}
