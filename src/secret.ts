// In development the app secret is generated once and kept under DATA_DIR, so a fresh clone runs
// with no set-up and restarts keep sessions and queued messages readable. Production must set APP_SECRET.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomToken } from './lib/crypto.ts';
import type { Config } from './config.ts';

export function resolveAppSecret(config: Config): string {
  if (config.appSecret) return config.appSecret;
  const file = join(config.dataDir, 'app-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(config.dataDir, { recursive: true });
  const secret = randomToken(48);
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
