import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The configured admin token, or the one generated on first start into <data>/admin-token. */
export function ensureAdminToken(dataDir: string, configured?: string): { token: string; created: boolean } {
  if (configured) return { token: configured, created: false };
  const file = join(dataDir, 'admin-token');
  if (existsSync(file)) {
    const token = readFileSync(file, 'utf8').trim();
    if (token.length >= 16) return { token, created: false };
  }
  const token = randomBytes(24).toString('base64url');
  writeFileSync(file, token + '\n', { mode: 0o600 });
  return { token, created: true };
}
