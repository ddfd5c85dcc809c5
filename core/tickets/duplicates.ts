import type { Actor } from '../accounts/access.js';
import { authorize } from '../accounts/access.js';
import type { Tickets } from './tickets.js';
import { summarizeTicket, type TicketSummary } from './ticket-view.js';
import { requesterPhone, type TicketDocument } from './ticket.js';

export interface DuplicateProbe {
  excludeId?: string;
  phone?: string | null;
  locationDepartmentId?: string | null;
  categoryId?: string | null;
  text: string;
}

export interface DuplicateCandidate extends TicketSummary {
  /** Why it may be the same request: same caller, same place and category, similar words. */
  reasons: ('same_phone' | 'same_place_and_category' | 'similar_text')[];
  score: number;
}

/** Merged and cancelled tickets are never parents; everything else within the window may be. */
const mergeable = new Set(['received', 'dispatched', 'in_handling', 'waiting_info', 'returned', 'replied', 'awaiting_callback']);

/**
 * 并单 candidates for a new or existing ticket: the same phone, or the same place and category,
 * within `days`, and tickets whose words are most alike. Ranked by how many reasons agree.
 */
export async function duplicateCandidates(
  tickets: Tickets,
  actor: Actor,
  probe: DuplicateProbe,
  now: Date,
  days = 30,
): Promise<DuplicateCandidate[]> {
  authorize(actor, 'tickets.intake');
  const since = new Date(now.getTime() - days * 86_400_000);
  const reasons = new Map<string, { ticket: TicketDocument; reasons: Set<DuplicateCandidate['reasons'][number]>; score: number }>();
  const note = (ticket: TicketDocument, reason: DuplicateCandidate['reasons'][number], weight: number) => {
    const id = String(ticket._id);
    if (id === probe.excludeId || !mergeable.has(ticket.state) || ticket.createdAt < since) return;
    const entry = reasons.get(id) ?? { ticket, reasons: new Set(), score: 0 };
    if (!entry.reasons.has(reason)) entry.score += weight;
    entry.reasons.add(reason);
    reasons.set(id, entry);
  };
  const phone = requesterPhone(probe.phone);
  if (phone) {
    for (const t of await tickets.tickets.find({ 'requester.phone': phone }).sort({ createdAt: -1 }).limit(50).lean()) note(t as TicketDocument, 'same_phone', 1);
  }
  if (probe.locationDepartmentId && probe.categoryId) {
    const rows = await tickets.tickets.find({ 'location.departmentId': probe.locationDepartmentId, categoryId: probe.categoryId }).sort({ createdAt: -1 }).limit(50).lean();
    for (const t of rows) note(t as TicketDocument, 'same_place_and_category', 0.8);
  }
  const similar = await tickets.similarTo(probe.text, 20, now);
  for (const [i, t] of similar.entries()) note(t, 'similar_text', 0.6 * (1 - i / similar.length));
  return [...reasons.values()]
    .sort((a, b) => b.score - a.score || b.ticket.createdAt.getTime() - a.ticket.createdAt.getTime())
    .slice(0, 10)
    .map(({ ticket, reasons: why, score }) => ({ ...summarizeTicket(ticket), reasons: [...why], score: Math.round(score * 100) / 100 }));
}
