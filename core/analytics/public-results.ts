import { chinaDateKey } from '../clocks/index.js';
import type { DepartmentRepository } from '../departments/department.repository.js';
import type { HotlineSettings } from '../settings/hotline-settings.js';
import type { TicketRepository } from '../tickets/ticket.repository.js';
import type { Ticket } from '../tickets/ticket.js';
import type { RankingRow } from '../../templates/catalogue.js';
import { monthDays, previousMonth, type MonthlyRanking } from './monthly-ranking.js';

/** What the portal's public results page (结果公示) shows: an administrator's setting. */
export interface PublicResultsSettings {
  /** Off: the page says nothing is published. */
  enabled: boolean;
  /** Last month's rates and ranking per department, with those praised and named. */
  showRanking: boolean;
  /** How many of the latest archived tickets are shown, anonymised; 0 shows none. */
  closedTickets: number;
  /** Whether those tickets show the department's reply (anonymised as well). */
  showReplies: boolean;
}

export const defaultPublicResults: PublicResultsSettings = { enabled: true, showRanking: true, closedTickets: 10, showReplies: true };

const mask = '＊＊＊';

/**
 * A text with what identifies a person masked: the requester's own name, phone, e-mail and address
 * wherever they appear, and anything shaped like a phone number, an ID card number, an e-mail
 * address, a house or flat number, or a name with its title (王先生 → 某先生). Pure.
 */
export function anonymise(text: string, known: readonly (string | null)[] = []): string {
  let out = text;
  // Longest first: an address may contain a shorter known string.
  for (const value of [...known].filter((v): v is string => !!v && v.trim().length >= 2).sort((a, b) => b.length - a.length)) {
    out = out.split(value.trim()).join(mask);
  }
  return out
    .replace(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, mask)
    .replace(/(?<!\d)\d{17}[\dXx](?!\d)/g, mask)
    .replace(/(?<!\d)1[3-9]\d{9}(?!\d)/g, (phone) => `${phone.slice(0, 3)}＊＊＊＊${phone.slice(7)}`)
    .replace(/(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)/g, mask)
    .replace(/(?<![\d＊])\d{7,}(?!\d)/g, mask)
    .replace(/[\d一二三四五六七八九十百零〇-]+(号楼|号院|号|栋|幢|单元|室|层|楼)/g, '＊$1')
    .replace(/(姓名|联系人|户主|业主)([:：\s]*)[\u4e00-\u9fa5]{2,3}/g, `$1$2${mask}`)
    .replace(/[\u4e00-\u9fa5](先生|女士|小姐|师傅|阿姨|老师|大爷|大妈|奶奶|爷爷)/g, '某$1');
}

/** A ranked department as the monthly mail shows it, and whether it is praised or named. */
export interface PublicDepartmentRow extends RankingRow {
  praised: boolean;
  named: boolean;
}

export interface PublicClosedTicket {
  /** China date of the archive. */
  closedOn: string;
  requestType: Ticket['requestType'];
  category: string | null;
  department: string | null;
  summary: string;
  reply: string | null;
}

export interface PublicResultsPage {
  enabled: boolean;
  month: string;
  named: number;
  departments: PublicDepartmentRow[] | null;
  tickets: PublicClosedTicket[] | null;
}

const summaryLength = 160;
const shorten = (text: string, length: number) => (text.length > length ? `${text.slice(0, length - 1)}…` : text);

/** 结果公示: what the public may read of the hotline's results, as the administrator chose to publish them. */
export class PublicResults {
  constructor(
    private readonly ranking: MonthlyRanking,
    private readonly tickets: TicketRepository,
    private readonly departments: DepartmentRepository,
    private readonly settings: HotlineSettings,
  ) {}

  async read(now: Date): Promise<PublicResultsPage> {
    const { publicResults: shown, ranking: policy } = await this.settings.current();
    const month = previousMonth(now);
    if (!shown.enabled) return { enabled: false, month, named: policy.named, departments: null, tickets: null };
    const [departments, tickets] = await Promise.all([
      shown.showRanking ? this.departmentRows(month) : null,
      shown.closedTickets > 0 ? this.closedTickets(shown) : null,
    ]);
    return { enabled: true, month, named: policy.named, departments, tickets };
  }

  private async departmentRows(month: string): Promise<PublicDepartmentRow[]> {
    const { from, to } = monthDays(month);
    const { rows, top, bottom } = await this.ranking.compute(from, to);
    const praised = new Set(top.map((r) => r.rank));
    const named = new Set(bottom.map((r) => r.rank));
    return rows.map((r) => ({ ...r, praised: praised.has(r.rank), named: named.has(r.rank) }));
  }

  private async closedTickets(shown: PublicResultsSettings): Promise<PublicClosedTicket[]> {
    const [tickets, names] = await Promise.all([this.tickets.recentlyArchivedPublishable(shown.closedTickets), this.departments.names()]);
    return tickets.map((t) => {
      const known = [t.requester.name, t.requester.phone, t.requester.email, t.requester.address, t.location.address];
      const lead = t.assignments.find((a) => a.role === 'lead');
      return {
        closedOn: chinaDateKey(t.closedAt!),
        requestType: t.requestType,
        category: t.categoryPath,
        department: lead ? (names.get(lead.departmentId) ?? null) : null,
        summary: shorten(anonymise(`${t.subject}：${t.content}`, known), summaryLength),
        reply: shown.showReplies && lead?.reply ? anonymise(lead.reply, known) : null,
      };
    });
  }
}
