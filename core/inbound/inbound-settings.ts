import { ConfigError, type Config } from '../platform/config.js';
import type { ImapSettings } from './mailbox-poller.js';

export interface InboundSettings {
  /** null: no mailbox is read. */
  imap: ImapSettings | null;
  /** null: the SMS gateway's endpoint is closed. */
  smsSecret: string | null;
}

export function inboundSettingsFrom(config: Config): InboundSettings {
  const { IMAP_HOST: host, IMAP_USER: user, IMAP_PASSWORD: password } = config;
  if (host && (!user || !password)) {
    throw new ConfigError([...(user ? [] : ['IMAP_USER']), ...(password ? [] : ['IMAP_PASSWORD'])].map((setting) => ({ setting, message: 'required with IMAP_HOST' })));
  }
  return {
    imap: host ? { host, port: config.IMAP_PORT, tls: config.IMAP_TLS, user: user!, password: password!, mailbox: config.IMAP_MAILBOX } : null,
    smsSecret: config.SMS_INBOUND_SECRET ?? null,
  };
}
