import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Callbacks } from '../callbacks/callbacks.js';
import { DomainError } from '../platform/errors.js';
import { requesterPhone, type Satisfaction } from '../tickets/ticket.js';
import type { Tickets } from '../tickets/tickets.js';
import { inboundIntake } from './inbound-intake.js';
import type { InboundDecision, InboundMessages, InboundOutcome } from './inbound-messages.js';

/** An SMS as the gateway posts it. */
export interface ReceivedSms {
  /** The gateway's id of the message: a repeated post with it is the same SMS. */
  id: string;
  /** The sender's number as the gateway gives it (`+8613800138000`, `13800138000`, …); matched and stored canonical. */
  from: string;
  text: string;
}

/** How far a signed request's timestamp may be from our clock, either way. */
export const signatureToleranceSeconds = 300;

/**
 * Checks the gateway's signature: hex HMAC-SHA256, keyed with the shared secret, of
 * `<timestamp>.<raw body>` (timestamp in Unix seconds). A stale timestamp is refused so a captured
 * request cannot be replayed later.
 */
export function verifySmsSignature(secret: string, signed: { timestamp: string; signature: string; body: Buffer }, now: Date): void {
  if (!/^\d{1,12}$/.test(signed.timestamp)) {
    throw new DomainError('SIGNATURE_INVALID', 'X-Signature-Timestamp must be the signing time in Unix seconds.', { header: 'X-Signature-Timestamp' });
  }
  if (Math.abs(now.getTime() / 1000 - Number(signed.timestamp)) > signatureToleranceSeconds) {
    throw new DomainError('SIGNATURE_EXPIRED', `The signature's timestamp is more than ${signatureToleranceSeconds} s away from the server's clock; sign with the current time.`, { header: 'X-Signature-Timestamp' });
  }
  const expected = smsSignature(secret, signed.timestamp, signed.body);
  const given = Buffer.from(signed.signature.replace(/^sha256=/, ''), 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new DomainError('SIGNATURE_INVALID', 'The signature does not match the body and timestamp for the configured secret.', { header: 'X-Signature' });
  }
}

const smsSignature = (secret: string, timestamp: string, body: Buffer): Buffer =>
  createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest();

/** The digit of a survey answer by SMS, as the survey SMS offers it; null for any other text. */
export function satisfactionDigit(text: string): Satisfaction | null {
  // NFKC: a full-width ３ from a Chinese keyboard is a 3.
  const digit = /^\s*([123])\s*[.。]?\s*$/.exec(text.normalize('NFKC'))?.[1];
  return digit === '1' ? 'satisfied' : digit === '2' ? 'basically_satisfied' : digit === '3' ? 'dissatisfied' : null;
}

/**
 * 受理 by SMS: each text becomes a ticket (channel `sms`), except a satisfaction digit from a
 * number whose survey awaits its answer, which records the callback (and so archives or reopens
 * the ticket as a survey answer on the web would).
 */
export class InboundSms {
  constructor(
    private readonly inbound: InboundMessages,
    private readonly tickets: Tickets,
    private readonly callbacks: Callbacks,
  ) {}

  async receive(sms: ReceivedSms, now: Date): Promise<InboundOutcome & { replayed: boolean }> {
    const key = `sms:${sms.id}`;
    const phone = requesterPhone(sms.from);
    const satisfaction = satisfactionDigit(sms.text);
    const decide = async (): Promise<InboundDecision> => {
      const survey = satisfaction && phone ? await this.callbacks.awaitingAnswerFrom(phone) : null;
      return survey && satisfaction ? { kind: 'survey', ...survey, satisfaction } : { kind: 'ticket' };
    };
    return this.inbound.takeOnce(key, now, decide, async (decision) => {
      if (decision.kind === 'survey') {
        const answered = await this.callbacks.answerBySms(decision.ticketId, decision.round, decision.satisfaction, now);
        return { kind: 'survey', ticketId: decision.ticketId, number: answered.number, followUp: answered.outcome };
      }
      const text = sms.text.trim() || '（空短信）';
      return inboundIntake(this.tickets, {
        channel: 'sms',
        requester: { phone },
        subject: text.replace(/\s+/g, ' ').slice(0, 30),
        content: text,
        attachments: [],
      }, key, now);
    });
  }
}
