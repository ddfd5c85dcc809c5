import type { UserRepository } from '../accounts/user.repository.js';
import type { DepartmentRepository } from '../departments/department.repository.js';
import type { Outbox } from '../notifications/outbox.js';
import type { Locale, RankingRow } from '../../templates/catalogue.js';
import type { HotlineSettings } from '../settings/hotline-settings.js';
import type { DepartmentCounters } from './department-counters.js';
import { rankDepartments } from './rates.js';

/** The first and last China date of a month (`YYYY-MM`). */
export function monthDays(month: string): { from: string; to: string } {
  const [year, m] = month.split('-').map(Number) as [number, number];
  const last = new Date(Date.UTC(year, m, 0)).getUTCDate();
  return { from: `${month}-01`, to: `${month}-${String(last).padStart(2, '0')}` };
}

/** The month before the China date of `now`. */
export function previousMonth(now: Date): string {
  const china = new Date(now.getTime() + 8 * 3_600_000);
  const first = new Date(Date.UTC(china.getUTCFullYear(), china.getUTCMonth() - 1, 1));
  return first.toISOString().slice(0, 7);
}

/**
 * 每月排名: the three rates and the composite per department, those praised and named, mailed to
 * supervisors and every department head, ranked as the administrator set (`HotlineSettings.ranking`).
 */
export class MonthlyRanking {
  constructor(
    private readonly counters: DepartmentCounters,
    private readonly departments: DepartmentRepository,
    private readonly users: UserRepository,
    private readonly outbox: Outbox,
    private readonly locale: Locale,
    private readonly settings: HotlineSettings,
  ) {}

  async compute(from: string, to: string) {
    const [totals, { ranking: policy }] = await Promise.all([this.counters.totals(from, to), this.settings.current()]);
    const ranking = rankDepartments(totals, policy);
    const names = await this.departments.names();
    const row = (r: (typeof ranking.rows)[number]): RankingRow => ({
      rank: r.rank,
      department: names.get(r.departmentId) ?? r.departmentId,
      responseRate: r.rates.response ?? 0,
      resolutionRate: r.rates.resolution ?? 0,
      satisfactionRate: r.rates.satisfaction ?? 0,
      score: r.rates.composite ?? 0,
    });
    return { ranking, named: policy.named, rows: ranking.rows.filter((r) => r.rank > 0).map(row), top: ranking.top.map(row), bottom: ranking.bottom.map(row) };
  }

  /** Mails last month's report once: the notices' ids derive from the month, so a re-run adds nothing. */
  async mailPreviousMonth(now: Date): Promise<{ month: string; notices: number }> {
    const month = previousMonth(now);
    const { from, to } = monthDays(month);
    const { rows, top, bottom, named } = await this.compute(from, to);
    const [supervisors, heads] = await Promise.all([this.users.supervisorEmails(), this.users.departmentHeadEmails()]);
    const notices = await this.outbox.enqueue(
      [...new Set([...supervisors, ...heads])].map((to) => ({
        eventId: `ranking:${month}`, template: 'monthly-ranking' as const, locale: this.locale, channel: 'email' as const, to, data: { month, named, rows, top, bottom },
      })),
      now,
    );
    return { month, notices };
  }
}
