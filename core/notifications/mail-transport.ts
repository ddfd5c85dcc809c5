import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import addressparser from 'nodemailer/lib/addressparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { DeliveryRefused, type OutgoingMessage, type Transport } from './transport.js';

export interface SmtpSettings {
  host: string;
  port: number;
  secure: boolean;
  user?: string;
  password?: string;
  /** `Name <address>`; its domain also names the Message-IDs. */
  from: string;
}

/** Message-IDs derived from the outbox id: every copy of one notice carries the same one, so receivers can fold them. */
export function messageIdFor(noticeId: string, from: string): string {
  const [sender] = addressparser(from, { flatten: true });
  const domain = sender?.address.split('@')[1] ?? 'hotline12345.local';
  return `<${noticeId}@${domain}>`;
}

/**
 * Mail over SMTP, one connection per message. nodemailer's SMTPConnection is used directly (not
 * sendMail) because the end of DATA must wait for `commit`: the body is streamed, and only once
 * the commit is recorded does the stream end, which sends the final dot. A sender that dies
 * before that leaves the server with an unfinished DATA, which it discards.
 */
export function smtpTransport(settings: SmtpSettings): Transport {
  return {
    async deliver(message: OutgoingMessage, commit: () => Promise<void>) {
      const mail = new MailComposer({
        from: settings.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        messageId: messageIdFor(message.id, settings.from),
        headers: { 'Auto-Submitted': 'auto-generated' },
      }).compile();
      const raw = await mail.build();
      const connection = new SMTPConnection({
        host: settings.host, port: settings.port, secure: settings.secure,
        connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000,
      });
      // The connection reports socket failures as events; without a listener they would end the process.
      const broken = new Promise<never>((_resolve, reject) => connection.on('error', reject));
      broken.catch(() => {});
      const step = <T>(run: (done: (err: Error | null | undefined, value?: T) => void) => void) =>
        Promise.race([broken, new Promise<T>((resolve, reject) => run((err, value) => (err ? reject(err) : resolve(value as T))))]);
      try {
        await step<void>((done) => connection.connect((err) => done(err)));
        // As nodemailer does: a server that offers no AUTH (a relay trusting our address) is used without it.
        if (settings.user && connection.allowsAuth) await step<boolean>((done) => connection.login({ user: settings.user, pass: settings.password ?? '' }, done));
        const body = new PassThrough();
        const accepted = step((done) => connection.send(mail.getEnvelope(), body, done));
        accepted.catch(() => {}); // awaited below, or left behind when the commit is refused
        body.write(raw);
        // The body starts flowing once the server has taken the envelope and answered DATA.
        await Promise.race([once(body, 'resume'), accepted]);
        try {
          await commit();
        } catch (err) {
          body.destroy();
          throw err;
        }
        body.end();
        await accepted;
        connection.quit();
      } catch (err) {
        connection.close();
        throw refusalOf(err);
      }
    },
  };
}

/** An SMTP reply refusing the envelope or the message is a definite "not delivered"; anything else stays as it is. */
function refusalOf(err: unknown): unknown {
  const smtp = err as { code?: string; responseCode?: number; permanent?: boolean; message?: string };
  if (typeof smtp.responseCode === 'number' && (smtp.code === 'EENVELOPE' || smtp.code === 'EMESSAGE')) {
    return new DeliveryRefused(smtp.message ?? `SMTP ${smtp.responseCode}`, smtp.permanent === true);
  }
  return err;
}
