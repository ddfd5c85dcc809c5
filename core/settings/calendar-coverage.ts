import type { UserRepository } from '../accounts/user.repository.js';
import { chinaDateKey, type DateKey, type WorkingCalendar } from '../clocks/index.js';
import type { Outbox } from '../notifications/outbox.js';
import type { Locale } from '../../templates/catalogue.js';
import type { HotlineSettings } from './hotline-settings.js';

/** Administrators are warned this many days before the statutory calendar runs out. */
export const calendarWarningDays = 60;

export interface CalendarCoverage {
  /** The last day whose holidays the calendar knows from the State Council (the package or an imported notice). */
  until: DateKey;
  daysLeft: number;
  /** Within `calendarWarningDays` of `until`: the next year's notice should be imported. */
  endingSoon: boolean;
}

const dayMs = 86_400_000;

/** How long the working calendar still knows the holidays, seen at `now`. Pure. */
export function calendarCoverage(calendar: WorkingCalendar, now: Date): CalendarCoverage {
  const until = `${calendar.statutoryYears.last}-12-31`;
  const daysLeft = Math.round((Date.parse(`${until}T00:00:00Z`) - Date.parse(`${chinaDateKey(now)}T00:00:00Z`)) / dayMs);
  return { until, daysLeft, endingSoon: daysLeft <= calendarWarningDays };
}

/** The daily check: once the calendar is within 60 days of its end, every administrator with an e-mail is told, once per end date. */
export class CalendarCoverageWatch {
  constructor(
    private readonly settings: HotlineSettings,
    private readonly users: UserRepository,
    private readonly outbox: Outbox,
    private readonly locale: Locale,
    private readonly publicUrl: string,
  ) {}

  async warnAdministrators(now: Date): Promise<CalendarCoverage & { notices: number }> {
    const coverage = calendarCoverage((await this.settings.current()).calendar, now);
    if (!coverage.endingSoon) return { ...coverage, notices: 0 };
    const nextYear = Number(coverage.until.slice(0, 4)) + 1;
    const administrators = await this.users.administratorEmails();
    // The notices' ids derive from the end date: a daily re-run adds nothing, an import that moves the end starts afresh.
    const notices = await this.outbox.enqueue(
      administrators.map((to) => ({
        eventId: `calendar-coverage:${coverage.until}`, template: 'calendar-ending' as const, locale: this.locale, channel: 'email' as const, to,
        data: { until: coverage.until, daysLeft: coverage.daysLeft, nextYear, calendarUrl: `${this.publicUrl}/console/admin/#/calendar/${nextYear}-01` },
      })),
      now,
    );
    return { ...coverage, notices };
  }
}
