import { z } from 'zod';

const boolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
/** Carried unescaped into Kamailio's configuration, hence the plain character set. */
const sharedSecret = z.string().regex(/^[A-Za-z0-9._~+/=-]{16,}$/, 'at least 16 letters, digits or ._~+/=-');

/**
 * Every setting the processes read, validated once at start-up. Only composition roots pass
 * `process.env` in; everything below them receives the parsed `Config`.
 */
export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(3000),
  /** The address citizens and staff reach us at; used in links in mail and SMS. */
  PUBLIC_URL: z.url().optional(),
  DATA_DIR: z.string().min(1).default('.data'),
  /** The folder of the routing corpus (train.csv, dev.csv) the weekly retraining learns from; without it, no retraining. */
  ROUTING_DATA_DIR: z.string().min(1).optional(),
  /** Where `npm run backup` writes its files. */
  BACKUP_DIR: z.string().min(1).default('.backups'),
  MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://').optional(),
  MONGODB_DB: z.string().regex(/^[A-Za-z0-9_-]{1,60}$/, 'letters, digits, _ and - only').default('hotline12345'),
  /** With no MONGODB_URI: the embedded FerretDB 2 on PostgreSQL + DocumentDB (default) or a local mongod on the PATH. */
  DB_ENGINE: z.enum(['documentdb', 'mongod']).default('documentdb'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** At most 30 days: stored sessions are removed 31 days after sign-in. */
  SESSION_TTL_HOURS: positiveInt.max(720).default(12),
  /** Set to false only for plain-http development on loopback. */
  COOKIE_SECURE: boolean.optional(),
  /** Sign-in back-off (core/accounts/authentication.ts): failures per user name and address before waits begin, and the longest wait. */
  LOGIN_MAX_FAILURES: positiveInt.default(5),
  LOGIN_LOCK_MINUTES: positiveInt.default(15),
  SMTP_HOST: z.string().min(1).optional(),
  SMTP_PORT: port.default(587),
  SMTP_SECURE: boolean.default(false),
  SMTP_USER: z.string().optional(),
  SMTP_PASSWORD: z.string().optional(),
  MAIL_FROM: z.string().min(3).default('12345 热线 <noreply@hotline12345.local>'),
  /** An HTTP SMS gateway (POST JSON with a bearer token); without it SMS are appended to a file under DATA_DIR. */
  SMS_GATEWAY_URL: z.url().optional(),
  SMS_GATEWAY_TOKEN: z.string().min(1).optional(),
  /**
   * The hotline's mailbox, polled by the workers: each new message becomes a ticket or a message
   * on the ticket it answers. Without IMAP_HOST no mailbox is read.
   */
  IMAP_HOST: z.string().regex(/^[0-9A-Za-z.:-]+$/, 'an address or host name').optional(),
  IMAP_PORT: port.default(993),
  /** tls: TLS from the start (993); starttls: cleartext upgraded, required (143); none: cleartext, only for a server on loopback. */
  IMAP_TLS: z.enum(['tls', 'starttls', 'none']).default('tls'),
  IMAP_USER: z.string().min(1).optional(),
  IMAP_PASSWORD: z.string().min(1).optional(),
  IMAP_MAILBOX: z.string().min(1).default('INBOX'),
  /** Signs the SMS gateway's posts of inbound SMS (HMAC-SHA256); without it the endpoint answers 404. */
  SMS_INBOUND_SECRET: z.string().min(16, 'at least 16 characters').optional(),
  /** The language of notices to requesters and departments. */
  NOTICE_LOCALE: z.enum(['zh-CN', 'en']).default('zh-CN'),
  TRUST_PROXY: boolean.default(false),
  /**
   * Telephony (Kamailio). SIP_SECRET signs the operators' SIP credentials and TELEPHONY_TOKEN
   * authenticates Kamailio to the API; both are shared with Kamailio, required in production, and
   * generated per start by `npm start` in development. Without them the API has no telephony.
   */
  SIP_SECRET: sharedSecret.optional(),
  TELEPHONY_TOKEN: sharedSecret.optional(),
  /** Domain of the operators' SIP addresses and the digest realm. */
  SIP_DOMAIN: z.string().regex(/^[A-Za-z0-9.-]+$/, 'letters, digits, . and - only').default('hotline.local'),
  /** Where Kamailio listens: plain SIP (UDP and TCP, for the trunk) and SIP over WebSocket; port 0 = any free port. */
  SIP_HOST: z.string().regex(/^[0-9A-Za-z.:-]+$/, 'an address or host name').default('127.0.0.1'),
  SIP_PORT: port.default(5060),
  SIP_WS_PORT: port.default(5066),
  /** The WebSocket URL browsers connect to (wss://… behind TLS in production); default ws://SIP_HOST:SIP_WS_PORT. */
  SIP_WS_URL: z.string().regex(/^wss?:\/\/[^\s]+$/, 'must start with ws:// or wss://').optional(),
  /** Addresses that may call the hotline number without credentials (the trunk), comma-separated. */
  SIP_TRUNK_SUBNETS: z.string().regex(/^[0-9A-Fa-f.:/]+(,[0-9A-Fa-f.:/]+)*$/, 'comma-separated addresses or subnets').default('127.0.0.1/32'),
  SIP_CREDENTIAL_TTL_HOURS: positiveInt.max(168).default(12),
  /** How long an operator's phone rings before the call counts as missed. */
  RING_SECONDS: z.coerce.number().int().min(1).max(300).default(20),
  /** Webhooks: failed attempts in a row after which a subscription is turned off (and administrators told). */
  WEBHOOK_DISABLE_AFTER_FAILURES: z.coerce.number().int().min(1).max(1000).default(12),
  /** Webhooks: the wait after a receiver's first failure, doubling with each further one up to WEBHOOK_RETRY_MAX_MS. */
  WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  WEBHOOK_RETRY_MAX_MS: z.coerce.number().int().min(100).max(86_400_000).default(3_600_000),
  /** Webhooks: how long a receiver may take to answer. */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /** The Open311 jurisdiction_id we answer to; by default PUBLIC_URL's host without "www." (the specification's suggestion). */
  OPEN311_JURISDICTION_ID: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'letters, digits, . _ and - only').optional(),
  /** How often the API looks for newly dispatched tickets to push to the open consoles. */
  LIVE_POLL_MS: z.coerce.number().int().min(100).max(60_000).default(2000),
  /** Photos and documents of tickets (core/attachments): the largest file, the most pixels an image may decode to, the most files per ticket. */
  ATTACHMENT_MAX_MB: z.coerce.number().int().min(1).max(100).default(10),
  ATTACHMENT_MAX_MEGAPIXELS: z.coerce.number().int().min(1).max(250).default(50),
  ATTACHMENT_MAX_PER_TICKET: z.coerce.number().int().min(1).max(200).default(20),
  /** How long after submitting the requester may add files unasked; afterwards only when a department asks for information. */
  ATTACHMENT_REQUESTER_WINDOW_MINUTES: z.coerce.number().int().min(0).max(10_080).default(60),
});

export type Config = z.infer<typeof configSchema> & { COOKIE_SECURE: boolean };

export class ConfigError extends Error {
  constructor(readonly issues: { setting: string; message: string }[]) {
    super(`Invalid configuration: ${issues.map((i) => `${i.setting}: ${i.message}`).join('; ')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Record<string, string | undefined>): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = configSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({ setting: String(issue.path[0] ?? '?'), message: issue.message })),
    );
  }
  const config = parsed.data;
  return { ...config, COOKIE_SECURE: config.COOKIE_SECURE ?? config.NODE_ENV === 'production' };
}

/** For composition roots: a bad setting ends the process with its name, not a stack trace. */
export function loadConfigOrExit(env: Record<string, string | undefined>): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    process.exit(78);
  }
}
