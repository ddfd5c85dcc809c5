import type { UserRepository } from '../accounts/user.repository.js';
import { clockStatus } from '../clocks/index.js';
import type { Department } from '../departments/department.js';
import type { DepartmentRepository } from '../departments/department.repository.js';
import type { Config } from '../platform/config.js';
import type { HotlineSettings } from '../settings/hotline-settings.js';
import type { TicketEvent } from '../tickets/ticket-events.js';
import type { Assignment, Ticket, TicketDocument } from '../tickets/ticket.js';
import type { TicketRepository } from '../tickets/ticket.repository.js';
import type { Locale, TemplateData, VisibleRequester } from '../../templates/catalogue.js';
import type { NoticeRequest, Outbox } from './outbox.js';

export interface NoticeSettings {
  /** Where citizens reach the hotline on the web; links in notices start here. */
  publicUrl: string;
  locale: Locale;
}

export const noticeSettingsFrom = (config: Config): NoticeSettings => ({
  publicUrl: (config.PUBLIC_URL ?? `http://${config.HOST}:${config.PORT}`).replace(/\/+$/, ''),
  locale: config.NOTICE_LOCALE,
});

/**
 * The ticket facts a department notice may carry. Every department notice takes its ticket facts
 * from here, so a confidential requester's name and phone cannot reach a department by mail.
 */
export function departmentView(ticket: Pick<Ticket, 'number' | 'subject' | 'categoryPath' | 'requester'>) {
  const requester: VisibleRequester | null = ticket.requester.confidential ? null : { name: ticket.requester.name, phone: ticket.requester.phone };
  return { number: ticket.number, subject: ticket.subject, category: ticket.categoryPath, requester };
}

// Only mainland mobile numbers receive SMS; a landline given at intake does not.
export const mobilePhone = /^1[3-9]\d{9}$/;

const openParts = (ticket: Ticket) => ticket.assignments.filter((a) => a.state === 'dispatched' || a.state === 'accepted');
const leadOf = (ticket: Ticket) => ticket.assignments.find((a) => a.role === 'lead');

/** Turns ticket events into notices in the outbox. */
export class TicketNotices {
  constructor(
    private readonly outbox: Outbox,
    private readonly repositories: { departments: DepartmentRepository; users: UserRepository; tickets: TicketRepository },
    private readonly hotlineSettings: HotlineSettings,
    private readonly settings: NoticeSettings,
  ) {}

  /**
   * For `TicketHooks.onEvent`: stores the notices the event calls for, as of the ticket the event
   * leaves. Calling it again for the same event adds nothing.
   */
  async enqueueFor(ticket: TicketDocument, event: TicketEvent): Promise<number> {
    return this.outbox.enqueue(await this.noticesFor(ticket, event), event.at);
  }

  async noticesFor(ticket: TicketDocument, event: TicketEvent): Promise<NoticeRequest[]> {
    const { number, subject } = departmentView(ticket);
    const common = { number, subject };
    const reason = event.reason;
    switch (event.action) {
      case 'intake':
        return this.received(ticket, event);
      case 'dispatch':
      case 'redispatch':
      case 'reopen':
        return this.dispatched(ticket, event);
      case 'approve_return':
      case 'reject_return': {
        const approved = event.action === 'approve_return';
        const returned = await this.latestEvent(event, 'return');
        const returningId = returned?.actor.departmentId ?? leadOf(ticket)?.departmentId;
        const newLead = approved ? leadOf(ticket)?.departmentId : undefined;
        const names = await this.departments([returningId, newLead]);
        const decided = this.toDepartments(event, 'return-decided', [returningId], names, (name) => ({
          ...common, departmentName: name, approved, newLead: newLead ? (names.get(newLead)?.name ?? null) : null, reason,
        }));
        return approved ? [...(await this.dispatched(ticket, event)), ...decided] : decided;
      }
      case 'undo_auto_dispatch': {
        // The ticket no longer names the departments it was taken from; the dispatch it undoes does.
        const dispatched = await this.latestEvent(event, 'dispatch');
        const { lead, assists } = (dispatched?.data ?? {}) as { lead?: string; assists?: string[] };
        const withdrawn = [lead, ...(assists ?? [])];
        return this.toDepartments(event, 'dispatch-withdrawn', withdrawn, await this.departments(withdrawn), (name) => ({ ...common, departmentName: name, reason }));
      }
      case 'approve_extension':
      case 'deny_extension': {
        const approved = event.action === 'approve_extension';
        const requested = await this.latestEvent(event, 'request_extension');
        const requesterId = requested?.actor.departmentId ?? leadOf(ticket)?.departmentId;
        const until = approved && requested?.data.until instanceof Date ? requested.data.until : null;
        return this.toDepartments(event, 'extension-decided', [requesterId], await this.departments([requesterId]), (name) => ({
          ...common, departmentName: name, approved, until, reason,
        }));
      }
      case 'send_back': {
        const lead = leadOf(ticket);
        const deadline = lead ? await this.replyDeadline(lead, event.at) : null;
        return this.toDepartments(event, 'reply-sent-back', [lead?.departmentId], await this.departments([lead?.departmentId]), (name) => ({
          ...common, departmentName: name, deadline, reason,
        }));
      }
      case 'urge':
        return this.urged(ticket, event, common);
      // The deadline sweep's red warning urges the departments (see the `warn` transition).
      case 'warn':
        return event.data.level === 'red' && ticket.assignments.length > 0 ? this.urged(ticket, event, common) : [];
      case 'supervise':
        return this.supervised(ticket, event, common);
      default:
        return [];
    }
  }

  private received(ticket: TicketDocument, event: TicketEvent): NoticeRequest[] {
    // Imported tickets are history: their requesters were told long ago.
    if (ticket.channel === 'import') return [];
    const { email, phone } = ticket.requester;
    // The portal asks for the phone: a forwarded message alone must not open the ticket.
    const followUrl = `${this.settings.publicUrl}/portal/#/follow/${ticket.number}`;
    const data: TemplateData['ticket-received'] = { number: ticket.number, subject: ticket.subject, followUrl };
    const base = { eventId: event._id, template: 'ticket-received' as const, locale: this.settings.locale, data };
    return [
      ...(email ? [{ ...base, channel: 'email' as const, to: email }] : []),
      ...(phone && mobilePhone.test(phone) ? [{ ...base, channel: 'sms' as const, to: phone }] : []),
    ];
  }

  /** One notice per contact of each department the ticket now sits with. */
  private async dispatched(ticket: TicketDocument, event: TicketEvent): Promise<NoticeRequest[]> {
    const view = departmentView(ticket);
    const names = await this.departments(ticket.assignments.map((a) => a.departmentId));
    const requests: NoticeRequest[] = [];
    for (const part of ticket.assignments) {
      const deadline = await this.replyDeadline(part, event.at);
      requests.push(...this.toDepartments(event, 'ticket-dispatched', [part.departmentId], names, (name) => ({
        ...view, departmentName: name, lead: part.role === 'lead', deadline,
      })));
    }
    return requests;
  }

  /** To the departments that still owe an answer, or the lead when none does. */
  private async urged(ticket: TicketDocument, event: TicketEvent, common: { number: string; subject: string }): Promise<NoticeRequest[]> {
    const open = openParts(ticket);
    const parts = open.length ? open : [leadOf(ticket)].filter((p): p is Assignment => !!p);
    const names = await this.departments(parts.map((p) => p.departmentId));
    const requests: NoticeRequest[] = [];
    for (const part of parts) {
      const deadline = await this.replyDeadline(part, event.at);
      requests.push(...this.toDepartments(event, 'ticket-urged', [part.departmentId], names, (name) => ({
        ...common, departmentName: name, deadline, urgeCount: ticket.urgeCount, reason: event.reason,
      })));
    }
    return requests;
  }

  /** To the lead department's heads and to every supervisor, each once. */
  private async supervised(ticket: TicketDocument, event: TicketEvent, common: { number: string; subject: string }): Promise<NoticeRequest[]> {
    const lead = leadOf(ticket);
    if (!lead) return [];
    const department = (await this.departments([lead.departmentId])).get(lead.departmentId);
    const recipients = await this.repositories.users.escalationEmails(lead.departmentId);
    const data: TemplateData['ticket-supervised'] = {
      ...common, departmentName: department?.name ?? '', deadline: await this.replyDeadline(lead, event.at), reason: event.reason,
    };
    return recipients.map((to) => ({ eventId: event._id, template: 'ticket-supervised' as const, locale: this.settings.locale, channel: 'email' as const, to, data }));
  }

  /** A notice per contact e-mail of each department; departments without contacts get none. */
  private toDepartments<I extends 'ticket-dispatched' | 'ticket-urged' | 'dispatch-withdrawn' | 'return-decided' | 'extension-decided' | 'reply-sent-back'>(
    event: TicketEvent,
    template: I,
    departmentIds: (string | undefined)[],
    departments: Map<string, Pick<Department, 'name' | 'contacts'>>,
    data: (departmentName: string) => TemplateData[I],
  ): NoticeRequest[] {
    return departmentIds.flatMap((id) => {
      const department = id ? departments.get(id) : undefined;
      if (!department) return [];
      const payload = data(department.name);
      return department.contacts.emails.map((to) => ({ eventId: event._id, template, locale: this.settings.locale, channel: 'email', to, data: payload }) as NoticeRequest);
    });
  }

  private async departments(ids: (string | undefined)[]): Promise<Map<string, Pick<Department, 'name' | 'contacts'>>> {
    const wanted = [...new Set(ids.filter((id): id is string => !!id))];
    const rows = wanted.length ? await this.repositories.departments.contactsOf(wanted) : [];
    return new Map(rows.map((d) => [String(d._id), d]));
  }

  private async replyDeadline(part: Assignment, at: Date): Promise<Date | null> {
    const settings = await this.hotlineSettings.current();
    return clockStatus(part.replyClock, at, settings.calendar, settings.thresholds).dueAt;
  }

  /** The event of `action` that the given event answers: the latest one before it. */
  private latestEvent(event: TicketEvent, action: string): Promise<TicketEvent | null> {
    return this.repositories.tickets.latestEventBefore(event.ticketId, action, event.version);
  }
}
