// Every setting's names in each source: its key path in the config file, its environment
// variable and its command-line flag. One table, so docs, loader and errors agree.
export type SettingKind = 'string' | 'number' | 'list';

export interface SettingSpec {
  path: readonly string[];
  env: string;
  flag: string;
  kind: SettingKind;
  help: string;
}

const s = (path: string, env: string, flag: string, kind: SettingKind, help: string): SettingSpec => ({
  path: path.split('.'),
  env,
  flag,
  kind,
  help,
});

export const SETTINGS: readonly SettingSpec[] = [
  s(
    'dataDir',
    'NESTBOX_DATA_DIR',
    'data-dir',
    'string',
    'data folder (databases, logs, certificates, admin token)',
  ),
  s('mongodbUri', 'MONGODB_URI', 'mongodb-uri', 'string', 'external MongoDB; unset = embedded'),
  s('redisUrl', 'REDIS_URL', 'redis-url', 'string', 'external Redis; unset = embedded'),
  s('dbName', 'NESTBOX_DB_NAME', 'db-name', 'string', 'MongoDB database name'),
  s('redisPrefix', 'NESTBOX_REDIS_PREFIX', 'redis-prefix', 'string', 'prefix of every Redis key and channel'),
  s('services', 'NESTBOX_SERVICES', 'services', 'list', 'services to run, comma-separated'),
  s('host', 'NESTBOX_HOST', 'host', 'string', 'bind address of IMAP and POP3'),
  s(
    'lmtpHost',
    'NESTBOX_LMTP_HOST',
    'lmtp-host',
    'string',
    'bind address of LMTP (a LAN address when the MTA is on another machine)',
  ),
  s('apiHost', 'NESTBOX_API_HOST', 'api-host', 'string', 'bind address of the HTTP API and dashboard'),
  s('ports.imap', 'NESTBOX_IMAP_PORT', 'imap-port', 'number', 'IMAP (STARTTLS) port'),
  s('ports.imaps', 'NESTBOX_IMAPS_PORT', 'imaps-port', 'number', 'IMAP implicit-TLS port'),
  s('ports.pop3', 'NESTBOX_POP3_PORT', 'pop3-port', 'number', 'POP3 (STLS) port'),
  s('ports.pop3s', 'NESTBOX_POP3S_PORT', 'pop3s-port', 'number', 'POP3 implicit-TLS port'),
  s('ports.lmtp', 'NESTBOX_LMTP_PORT', 'lmtp-port', 'number', 'LMTP port'),
  s('ports.api', 'NESTBOX_API_PORT', 'api-port', 'number', 'HTTP API and dashboard port'),
  s('adminToken', 'NESTBOX_ADMIN_TOKEN', 'admin-token', 'string', 'API admin token; unset = generated once'),
  s('logLevel', 'NESTBOX_LOG_LEVEL', 'log-level', 'string', 'fatal, error, warn, info, debug or trace'),
  s(
    'logMaxSize',
    'NESTBOX_LOG_MAX_SIZE',
    'log-max-size',
    'number',
    'log file size that triggers rotation (bytes)',
  ),
  s('logMaxFiles', 'NESTBOX_LOG_MAX_FILES', 'log-max-files', 'number', 'rotated log files kept'),
  s(
    'relayUrl',
    'NESTBOX_SMTP_RELAY',
    'smtp-relay',
    'string',
    'SMTP relay for vacation replies and forwarding',
  ),
  s('pop3Delete', 'NESTBOX_POP3_DELETE', 'pop3-delete', 'string', 'what POP3 DELE does: delete or trash'),
  s(
    'plaintextAuth',
    'NESTBOX_PLAINTEXT_AUTH',
    'plaintext-auth',
    'string',
    'plaintext login before TLS: loopback, always, never',
  ),
  s(
    'maxMessageSize',
    'NESTBOX_MAX_MESSAGE_SIZE',
    'max-message-size',
    'number',
    'largest message accepted (bytes)',
  ),
  s('outgoing.host', 'NESTBOX_OUTGOING_HOST', 'outgoing-host', 'string', 'SMTP server clients send through'),
  s(
    'outgoing.port',
    'NESTBOX_OUTGOING_PORT',
    'outgoing-port',
    'number',
    'its port; unset = 465 with tls, else 587',
  ),
  s('outgoing.tls', 'NESTBOX_OUTGOING_TLS', 'outgoing-tls', 'string', 'its security: starttls, tls or none'),
  s(
    'dashboardDir',
    'NESTBOX_DASHBOARD_DIR',
    'dashboard-dir',
    'string',
    'built dashboard folder; unset = renderer/dist (built when missing)',
  ),
  s(
    'dashboardBuild',
    'NESTBOX_DASHBOARD_BUILD',
    'dashboard-build',
    'string',
    'auto: serve builds a missing or stale dashboard; never',
  ),
  s('tls.cert', 'NESTBOX_TLS_CERT', 'tls-cert', 'string', 'TLS certificate (PEM file)'),
  s('tls.key', 'NESTBOX_TLS_KEY', 'tls-key', 'string', 'TLS private key (PEM file)'),
];

export function defaults(dataDir: string): Record<string, unknown> {
  return {
    dataDir,
    dbName: 'nestbox',
    redisPrefix: 'nestbox',
    services: ['imap', 'pop3', 'lmtp', 'api'],
    host: '0.0.0.0',
    // LMTP takes mail for every user without a login: only the local MTA may reach it by default
    lmtpHost: '127.0.0.1',
    apiHost: '127.0.0.1',
    ports: { imap: 1143, imaps: 1993, pop3: 1110, pop3s: 1995, lmtp: 2424, api: 8080 },
    logLevel: 'info',
    logMaxSize: 10 * 1024 * 1024,
    logMaxFiles: 5,
    pop3Delete: 'delete',
    plaintextAuth: 'loopback',
    maxMessageSize: 64 * 1024 * 1024,
    outgoing: { tls: 'starttls' },
    dashboardBuild: 'auto',
    tls: {},
  };
}
