import { ImapFlow } from 'imapflow';
import type { Logger } from '../platform/logger.js';
import { readMail, type InboundMail } from './inbound-mail.js';

export interface ImapSettings {
  host: string;
  port: number;
  /** `tls`: TLS from the start (993); `starttls`: upgrade required (143); `none`: cleartext, for a server on loopback. */
  tls: 'tls' | 'starttls' | 'none';
  user: string;
  password: string;
  mailbox: string;
}

/** Messages taken per poll: a backlog drains over several polls instead of holding one job for long. */
const batchSize = 50;

/**
 * Polls the hotline's mailbox over IMAP: each unseen message is taken in (`InboundMail`), then
 * flagged \Seen; auto-replies and bounces are only flagged. A poll that dies in between leaves
 * the message unseen; the next one takes it in again, which its key makes a no-op beyond
 * flagging it.
 */
export class MailboxPoller {
  constructor(
    private readonly settings: ImapSettings | null,
    private readonly mail: InboundMail,
  ) {}

  async poll(now: () => Date, logger: Logger): Promise<{ received: number; ignored: number; failed: number }> {
    const report = { received: 0, ignored: 0, failed: 0 };
    if (!this.settings) return report;
    const { host, port, tls, user, password, mailbox } = this.settings;
    const client = new ImapFlow({
      host, port, secure: tls === 'tls', doSTARTTLS: tls === 'starttls' ? true : tls === 'none' ? false : undefined,
      auth: { user, pass: password }, logger: false, disableAutoIdle: true,
      connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 60_000,
    });
    // Socket failures arrive as events; without a listener they would end the process.
    client.on('error', (err: unknown) => logger.warn({ err }, 'IMAP connection failed'));
    await client.connect();
    try {
      const lock = await client.getMailboxLock(mailbox);
      try {
        const uidValidity = client.mailbox ? String(client.mailbox.uidValidity) : '0';
        const unseen = (await client.search({ seen: false }, { uid: true })) || [];
        for (const uid of unseen.slice(0, batchSize)) {
          try {
            const message = await client.fetchOne(String(uid), { source: true }, { uid: true });
            if (!message || !message.source) continue;
            const mail = await readMail(message.source, `imap:${user}@${host}/${mailbox};${uidValidity};${uid}`);
            // Auto-replies and bounces are nobody's request, and answering them could loop.
            if (!mail.automatic) await this.mail.receive(mail, now());
            await client.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
            report[mail.automatic ? 'ignored' : 'received'] += 1;
          } catch (err) {
            // Left unseen: the next poll tries it again.
            report.failed += 1;
            logger.error({ err, uid }, 'inbound e-mail not taken in; retried at the next poll');
          }
        }
      } finally {
        lock.release();
      }
    } finally {
      await client.logout().catch(() => client.close());
    }
    return report;
  }
}
