import { authorize, can, type Actor } from '../accounts/access.js';
import type { UserRepository } from '../accounts/user.repository.js';
import { DomainError } from '../platform/errors.js';
import { monthDays, previousMonth, type MonthlyRanking } from '../analytics/monthly-ranking.js';
import type { RankedDepartment } from '../analytics/rates.js';
import type { Outbox } from '../notifications/outbox.js';
import type { DepartmentRepository } from '../departments/department.repository.js';
import type { BulletinCounts, BulletinEntries, Locale, TemplateData } from '../../templates/catalogue.js';
import type { Accountability } from './accountability.js';
import type { AccountabilityEntry } from './accountability-entry.js';

export type Bulletin = TemplateData['accountability-bulletin'];
type Source = Pick<AccountabilityEntry, 'departmentId' | 'kind' | 'state' | 'ticketNumber' | 'at'>;

const noCounts = (): BulletinCounts => ({ missedDeadlines: 0, defaultDecisions: 0, dissatisfiedReopens: 0, annulled: 0, pendingAppeals: 0 });

const noEntries = (): BulletinEntries => ({ missedDeadlines: [], defaultDecisions: [], dissatisfiedReopens: [] });
const listOf = { missed_deadline: 'missedDeadlines', default_decision: 'defaultDecisions', dissatisfied_reopen: 'dissatisfiedReopens' } as const;

function add(counts: BulletinCounts, entry: Source): void {
  if (entry.state === 'annulled') {
    counts.annulled += 1;
    return;
  }
  if (entry.state === 'appealed') counts.pendingAppeals += 1;
  counts[listOf[entry.kind]] += 1;
}

/**
 * 月度通报 (pure): the month's ledger and rates, city-wide (every department ranked or with an entry,
 * most entries first) and for each department (its own row and its entries). Annulled entries are
 * counted apart and listed nowhere: they left the record, and the rates (whose roll-ups the
 * annulment corrected) no longer hold them either.
 */
export function buildBulletins(month: string, entries: readonly Source[], ranked: readonly RankedDepartment[], names: ReadonlyMap<string, string>): { city: Bulletin; departments: Map<string, Bulletin> } {
  const rankOf = new Map(ranked.map((r) => [r.departmentId, r]));
  const countsOf = new Map<string, BulletinCounts>();
  const listed = new Map<string, BulletinEntries>();
  const totals = noCounts();
  for (const id of rankOf.keys()) countsOf.set(id, noCounts());
  for (const entry of [...entries].sort((a, b) => a.at.getTime() - b.at.getTime())) {
    const counts = countsOf.get(entry.departmentId) ?? noCounts();
    countsOf.set(entry.departmentId, counts);
    add(counts, entry);
    add(totals, entry);
    if (entry.state === 'annulled') continue;
    const lists = listed.get(entry.departmentId) ?? noEntries();
    listed.set(entry.departmentId, lists);
    lists[listOf[entry.kind]].push({ ticketNumber: entry.ticketNumber, at: entry.at, appealed: entry.state === 'appealed' });
  }
  const charged = (c: BulletinCounts) => c.missedDeadlines + c.defaultDecisions + c.dissatisfiedReopens;
  const rows = [...countsOf.entries()]
    .map(([departmentId, counts]) => {
      const ranking = rankOf.get(departmentId);
      return {
        departmentId,
        department: names.get(departmentId) ?? departmentId,
        rank: ranking?.rank ?? 0,
        responseRate: ranking?.rates.response ?? null,
        satisfactionRate: ranking?.rates.satisfaction ?? null,
        ...counts,
      };
    })
    .sort((a, b) => charged(b) - charged(a) || a.department.localeCompare(b.department, 'zh-CN'));
  const departments = new Map(rows.map(({ departmentId, ...row }) => [departmentId, { month, department: row.department, totals: countsOf.get(departmentId)!, rows: [row], entries: listed.get(departmentId) ?? noEntries() }]));
  return { city: { month, department: null, totals, rows: rows.map(({ departmentId: _id, ...row }) => row), entries: noEntries() }, departments };
}

/** Mails the month's bulletins: city-wide to supervisors and every department head, each department's own to its heads. */
export class AccountabilityBulletin {
  constructor(
    private readonly accountability: Accountability,
    private readonly ranking: MonthlyRanking,
    private readonly departments: DepartmentRepository,
    private readonly users: UserRepository,
    private readonly outbox: Outbox,
    private readonly locale: Locale,
  ) {}

  async build(month: string) {
    const { from, to } = monthDays(month);
    const [entries, { ranking }, names] = await Promise.all([this.accountability.monthEntries(month), this.ranking.compute(from, to), this.departments.names()]);
    return buildBulletins(month, entries, ranking.rows, names);
  }

  /**
   * What a reader may see of a month's bulletins: the city-wide one for the centre, a department's
   * own (`departmentId`, or the reader's department) for whoever may read that department's ledger.
   */
  async read(actor: Actor, month: string, departmentId?: string): Promise<Bulletin> {
    // The centre reads the city-wide bulletin unless it names a department; a department, its own.
    const wanted = departmentId ?? (can(actor, 'accountability.read', null) ? null : actor.departmentId);
    if (!wanted) {
      authorize(actor, 'accountability.read', null);
      return (await this.build(month)).city;
    }
    const ancestors = await this.departments.ancestorsOf(wanted);
    if (!ancestors) throw new DomainError('DEPARTMENT_NOT_FOUND', `没有该部门 (no department with id ${wanted}).`, { field: 'departmentId' });
    authorize(actor, 'accountability.read', { id: wanted, ancestors });
    const own = (await this.build(month)).departments.get(wanted);
    if (own) return own;
    const names = await this.departments.namesOf([wanted]);
    return { month, department: names.get(wanted) ?? wanted, totals: noCounts(), rows: [], entries: noEntries() };
  }

  /** Once per month: the notices' ids derive from the month and department, so a re-run adds nothing. */
  async mailPreviousMonth(now: Date): Promise<{ month: string; notices: number }> {
    const month = previousMonth(now);
    const { city, departments } = await this.build(month);
    const [supervisors, heads] = await Promise.all([this.users.supervisorEmails(), this.users.departmentHeadEmails()]);
    const notice = (eventId: string, to: string, data: Bulletin) => ({ eventId, template: 'accountability-bulletin' as const, locale: this.locale, channel: 'email' as const, to, data });
    const mails = [...new Set([...supervisors, ...heads])].map((to) => notice(`bulletin:${month}`, to, city));
    for (const [departmentId, bulletin] of departments) {
      for (const to of await this.users.departmentHeadEmailsOf(departmentId)) mails.push(notice(`bulletin:${month}:${departmentId}`, to, bulletin));
    }
    return { month, notices: await this.outbox.enqueue(mails, now) };
  }
}
