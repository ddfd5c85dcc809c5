import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A real SMTP server on loopback that keeps every message it accepted, parsed. */
export interface SmtpCapture {
  host: string;
  port: number;
  /** Messages accepted (answered 250), in order. */
  messages: ParsedMail[];
  /** Answers the next `count` messages with `code` instead of accepting them (451 temporary, 550 permanent). */
  refuseNext(count: number, code: number): void;
  /** Waits this long before answering each message, so a test can stop a sender mid-batch. */
  setDelay(ms: number): void;
  /** Resolves once `count` messages have been accepted. */
  waitFor(count: number, timeoutMs?: number): Promise<ParsedMail[]>;
  /** How many accepted messages carry each Message-ID. */
  copiesByMessageId(): Map<string, number>;
  clear(): void;
  close(): Promise<void>;
}

export async function startSmtpCapture(): Promise<SmtpCapture> {
  const messages: ParsedMail[] = [];
  let refusals: { left: number; code: number } = { left: 0, code: 451 };
  let delayMs = 0;
  const waiters = new Set<() => void>();

  const server = new SMTPServer({
    authOptional: true,
    // Plain text on loopback: STARTTLS with the server's self-signed certificate would only fail verification.
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      // A client that goes away before the final dot makes the parser fail: nothing is kept, as a real server would do.
      simpleParser(stream).then(
        async (mail) => {
          if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
          if (refusals.left > 0) {
            refusals.left--;
            return callback(Object.assign(new Error(`refused by the test (${refusals.code})`), { responseCode: refusals.code }));
          }
          messages.push(mail);
          for (const wake of waiters) wake();
          callback();
        },
        () => callback(new Error('message not received in full')),
      );
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;

  return {
    host: '127.0.0.1',
    port,
    messages,
    refuseNext: (count, code) => (refusals = { left: count, code }),
    setDelay: (ms) => (delayMs = ms),
    waitFor(count, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (messages.length < count) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(messages);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`expected ${count} messages within ${timeoutMs} ms, got ${messages.length}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    copiesByMessageId() {
      const copies = new Map<string, number>();
      for (const mail of messages) copies.set(mail.messageId ?? '', (copies.get(mail.messageId ?? '') ?? 0) + 1);
      return copies;
    },
    clear: () => void messages.splice(0),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
