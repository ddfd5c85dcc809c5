import path from 'node:path';
import { ConfigError, type Config } from '../platform/config.js';
import type { NoticeChannel } from '../../templates/catalogue.js';
import { fileTransport } from './file-transport.js';
import { smtpTransport } from './mail-transport.js';
import { smsGatewayTransport } from './sms-gateway.js';
import type { Transport } from './transport.js';
import { tcpAccepts, type DependencyCheck } from '../platform/readiness.js';

/**
 * The way out for each channel. Without an SMTP server or SMS gateway, development appends
 * messages to files under DATA_DIR/outbox; production refuses to start that way, since notices
 * would count as sent while nobody receives them.
 */
export function transportsFromConfig(config: Config): Record<NoticeChannel, Transport> {
  const missing = [
    ...(config.NODE_ENV === 'production' && !config.SMTP_HOST ? [{ setting: 'SMTP_HOST', message: 'required in production' }] : []),
    ...(config.NODE_ENV === 'production' && !config.SMS_GATEWAY_URL ? [{ setting: 'SMS_GATEWAY_URL', message: 'required in production' }] : []),
    ...(config.SMS_GATEWAY_URL && !config.SMS_GATEWAY_TOKEN ? [{ setting: 'SMS_GATEWAY_TOKEN', message: 'required with SMS_GATEWAY_URL' }] : []),
  ];
  if (missing.length) throw new ConfigError(missing);
  const file = (name: string) => fileTransport(path.join(config.DATA_DIR, 'outbox', name));
  return {
    email: config.SMTP_HOST
      ? smtpTransport({ host: config.SMTP_HOST, port: config.SMTP_PORT, secure: config.SMTP_SECURE, user: config.SMTP_USER, password: config.SMTP_PASSWORD, from: config.MAIL_FROM })
      : file('mail.jsonl'),
    sms: config.SMS_GATEWAY_URL ? smsGatewayTransport({ url: config.SMS_GATEWAY_URL, token: config.SMS_GATEWAY_TOKEN! }) : file('sms.jsonl'),
  };
}

/**
 * Readiness of the ways out: the SMTP server and the SMS gateway accept a connection. The file
 * transports of development are always there.
 */
export function transportChecks(config: Config): DependencyCheck[] {
  const gateway = config.SMS_GATEWAY_URL ? new URL(config.SMS_GATEWAY_URL) : null;
  const smtpHost = config.SMTP_HOST;
  return [
    { name: 'mail', answers: async () => (smtpHost ? tcpAccepts(smtpHost, config.SMTP_PORT) : true) },
    {
      name: 'sms',
      answers: async () => (gateway ? tcpAccepts(gateway.hostname.replace(/^\[|\]$/g, ''), Number(gateway.port) || (gateway.protocol === 'https:' ? 443 : 80)) : true),
    },
  ];
}
