// Issue 8: module edges. The layers, bottom to top:
//   lib/ → db/ → domain (modules' services, repositories, errors, inputs, templates) →
//   http/ and modules' *.routes.ts / *.views.ts → compose.ts, server.ts, cli.ts, main.ts
// A file may import from its own layer or below, never above. This test reads every import.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname);
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [join(dir, e.name)] : []));

function layer(file: string): number {
  const rel = relative(root, file).replace(/\\/g, '/');
  if (rel.startsWith('lib/')) return 0;
  if (rel.startsWith('db/')) return 1;
  if (rel.startsWith('http/') || /\.(routes|views)\.ts$/.test(rel) || rel.startsWith('modules/api/') || rel.startsWith('modules/dev/')) return 3;
  if (rel.startsWith('modules/')) return 2;
  return 4; // config, secret, compose, server, cli, main
}
const NAMES = ['lib', 'db', 'domain', 'http', 'wiring'];

describe('module edges', () => {
  it('every import points down (or sideways), never up', () => {
    const upward: string[] = [];
    for (const file of files(root)) {
      const src = readFileSync(file, 'utf8');
      for (const m of src.matchAll(/^import (?:type )?[^'"]*from '(\.[^']+)'/gm)) {
        const target = resolve(dirname(file), m[1]!);
        if (!target.startsWith(root)) continue;
        // config.ts is read by the wiring and (for its types and loopback check) below it.
        if (target.endsWith('/config.ts')) continue;
        if (layer(target) > layer(file)) upward.push(`${relative(root, file)} (${NAMES[layer(file)]}) → ${relative(root, target)} (${NAMES[layer(target)]})`);
      }
    }
    expect(upward).toEqual([]);
  });
});
