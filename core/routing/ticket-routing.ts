import { systemActor } from '../accounts/access.js';
import type { CategoryRepository } from '../categories/category.repository.js';
import type { DepartmentRepository } from '../departments/department.repository.js';
import type { TicketRepository } from '../tickets/ticket.repository.js';
import { isDomainError } from '../platform/errors.js';
import type { HotlineSettings } from '../settings/hotline-settings.js';
import type { RoutingSuggestion, TicketDocument } from '../tickets/ticket.js';
import type { Tickets } from '../tickets/tickets.js';
import type { RoutingClassifier } from './classifier.js';
import { proposeRouting, type RoutingFacts } from './route-ticket.js';

export interface RoutingReport {
  proposed: number;
  autoDispatched: number;
  skipped: number;
}

/**
 * The routing job's use case: proposes departments for new tickets and dispatches at once when
 * the best proposal is confident enough, well within the 5-minute dispatch limit. Tickets below
 * the threshold wait in the dispatchers' queue with their top three suggestions. A classifier's
 * guess must also reach the model's own threshold, chosen on the dev set for its precision: the
 * administrator's setting may be stricter, never looser than what the model was measured to bear.
 */
export class TicketRouting {
  constructor(
    private readonly tickets: Tickets,
    private readonly ticketRows: TicketRepository,
    private readonly categories: CategoryRepository,
    private readonly departments: DepartmentRepository,
    private readonly settings: HotlineSettings,
    private readonly classifier: () => Promise<RoutingClassifier>,
  ) {}

  async routePending(now: Date, limit = 200): Promise<RoutingReport> {
    const report: RoutingReport = { proposed: 0, autoDispatched: 0, skipped: 0 };
    const pending = await this.ticketRows.awaitingRouting(limit);
    if (pending.length === 0) return report;
    const settings = await this.settings.current();
    const categoriesByName = await this.topLevelCategories();
    for (const ticket of pending) {
      const id = String(ticket._id);
      try {
        const suggestions = proposeRouting(await this.facts(ticket, settings.routingKeywords, categoriesByName));
        await this.tickets.act({ actor: systemActor, now }, id, 'propose_routing', { suggestions });
        report.proposed += 1;
        const best = suggestions[0];
        if (best && best.confidence >= (await this.autoDispatchThreshold(best, settings.autoDispatchThreshold))) {
          await this.tickets.act({ actor: systemActor, now }, id, 'dispatch', { lead: best.departmentId, reason: `自动派单：${best.label}` });
          report.autoDispatched += 1;
        }
      } catch (err) {
        // A dispatcher got there first (or resolved it on the call): nothing left to propose.
        if (isDomainError(err) && ['VERSION_CONFLICT', 'INVALID_TRANSITION'].includes(err.code)) report.skipped += 1;
        else throw err;
      }
    }
    return report;
  }

  private async autoDispatchThreshold(best: RoutingSuggestion, setting: number): Promise<number> {
    return best.source === 'classifier' ? Math.max(setting, (await this.classifier()).autoDispatchThreshold) : setting;
  }

  private async facts(ticket: TicketDocument, keywords: RoutingFacts['keywords'], categoriesByName: RoutingFacts['categoriesByName']): Promise<RoutingFacts> {
    const text = `${ticket.subject} ${ticket.content}`;
    return {
      text,
      category: ticket.categoryId ? await this.categoryWithDepartment(ticket.categoryId) : null,
      place: await this.place(ticket.location.departmentId),
      keywords,
      classification: ticket.categoryId ? null : (await this.classifier()).classify(text),
      categoriesByName,
    };
  }

  /** The nearest default department up the category's tree. */
  private async categoryWithDepartment(categoryId: string): Promise<RoutingFacts['category']> {
    const category = await this.categories.byId(categoryId);
    if (!category) return null;
    let departmentId = category.defaultDepartmentId;
    for (const ancestorId of [...category.ancestors].reverse()) {
      if (departmentId) break;
      departmentId = (await this.categories.byId(ancestorId, ['defaultDepartmentId']))?.defaultDepartmentId ?? null;
    }
    return { id: categoryId, path: category.path, departmentId };
  }

  private async place(departmentId: string | null): Promise<RoutingFacts['place']> {
    if (!departmentId) return null;
    const department = await this.departments.kindOf(departmentId);
    return department && department.active && (department.kind === 'street' || department.kind === 'district') ? { departmentId, name: department.name } : null;
  }

  private async topLevelCategories(): Promise<RoutingFacts['categoriesByName']> {
    const rows = await this.categories.topLevel();
    return new Map(rows.map((c) => [c.name, { id: String(c._id), departmentId: c.defaultDepartmentId }]));
  }
}
