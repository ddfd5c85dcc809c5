import { createHash } from 'node:crypto';
import { simpleParser, type AddressObject } from 'mailparser';
import { attachmentRef, type Attachments } from '../attachments/attachments.js';
import type { Outbox } from '../notifications/outbox.js';
import { openStates, type TicketDocument } from '../tickets/ticket.js';
import type { TicketRepository } from '../tickets/ticket.repository.js';
import type { Tickets } from '../tickets/tickets.js';
import { inboundIntake, recordRequesterMessage } from './inbound-intake.js';
import type { InboundDecision, InboundMessages, InboundOutcome } from './inbound-messages.js';

/** An e-mail as the hotline reads it, whatever its MIME structure. */
export interface ReceivedMail {
  /** The sender's Message-ID, or the mailbox's own id of the message when it has none. */
  key: string;
  from: { address: string; name: string | null } | null;
  subject: string;
  /** The plain-text body, or the HTML body converted to text. */
  text: string;
  /** Message-IDs it answers (In-Reply-To and References), without angle brackets. */
  answers: string[];
  attachments: { name: string; contentType: string; content: Buffer }[];
  /** Written by a machine (an auto-reply, a bounce: RFC 3834's Auto-Submitted), not by a requester. */
  automatic: boolean;
}

/** Parses a raw message (RFC 5322). `fallbackKey` names a message that has no Message-ID. */
export async function readMail(source: Buffer, fallbackKey: string): Promise<ReceivedMail> {
  const mail = await simpleParser(source, { skipImageLinks: true });
  const from = firstAddress(mail.from);
  const references = [mail.inReplyTo ?? [], mail.references ?? []].flat().join(' ');
  return {
    key: stripBrackets(mail.messageId ?? '') || fallbackKey,
    from,
    subject: (mail.subject ?? '').trim(),
    text: (mail.text ?? '').trim(),
    answers: [...references.matchAll(/<([^<>\s]+)>/g)].map((m) => m[1]!),
    // Inline pictures too: a photo pasted into the body is as much the requester's evidence.
    attachments: mail.attachments.map((a, i) => ({ name: a.filename ?? `attachment-${i + 1}`, contentType: a.contentType, content: a.content })),
    automatic: isAutomatic(mail.headers.get('auto-submitted'), mail.headers.get('content-type')),
  };
}

/** RFC 3834: anything but `Auto-Submitted: no` is a machine's; a delivery report (a bounce) is multipart/report. */
function isAutomatic(autoSubmitted: unknown, contentType: unknown): boolean {
  const submitted = typeof autoSubmitted === 'string' ? autoSubmitted.trim().toLowerCase() : 'no';
  return submitted !== 'no' || (contentType as { value?: string } | undefined)?.value?.toLowerCase() === 'multipart/report';
}

const stripBrackets = (id: string) => id.trim().replace(/^<|>$/g, '');

function firstAddress(value: AddressObject | AddressObject[] | undefined): ReceivedMail['from'] {
  const first = [value ?? []].flat().flatMap((a) => a.value)[0];
  return first?.address ? { address: first.address.toLowerCase(), name: first.name.trim() || null } : null;
}

/** The outbox ids in Message-IDs of notices we sent (`<noticeId@domain>`, see mail-transport.ts). */
const noticeIdsIn = (messageIds: string[]) => messageIds.map((id) => /^([0-9a-f]{32})@/.exec(id)?.[1]).filter((id): id is string => !!id);

/** Ticket numbers read in a subject: the China date and a six-digit sequence (ticket-numbers.ts). */
const ticketNumbersIn = (subject: string) => [...subject.matchAll(/(?<!\d)(20\d{12})(?!\d)/g)].map((m) => m[1]!);

/**
 * 受理 by e-mail: each message becomes a ticket (channel `email`), or, when its sender answers one
 * of our notices about an open ticket of theirs or names its number in the subject, a requester
 * message on that ticket. Attachments are kept either way.
 */
export class InboundMail {
  constructor(
    private readonly inbound: InboundMessages,
    private readonly tickets: Tickets,
    private readonly ticketRows: TicketRepository,
    private readonly outbox: Outbox,
    private readonly attachments: Attachments,
  ) {}

  async receive(mail: ReceivedMail, now: Date): Promise<InboundOutcome & { replayed: boolean }> {
    const key = `email:${mail.key}`;
    return this.inbound.takeOnce(key, now, () => this.decide(mail), async (decision) => {
      const keyHash = createHash('sha256').update(key).digest('hex').slice(0, 32);
      const kept = await Promise.all(mail.attachments.map((a, i) => this.attachments.keep({ id: `email:${keyHash}:${i}`, source: 'email', ...a }, now)));
      const refs = kept.map(attachmentRef);
      const text = mail.text || mail.subject || '（无正文）';
      const outcome = decision.kind === 'message'
        ? await recordRequesterMessage(this.tickets, this.ticketRows, decision.ticketId, { channel: 'email', text, messageKey: key, attachments: refs }, now)
        : null;
      const result = outcome ?? await inboundIntake(this.tickets, {
        channel: 'email',
        requester: { name: mail.from?.name?.slice(0, 60) ?? null, email: mail.from?.address ?? null },
        subject: subjectOf(mail),
        content: text,
        attachments: refs,
      }, key, now);
      await this.attachments.linkToTicket(kept.map((a) => a._id), result.ticketId);
      return result;
    });
  }

  /** A message threads onto an open ticket of the same requester that it answers or names. */
  private async decide(mail: ReceivedMail): Promise<InboundDecision> {
    const sender = mail.from?.address;
    if (!sender) return { kind: 'ticket' };
    const candidates: (TicketDocument | null)[] = [];
    for (const id of await this.outbox.ticketIdsOf(noticeIdsIn(mail.answers))) candidates.push(await this.ticketRows.byId(id));
    for (const number of ticketNumbersIn(mail.subject)) candidates.push(await this.ticketRows.byNumber(number));
    const ticket = candidates.find((t) => t && openStates.includes(t.state) && t.requester.email?.toLowerCase() === sender);
    return ticket ? { kind: 'message', ticketId: String(ticket._id) } : { kind: 'ticket' };
  }
}

function subjectOf(mail: ReceivedMail): string {
  const line = (mail.subject || mail.text.split('\n')[0] || '').replace(/\s+/g, ' ').trim();
  return line.slice(0, 120) || '（无主题）';
}
