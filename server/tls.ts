// TLS material for the implicit-TLS ports and STARTTLS/STLS: the configured PEM files, or a
// self-signed pair generated once into <data>/tls/ (docs/ARCHITECTURE.md §6).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createSecureContext, type SecureContext } from 'node:tls';
import { generate } from 'selfsigned';
import type { Config } from './config/index.ts';
import { UserError } from './user-error.ts';

/**
 * `tls.createServer` needs `{ key, cert }` (it ignores a `secureContext` option); STARTTLS/STLS
 * upgrades pass `context` to `new TLSSocket(socket, { isServer: true, secureContext })`.
 */
export interface TlsMaterial {
  key: string;
  cert: string;
  /** 'configured' or 'self-signed' (for the dashboard and /health). */
  origin: 'configured' | 'self-signed';
  context: SecureContext;
}

export async function loadTls(config: Config): Promise<TlsMaterial> {
  if (config.tls.cert && config.tls.key) {
    const read = (path: string, what: string) => {
      try {
        return readFileSync(path, 'utf8');
      } catch (err) {
        const flag = what === 'key' ? 'tls-key / NESTBOX_TLS_KEY' : 'tls-cert / NESTBOX_TLS_CERT';
        throw new UserError(
          `cannot read the TLS ${what} ${path} (${(err as NodeJS.ErrnoException).code ?? err}): ` +
            `point --${flag} at a readable PEM file, or unset both TLS settings for a self-signed pair`,
        );
      }
    };
    const key = read(config.tls.key, 'key');
    const cert = read(config.tls.cert, 'certificate');
    return { key, cert, origin: 'configured', context: createSecureContext({ key, cert }) };
  }
  const dir = join(config.dataDir, 'tls');
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  if (!existsSync(keyFile) || !existsSync(certFile)) await generateSelfSigned(dir);
  const key = readFileSync(keyFile, 'utf8');
  const cert = readFileSync(certFile, 'utf8');
  return { key, cert, origin: 'self-signed', context: createSecureContext({ key, cert }) };
}

/** Writes a fresh self-signed key and certificate (10 years) into `dir`. */
export async function generateSelfSigned(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const host = hostname() || 'localhost';
  const notAfterDate = new Date();
  notAfterDate.setFullYear(notAfterDate.getFullYear() + 10);
  const pems = await generate([{ name: 'commonName', value: host }], {
    keySize: 2048,
    algorithm: 'sha256',
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: host },
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  writeFileSync(join(dir, 'key.pem'), pems.private, { mode: 0o600 });
  writeFileSync(join(dir, 'cert.pem'), pems.cert);
}
