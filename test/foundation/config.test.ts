import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, ConfigError } from '../../server/config/index.ts';

const tmp = mkdtempSync(join(tmpdir(), 'nestbox-config-'));
function file(name: string, text: string): string {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
}

test('defaults match the documented table', () => {
  const cfg = loadConfig({ env: { HOME: homedir() } });
  assert.deepEqual(
    {
      dataDir: cfg.dataDir,
      mongodbUri: cfg.mongodbUri,
      redisUrl: cfg.redisUrl,
      services: cfg.services,
      host: cfg.host,
      lmtpHost: cfg.lmtpHost,
      apiHost: cfg.apiHost,
      ports: cfg.ports,
      adminToken: cfg.adminToken,
      relayUrl: cfg.relayUrl,
      pop3Delete: cfg.pop3Delete,
      plaintextAuth: cfg.plaintextAuth,
      maxMessageSize: cfg.maxMessageSize,
    },
    {
      dataDir: join(homedir(), '.local', 'share', 'nestbox'),
      mongodbUri: undefined,
      redisUrl: undefined,
      services: ['imap', 'pop3', 'lmtp', 'api'],
      host: '0.0.0.0',
      lmtpHost: '127.0.0.1',
      apiHost: '127.0.0.1',
      ports: { imap: 1143, imaps: 1993, pop3: 1110, pop3s: 1995, lmtp: 2424, api: 8080 },
      adminToken: undefined,
      relayUrl: undefined,
      pop3Delete: 'delete',
      plaintextAuth: 'loopback',
      maxMessageSize: 64 * 1024 * 1024,
    },
  );
});

test('settings saved by the dashboard in <data>/config.json are read when no config file is named', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nestbox-saved-'));
  writeFileSync(join(dataDir, 'config.json'), JSON.stringify({ ports: { imap: 143 }, pop3Delete: 'trash' }));
  const cfg = loadConfig({ env: { NESTBOX_DATA_DIR: dataDir, NESTBOX_POP3_DELETE: 'delete' } });
  assert.equal(cfg.ports.imap, 143);
  assert.equal(cfg.pop3Delete, 'delete', 'the environment still wins over saved settings');
  const named = file('named.json', JSON.stringify({ ports: { imap: 2143 } }));
  assert.equal(loadConfig({ env: { NESTBOX_DATA_DIR: dataDir, NESTBOX_CONFIG: named } }).ports.imap, 2143);
});

test('XDG_DATA_HOME moves the default data folder on Linux', () => {
  assert.equal(loadConfig({ env: { XDG_DATA_HOME: '/srv/data' } }).dataDir, '/srv/data/nestbox');
});

test('precedence: defaults < config file < environment < flags', () => {
  const toml = file(
    'p.toml',
    'host = "10.0.0.1"\napiHost = "10.0.0.2"\n[ports]\nimap = 2000\npop3 = 2001\nlmtp = 2002\n',
  );
  const cfg = loadConfig({
    env: { NESTBOX_CONFIG: toml, NESTBOX_IMAP_PORT: '3000', NESTBOX_POP3_PORT: '3001' },
    flags: { 'imap-port': '4000' },
  });
  assert.equal(cfg.ports.imap, 4000, 'flag beats environment and file');
  assert.equal(cfg.ports.pop3, 3001, 'environment beats file');
  assert.equal(cfg.ports.lmtp, 2002, 'file beats default');
  assert.equal(cfg.ports.api, 8080, 'default stays when nothing overrides');
  assert.equal(cfg.host, '10.0.0.1');
  assert.equal(cfg.apiHost, '10.0.0.2');
});

test('a JSON config file works the same and --config beats NESTBOX_CONFIG', () => {
  const json = file('c.json', JSON.stringify({ services: ['api'], ports: { api: 0 }, logLevel: 'debug' }));
  const toml = file('ignored.toml', 'logLevel = "error"\n');
  const cfg = loadConfig({ env: { NESTBOX_CONFIG: toml }, flags: { config: json } });
  assert.deepEqual(cfg.services, ['api']);
  assert.equal(cfg.ports.api, 0, 'port 0 means pick a free port');
  assert.equal(cfg.logLevel, 'debug');
});

test('services list from the environment is split, trimmed and de-duplicated', () => {
  assert.deepEqual(loadConfig({ env: { NESTBOX_SERVICES: ' imap, api ,imap' } }).services, ['imap', 'api']);
});

test('external back ends come from MONGODB_URI and REDIS_URL', () => {
  const cfg = loadConfig({
    env: { MONGODB_URI: 'mongodb://db:27017/mail', REDIS_URL: 'redis://cache:6379' },
  });
  assert.equal(cfg.mongodbUri, 'mongodb://db:27017/mail');
  assert.equal(cfg.redisUrl, 'redis://cache:6379');
});

const invalid: Array<[string, () => unknown, string]> = [
  [
    'a port that is not a number',
    () => loadConfig({ env: { NESTBOX_IMAP_PORT: 'abc' } }),
    'invalid setting NESTBOX_IMAP_PORT = "abc": must be a port number (0–65535)',
  ],
  [
    'a port out of range',
    () => loadConfig({ env: { NESTBOX_LMTP_PORT: '70000' } }),
    'invalid setting NESTBOX_LMTP_PORT = 70000: must be between 0 and 65535',
  ],
  [
    'a port from a flag',
    () => loadConfig({ flags: { 'api-port': '-1' } }),
    'invalid setting --api-port = -1: must be between 0 and 65535',
  ],
  [
    'an unknown service',
    () => loadConfig({ env: { NESTBOX_SERVICES: 'imap,smtp' } }),
    'invalid setting NESTBOX_SERVICES = ["imap","smtp"]: must be a list of imap, pop3, lmtp, api',
  ],
  [
    'a MongoDB URI with the wrong scheme',
    () => loadConfig({ env: { MONGODB_URI: 'http://localhost' } }),
    'invalid setting MONGODB_URI = "http://localhost": must be a mongodb:// or mongodb+srv:// URI',
  ],
  [
    'a Redis URL with the wrong scheme',
    () => loadConfig({ env: { REDIS_URL: 'localhost:6379' } }),
    'invalid setting REDIS_URL = "localhost:6379": must be a redis://, rediss:// or redis-sentinel:// URL',
  ],
  [
    'a short admin token',
    () => loadConfig({ env: { NESTBOX_ADMIN_TOKEN: 'short' } }),
    'invalid setting NESTBOX_ADMIN_TOKEN = "short": must be at least 16 characters',
  ],
  [
    'an unknown log level',
    () => loadConfig({ env: { NESTBOX_LOG_LEVEL: 'loud' } }),
    'invalid setting NESTBOX_LOG_LEVEL = "loud": must be one of fatal, error, warn, info, debug, trace',
  ],
  [
    'a relay that is not an SMTP URL',
    () => loadConfig({ env: { NESTBOX_SMTP_RELAY: 'relay.example:25' } }),
    'invalid setting NESTBOX_SMTP_RELAY = "relay.example:25": must be an smtp:// or smtps:// URL',
  ],
  [
    'an unknown POP3 delete mode',
    () => loadConfig({ env: { NESTBOX_POP3_DELETE: 'archive' } }),
    'invalid setting NESTBOX_POP3_DELETE = "archive": must be delete or trash',
  ],
  [
    'an unknown plaintext-auth policy',
    () => loadConfig({ env: { NESTBOX_PLAINTEXT_AUTH: 'lan' } }),
    'invalid setting NESTBOX_PLAINTEXT_AUTH = "lan": must be loopback, always or never',
  ],
  [
    'a tiny maximum message size',
    () => loadConfig({ flags: { 'max-message-size': '10' } }),
    'invalid setting --max-message-size = 10: must be at least 1024 bytes',
  ],
  [
    'a TLS certificate without a key',
    () => loadConfig({ env: { NESTBOX_TLS_CERT: '/etc/cert.pem' } }),
    'invalid setting NESTBOX_TLS_KEY: TLS cert and key must be set together',
  ],
];
for (const [what, load, message] of invalid) {
  test(`rejects ${what} with one line naming the setting`, () => {
    assert.throws(load, (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.message, message);
      assert.ok(!err.message.includes('\n'));
      return true;
    });
  });
}

test('a bad value in the config file names the file key', () => {
  const toml = file('bad.toml', '[ports]\napi = "eighty"\n');
  assert.throws(() => loadConfig({ env: { NESTBOX_CONFIG: toml } }), {
    message: `invalid setting ports.api in ${toml} = "eighty": must be a port number (0–65535)`,
  });
});

test('an unknown key in the config file is refused', () => {
  const toml = file('unknown.toml', 'imapPort = 1\n');
  assert.throws(() => loadConfig({ env: { NESTBOX_CONFIG: toml } }), {
    message: `config file ${toml}: unknown setting "imapPort"`,
  });
});

test('a config file that does not parse or does not exist says so', () => {
  const toml = file('broken.toml', 'ports = [\n');
  assert.throws(
    () => loadConfig({ env: { NESTBOX_CONFIG: toml } }),
    (err: Error) => err.message.startsWith(`config file ${toml}: not valid TOML: `),
  );
  assert.throws(() => loadConfig({ env: { NESTBOX_CONFIG: join(tmp, 'missing.toml') } }), {
    message: `config file ${join(tmp, 'missing.toml')}: cannot be read (ENOENT)`,
  });
});
