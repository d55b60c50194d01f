// The one typed configuration object. Every setting is validated here; the loader (load.ts)
// only gathers raw values from defaults < config file < environment < CLI flags.
import { z } from 'zod';

export const SERVICE_NAMES = ['imap', 'pop3', 'lmtp', 'api'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

const port = z
  .number({ error: 'must be a port number (0–65535)' })
  .int('must be a whole number')
  .min(0, 'must be between 0 and 65535')
  .max(65535, 'must be between 0 and 65535');

const host = z.string().min(1, 'must not be empty');

/** How a mail client talks to the outgoing server: STARTTLS (submission, 587), implicit TLS (465), none. */
export const OUTGOING_TLS = ['starttls', 'tls', 'none'] as const;

export const configSchema = z
  .object({
    dataDir: z.string().min(1, 'must not be empty'),
    mongodbUri: z
      .string()
      .regex(/^mongodb(\+srv)?:\/\/.+/, 'must be a mongodb:// or mongodb+srv:// URI')
      .optional(),
    redisUrl: z
      .string()
      .regex(
        /^(redis|rediss|redis-sentinel):\/\/.*/,
        'must be a redis://, rediss:// or redis-sentinel:// URL',
      )
      .optional(),
    /** Database name used on the MongoDB server (external URIs may name one in their path instead). */
    dbName: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,60}$/, 'must be 1–60 letters, digits, _ or -')
      .default('nestbox'),
    /** Prefix of every Redis key and channel (server/notify/redis-keys.ts); the same for every
     * process on one database, different for installations sharing one Redis. */
    redisPrefix: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1–64 letters, digits, _ . or -')
      .default('nestbox'),
    services: z
      .array(z.enum(SERVICE_NAMES, { error: `must be a list of ${SERVICE_NAMES.join(', ')}` }))
      .transform((list) => [...new Set(list)]),
    host,
    /** LMTP's own bind address: loopback unless the MTA runs on another machine of the LAN. */
    lmtpHost: host,
    apiHost: host,
    ports: z.object({
      imap: port,
      imaps: port,
      pop3: port,
      pop3s: port,
      lmtp: port,
      api: port,
    }),
    adminToken: z.string().min(16, 'must be at least 16 characters').optional(),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace'], {
      error: 'must be one of fatal, error, warn, info, debug, trace',
    }),
    /** Log files rotate at this size (bytes) and this many old files are kept. */
    logMaxSize: z.number().int().min(1024, 'must be at least 1024 bytes'),
    logMaxFiles: z.number().int().min(1, 'must be at least 1').max(100, 'must be at most 100'),
    /** SMTP relay for vacation replies and forwarding, e.g. smtp://user:pass@relay:587; unset = both refused. */
    relayUrl: z
      .string()
      .regex(/^smtps?:\/\/[^/]+/, 'must be an smtp:// or smtps:// URL')
      .optional(),
    /** What POP3 DELE does at QUIT: delete the message, or move it to Trash. */
    pop3Delete: z.enum(['delete', 'trash'], { error: 'must be delete or trash' }),
    /**
     * Where plaintext logins (IMAP LOGIN/AUTHENTICATE PLAIN, POP3 USER/PASS) are allowed before TLS:
     * `loopback` only from 127.0.0.0/8 and ::1 (LOGINDISABLED elsewhere), `always`, or `never`.
     */
    plaintextAuth: z.enum(['loopback', 'always', 'never'], { error: 'must be loopback, always or never' }),
    /** Largest message accepted by LMTP, APPEND (APPENDLIMIT) and the API, in bytes. */
    maxMessageSize: z
      .number({ error: 'must be a number of bytes' })
      .int('must be a whole number')
      .min(1024, 'must be at least 1024 bytes')
      .max(1024 * 1024 * 1024, 'must be at most 1 GiB'),
    /**
     * The SMTP server mail clients send through (Nestbox has none of its own), announced by client
     * set-up (Thunderbird autoconfig, the Apple profile). Unset host: none is announced.
     */
    outgoing: z.object({
      host: z
        .string()
        .regex(/^[A-Za-z0-9.:[\]-]{1,253}$/, 'must be a host name or an IP address')
        .optional(),
      /** Unset: 465 with implicit TLS, else 587. */
      port: port.min(1, 'must be between 1 and 65535').optional(),
      tls: z.enum(OUTGOING_TLS, { error: 'must be starttls, tls or none' }),
    }),
    /** The dashboard's built files; unset = renderer/dist in the package (built by `serve` when missing). */
    dashboardDir: z.string().min(1, 'must not be empty').optional(),
    /** `auto`: `serve` builds the dashboard when its folder is missing or older than renderer/; `never`. */
    dashboardBuild: z.enum(['auto', 'never'], { error: 'must be auto or never' }),
    tls: z.object({
      /** PEM files; when both are unset a self-signed pair is generated into the data folder. */
      cert: z.string().min(1).optional(),
      key: z.string().min(1).optional(),
    }),
  })
  .superRefine((cfg, ctx) => {
    if (Boolean(cfg.tls.cert) !== Boolean(cfg.tls.key)) {
      ctx.addIssue({
        code: 'custom',
        path: ['tls', cfg.tls.cert ? 'key' : 'cert'],
        message: 'TLS cert and key must be set together',
      });
    }
  });

export type Config = z.infer<typeof configSchema>;
export type RawConfig = z.input<typeof configSchema>;
