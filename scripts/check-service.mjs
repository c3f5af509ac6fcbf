// Used by .ci/run: exits 0 when the given PostgreSQL or Redis URL answers, 1 (loudly) otherwise.
import net from 'node:net';
import pg from 'pg';

const url = process.argv[2];
if (!url) {
  console.error('usage: check-service.mjs <postgres://…|redis://…>');
  process.exit(2);
}
const u = new URL(url);
try {
  if (u.protocol.startsWith('postgres')) {
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
    await c.connect();
    await c.query('SELECT 1');
    await c.end();
  } else if (u.protocol === 'redis:') {
    await new Promise((resolve, reject) => {
      const s = net.connect(Number(u.port || 6379), u.hostname);
      s.setTimeout(3000, () => reject(new Error('timed out')));
      s.on('error', reject);
      s.on('connect', () => s.write('PING\r\n'));
      s.on('data', (d) => (d.toString().startsWith('+PONG') ? (s.end(), resolve()) : reject(new Error(d.toString()))));
    });
  } else throw new Error(`unsupported URL ${u.protocol}`);
  console.log(`${u.protocol}//${u.host} answers`);
} catch (err) {
  console.error(`${u.protocol}//${u.host} does not answer: ${err.message}`);
  process.exit(1);
}
