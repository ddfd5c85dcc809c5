import { Schema, type Connection, type Model } from 'mongoose';
import { authorize, systemActor, type Actor } from '../accounts/access.js';
import { newSecret } from '../accounts/secrets.js';
import { clockStatus } from '../clocks/index.js';
import { defineModel } from '../platform/database.js';
import { compareAndSet } from '../platform/compare-and-set.js';
import { DomainError, isDomainError } from '../platform/errors.js';
import type { Outbox } from '../notifications/outbox.js';
import { mobilePhone } from '../notifications/ticket-notices.js';
import type { Locale } from '../../templates/catalogue.js';
import type { Satisfaction } from '../tickets/ticket.js';
import type { TicketRepository } from '../tickets/ticket.repository.js';
import type { Tickets } from '../tickets/tickets.js';
import { summarizeTicket, type TicketSummary } from '../tickets/ticket-view.js';

/** One survey link: single use, one per ticket and callback round (a reopened ticket gets a new one). */
interface Survey {
  /** `<ticketId>:<round>`: creating it twice keeps the first. */
  _id: string;
  token: string;
  ticketId: string;
  createdAt: Date;
  expiresAt: Date;
  answeredAt: Date | null;
  version: number;
}

const surveySchema = new Schema<Survey>(
  { _id: String, token: { type: String, required: true }, ticketId: String, createdAt: Date, expiresAt: Date, answeredAt: { type: Date, default: null }, version: { type: Number, default: 1 } },
  { versionKey: false, collection: 'callback_surveys' },
);
surveySchema.index({ token: 1 }, { unique: true });

export const surveyModel = (connection: Connection): Model<Survey> => defineModel(connection, 'CallbackSurvey', surveySchema);

/** A survey link stays usable a week, well past the 2-working-day callback limit, so late answers still count. */
const surveyLifetimeMs = 7 * 86_400_000;

export interface SurveyAnswer {
  resolved: boolean | null;
  satisfaction: Satisfaction | null;
  comment?: string | null;
}

/**
 * 回访: sends the satisfaction survey once a reply is accepted, keeps the operators' queue of
 * callbacks to make by phone, records answers, and follows up: archive when satisfied and
 * resolved, reopen to the same lead department otherwise.
 */
export class Callbacks {
  private readonly surveys: Model<Survey>;

  constructor(
    connection: Connection,
    private readonly tickets: Tickets,
    private readonly ticketRows: TicketRepository,
    private readonly outbox: Outbox,
    private readonly settings: { publicUrl: string; locale: Locale },
  ) {
    this.surveys = surveyModel(connection);
  }

  /** The callbacks job: survey links for tickets whose reply was just accepted. Idempotent. */
  async sendSurveys(now: Date): Promise<{ sent: number; noContact: number }> {
    const report = { sent: 0, noContact: 0 };
    const pending = await this.ticketRows.surveysToSend(200);
    for (const ticket of pending) {
      const id = String(ticket._id);
      const channel = ticket.requester.phone && mobilePhone.test(ticket.requester.phone) ? 'sms' : ticket.requester.email ? 'email' : null;
      if (channel) {
        const survey = await this.surveyFor(id, ticket.reopenCount, now);
        // The portal's survey page; the token rides in the fragment, which browsers never send to a server or proxy log.
        const surveyUrl = `${this.settings.publicUrl}/portal/#/survey/${survey.token}`;
        await this.outbox.enqueue(
          [{
            eventId: `${id}:survey:${ticket.reopenCount}`, template: 'callback-survey', locale: this.settings.locale, channel,
            to: (channel === 'sms' ? ticket.requester.phone : ticket.requester.email)!,
            data: { number: ticket.number, surveyUrl, expiresAt: survey.expiresAt },
          }],
          now,
        );
      }
      try {
        await this.tickets.act({ actor: systemActor, now }, id, 'send_survey', { sent: channel !== null });
        report[channel ? 'sent' : 'noContact'] += 1;
      } catch (err) {
        if (!isDomainError(err) || !['VERSION_CONFLICT', 'INVALID_TRANSITION'].includes(err.code)) throw err;
      }
    }
    return report;
  }

  /** What the survey page shows: enough to recognise the request, nothing personal. */
  async survey(token: string, now: Date) {
    const { survey, ticket } = await this.open(token, now);
    const lead = ticket.assignments.find((a) => a.role === 'lead');
    return { number: ticket.number, subject: ticket.subject, reply: lead?.reply ?? null, expiresAt: survey.expiresAt };
  }

  /** The requester's answer on the survey page; the link works once. */
  async answerSurvey(token: string, answer: SurveyAnswer, now: Date): Promise<{ number: string; outcome: 'archived' | 'reopened' }> {
    const { survey, ticket } = await this.open(token, now);
    // Compare-and-set, so two submissions of the same link (a double click) record one answer.
    await compareAndSet(this.surveys, survey._id, survey.version, { answeredAt: now }, 'survey').catch((err: unknown) => {
      throw isDomainError(err) && err.code === 'VERSION_CONFLICT' ? surveyGone() : err;
    });
    const requester = { ...systemActor, username: 'requester (survey)' };
    await this.tickets.act({ actor: requester, now }, String(ticket._id), 'callback', { ...answer, via: 'survey' });
    const outcome = await this.followUp(String(ticket._id), now);
    return { number: ticket.number, outcome: outcome ?? 'archived' };
  }

  /** The survey round awaiting an answer from this phone number (canonical; the newest round), or null. */
  async awaitingAnswerFrom(phone: string): Promise<{ ticketId: string; round: number } | null> {
    const ticket = await this.ticketRows.awaitingSurveyAnswer(phone);
    return ticket ? { ticketId: String(ticket._id), round: ticket.reopenCount } : null;
  }

  /**
   * The requester's answer by SMS to the survey of this round (a digit, see `satisfactionDigit`).
   * May be repeated: a survey already answered, or a ticket already past its callback, is left as it is.
   */
  async answerBySms(ticketId: string, round: number, satisfaction: Satisfaction, now: Date): Promise<{ number: string; outcome: 'archived' | 'reopened' | null }> {
    const survey = await this.surveys.findById(`${ticketId}:${round}`).lean();
    if (survey && !survey.answeredAt) {
      await compareAndSet(this.surveys, survey._id, survey.version, { answeredAt: now }, 'survey').catch((err: unknown) => {
        if (!isDomainError(err) || err.code !== 'VERSION_CONFLICT') throw err;
      });
    }
    const ticket = await this.ticketRows.byId(ticketId);
    if (!ticket) throw new DomainError('TICKET_NOT_FOUND', `No ticket with id ${ticketId}.`);
    if (ticket.state === 'awaiting_callback' && ticket.reopenCount === round) {
      const requester = { ...systemActor, username: 'requester (sms)' };
      try {
        await this.tickets.act({ actor: requester, now }, ticketId, 'callback', { resolved: null, satisfaction, via: 'sms' });
      } catch (err) {
        if (!isDomainError(err) || !['VERSION_CONFLICT', 'INVALID_TRANSITION'].includes(err.code)) throw err;
      }
    }
    return { number: ticket.number, outcome: await this.followUp(ticketId, now) };
  }

  /**
   * Archives or reopens tickets whose callback is recorded. Run after every callback and by a job,
   * so an operator's phone callback is followed up too.
   */
  async followUpAll(now: Date): Promise<{ archived: number; reopened: number }> {
    const report = { archived: 0, reopened: 0 };
    for (const id of await this.ticketRows.closedIds(500)) {
      const outcome = await this.followUp(id, now);
      if (outcome === 'archived') report.archived += 1;
      if (outcome === 'reopened') report.reopened += 1;
    }
    return report;
  }

  /** The operators' queue: callbacks to make by phone, oldest deadline first. */
  async queue(actor: Actor, now: Date): Promise<(TicketSummary & { callbackDueAt: Date | null; reason: 'no_contact' | 'survey_unanswered' })[]> {
    authorize(actor, 'tickets.intake');
    const [noContact, overdue] = await Promise.all([
      this.ticketRows.callbacksWithoutContact(500),
      this.ticketRows.callbacksOverdue(500),
    ]);
    const env = await this.tickets.env(now, null);
    const rows = new Map<string, TicketSummary & { callbackDueAt: Date | null; reason: 'no_contact' | 'survey_unanswered' }>();
    for (const [list, reason] of [[noContact, 'no_contact'], [overdue, 'survey_unanswered']] as const) {
      for (const ticket of list) {
        if (rows.has(String(ticket._id))) continue;
        const callbackDueAt = ticket.callbackClock ? clockStatus(ticket.callbackClock, now, env.calendar, env.thresholds).dueAt : null;
        rows.set(String(ticket._id), { ...summarizeTicket(ticket), callbackDueAt, reason });
      }
    }
    return [...rows.values()].sort((a, b) => (a.callbackDueAt?.getTime() ?? 0) - (b.callbackDueAt?.getTime() ?? 0));
  }

  private async followUp(id: string, now: Date): Promise<'archived' | 'reopened' | null> {
    const ticket = await this.ticketRows.callbackOf(id);
    if (!ticket || ticket.state !== 'closed' || !ticket.callback) return null;
    const negative = ticket.callback.resolved === false || ticket.callback.satisfaction === 'dissatisfied';
    const reason = negative ? `回访${ticket.callback.satisfaction === 'dissatisfied' ? '不满意' : '未解决'}${ticket.callback.comment ? `：${ticket.callback.comment}` : ''}` : null;
    try {
      if (negative) await this.tickets.act({ actor: systemActor, now }, id, 'reopen', { reason: reason! });
      else await this.tickets.act({ actor: systemActor, now }, id, 'archive', {});
      return negative ? 'reopened' : 'archived';
    } catch (err) {
      if (isDomainError(err) && ['VERSION_CONFLICT', 'INVALID_TRANSITION'].includes(err.code)) return null;
      throw err;
    }
  }

  private async surveyFor(ticketId: string, round: number, now: Date): Promise<Survey> {
    const _id = `${ticketId}:${round}`;
    try {
      return (await this.surveys.create({ _id, token: newSecret(24), ticketId, createdAt: now, expiresAt: new Date(now.getTime() + surveyLifetimeMs), answeredAt: null, version: 1 })).toObject();
    } catch (err) {
      if ((err as { code?: number }).code !== 11000) throw err;
      return (await this.surveys.findById(_id).lean())!;
    }
  }

  private async open(token: string, now: Date) {
    const survey = await this.surveys.findOne({ token }).lean();
    if (!survey || survey.answeredAt || survey.expiresAt <= now) throw surveyGone();
    const ticket = await this.ticketRows.byId(survey.ticketId);
    if (!ticket || ticket.state !== 'awaiting_callback') throw surveyGone();
    return { survey, ticket };
  }
}

const surveyGone = () => new DomainError('SURVEY_NOT_FOUND', 'This survey link was used already, has expired, or does not exist.');
