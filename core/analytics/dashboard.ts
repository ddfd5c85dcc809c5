import { authorize, can, listScope, type Actor } from '../accounts/access.js';
import type { UserRepository } from '../accounts/user.repository.js';
import { byAnswered, operatorFiguresRow, type OperatorFigures } from '../calls/call-records.js';
import type { CategoryRepository } from '../categories/category.repository.js';
import { chinaDateKey } from '../clocks/index.js';
import type { DepartmentRepository } from '../departments/department.repository.js';
import { isObjectIdString } from '../platform/documents.js';
import { DomainError } from '../platform/errors.js';
import { daysBetween, emptyCounters, hotspotKinds, type Counters, type DepartmentCounters, type HotspotKind } from './department-counters.js';
import { dispatchQueue } from './gauges.js';
import { noOperatorCounts } from './operator-days.js';
import { rankDepartments, ratesOf, type Rates } from './rates.js';
import type { HotlineSettings } from '../settings/hotline-settings.js';

/** Longest period the dashboard compares (a year, leap or not). */
export const longestPeriodDays = 366;
const hotspotRows = 10;

export interface Period {
  /** China dates, inclusive. */
  from: string;
  to: string;
}

/** The period of equal length that ends the day before `period` starts. */
export function previousPeriod(period: Period): Period {
  const length = daysBetween(period.from, period.to).length;
  const day = (offset: number) => new Date(Date.parse(`${period.from}T00:00:00Z`) + offset * 86_400_000).toISOString().slice(0, 10);
  return { from: day(-length), to: day(-1) };
}

export interface Hotspot {
  key: string;
  count: number;
  previous: number;
  rise: number;
}

/** The keys received most more often this period than the previous one: by rise, then by count. */
export function risingHotspots(current: Map<string, number>, previous: Map<string, number>, limit = hotspotRows): Hotspot[] {
  return [...current]
    .filter(([, count]) => count > 0)
    .map(([key, count]) => ({ key, count, previous: previous.get(key) ?? 0, rise: count - (previous.get(key) ?? 0) }))
    .sort((a, b) => b.rise - a.rise || b.count - a.count || a.key.localeCompare(b.key))
    .slice(0, limit);
}

export interface DashboardDepartment {
  departmentId: string;
  name: string;
  nameEn: string | null;
  open: number;
  overdue: number;
  /** 0: nothing to score in the period. */
  rank: number;
  top: boolean;
  bottom: boolean;
  rates: Rates;
  counters: Counters;
}

/**
 * The supervisors' dashboard over the roll-ups (never the tickets): today's intake by channel and
 * hour, open and overdue per department now, the three rates and the ranking for a period, the
 * hotspots rising against the previous period, the operator figures of the period's China days
 * (the `operators` roll-up: the same numbers `CallRecords.operatorFigures` sums from the records).
 */
export class Dashboard {
  constructor(
    private readonly counters: DepartmentCounters,
    private readonly departments: DepartmentRepository,
    private readonly categories: CategoryRepository,
    private readonly users: UserRepository,
    private readonly settings: HotlineSettings,
  ) {}

  async read(actor: Actor, period: Period, now: Date) {
    authorize(actor, 'analytics.read');
    const days = daysBetween(period.from, period.to);
    if (days.length === 0 || days.length > longestPeriodDays) {
      throw new DomainError('INVALID_PERIOD', `The period must run forwards and span at most ${longestPeriodDays} days.`, { field: 'from' });
    }
    const scope = listScope(actor, 'analytics.read');
    const within = 'departmentId' in scope ? scope.departmentId : null;
    const cityWide = within === null;
    const previous = previousPeriod(period);
    const today = chinaDateKey(now);

    const allDepartments = await this.departments.labels();
    const visible = allDepartments.filter((d) => within === null || String(d._id) === within || d.ancestors.includes(within));
    const [totals, gauges, intake, hotspots, operators, { ranking: policy }] = await Promise.all([
      this.counters.totals(period.from, period.to),
      this.counters.rollupTotals('gauges', ['all']),
      cityWide ? this.counters.intakeOf(today) : null,
      cityWide ? this.hotspots(days, daysBetween(previous.from, previous.to)) : null,
      can(actor, 'calls.oversee') || can(actor, 'calls.take') ? this.operatorFigures(actor, days) : null,
      this.settings.current(),
    ]);

    // Ranked among every department, as the monthly report ranks them; shown within the reader's scope.
    const ranking = rankDepartments(totals, policy);
    const top = new Set(ranking.top.map((r) => r.departmentId));
    const bottom = new Set(ranking.bottom.map((r) => r.departmentId));
    const ranked = new Map(ranking.rows.map((r) => [r.departmentId, r]));
    const shown = new Set(visible.map((d) => String(d._id)));
    const rows: DashboardDepartment[] = visible
      .map((d) => {
        const id = String(d._id);
        const row = ranked.get(id);
        const gauge = gauges.get(id) ?? {};
        return {
          departmentId: id, name: d.name, nameEn: d.nameEn ?? null, open: gauge.open ?? 0, overdue: gauge.overdue ?? 0,
          rank: row?.rank ?? 0, top: top.has(id), bottom: bottom.has(id),
          rates: row?.rates ?? ratesOf(emptyCounters()), counters: row?.counters ?? emptyCounters(),
        };
      })
      .filter((r) => r.open > 0 || r.overdue > 0 || ranked.has(r.departmentId))
      .sort((a, b) => (a.rank || Infinity) - (b.rank || Infinity) || b.open - a.open || a.name.localeCompare(b.name));
    const queue = gauges.get(dispatchQueue) ?? {};

    return {
      period,
      previous,
      today,
      intake: intake && { day: today, total: intake.reduce((sum, c) => sum + c.received, 0), cells: intake.filter((c) => c.received > 0) },
      dispatchQueue: cityWide ? { open: queue.open ?? 0, overdue: queue.overdue ?? 0 } : null,
      departments: rows,
      // Who else is best or worst city-wide is the centre's to know, not a department head's.
      ranking: { top: [...top].filter((id) => shown.has(id)), bottom: [...bottom].filter((id) => shown.has(id)) },
      hotspots: hotspots && (await this.labelled(hotspots, allDepartments)),
      operators,
    };
  }

  /** Per operator over the given China days, from the roll-up: supervisors see everyone, an operator their own row only. */
  private async operatorFigures(actor: Actor, days: string[]): Promise<OperatorFigures[]> {
    const own = can(actor, 'calls.oversee') ? null : actor.userId;
    const totals = [...(await this.counters.rollupTotals('operators', days))]
      .filter(([operatorId, sums]) => (own === null || operatorId === own) && (sums.answered ?? 0) > 0);
    const ids = totals.map(([operatorId]) => operatorId).filter(isObjectIdString);
    const names = await this.users.usernames(ids);
    return totals
      .map(([operatorId, sums]) => operatorFiguresRow(operatorId, names.get(operatorId) ?? null, { ...noOperatorCounts(), ...sums }))
      .sort(byAnswered);
  }

  private async hotspots(days: string[], previousDays: string[]): Promise<Record<HotspotKind, Hotspot[]>> {
    const received = (totals: Map<string, Record<string, number>>) => new Map([...totals].map(([key, c]) => [key, c.received ?? 0]));
    const [current, before] = await Promise.all([this.counters.totalsByKind(hotspotKinds, days), this.counters.totalsByKind(hotspotKinds, previousDays)]);
    return Object.fromEntries(hotspotKinds.map((kind) => [kind, risingHotspots(received(current.get(kind)!), received(before.get(kind)!))])) as Record<HotspotKind, Hotspot[]>;
  }

  /** Names for the keys: a category's path, a street's department name; a word is its own label. */
  private async labelled(hotspots: Record<HotspotKind, Hotspot[]>, departments: { _id: unknown; name: string; nameEn?: string | null }[]) {
    const categoryIds = hotspots.categories.map((h) => h.key).filter(isObjectIdString);
    const categories = new Map((await this.categories.byIds(categoryIds, ['path', 'nameEn'])).map((c) => [String(c._id), c]));
    const streets = new Map(departments.map((d) => [String(d._id), d]));
    return {
      categories: hotspots.categories.map((h) => ({ ...h, label: categories.get(h.key)?.path ?? h.key, labelEn: categories.get(h.key)?.nameEn ?? null })),
      streets: hotspots.streets.map((h) => ({ ...h, label: streets.get(h.key)?.name ?? h.key, labelEn: streets.get(h.key)?.nameEn ?? null })),
      words: hotspots.words.map((h) => ({ ...h, label: h.key, labelEn: null })),
    };
  }
}

export type DashboardView = Awaited<ReturnType<Dashboard['read']>>;
