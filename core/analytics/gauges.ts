import { partsInHand, statesInHand, type Ticket } from '../tickets/ticket.js';

/** The gauges' key for the hotline itself: tickets waiting in the dispatch queue. */
export const dispatchQueue = '*';

export type Gauge = 'open' | 'overdue';

/**
 * Where one ticket counts in the "open and overdue right now" gauges: each department holding a
 * part in hand, and the dispatch queue while it waits there; overdue when the ticket carries a red
 * warning. Pure: the same ticket always counts the same way, so a change's gauge deltas are the
 * difference between the ticket before and after it.
 */
export function gaugesOf(ticket: Pick<Ticket, 'state' | 'assignments' | 'warning'> | null): Map<string, Record<Gauge, number>> {
  const gauges = new Map<string, Record<Gauge, number>>();
  if (!ticket) return gauges;
  const overdue = ticket.warning === 'red' ? 1 : 0;
  if (ticket.state === 'received') gauges.set(dispatchQueue, { open: 1, overdue });
  if (statesInHand.includes(ticket.state)) {
    for (const part of ticket.assignments) {
      if (partsInHand.includes(part.state)) gauges.set(part.departmentId, { open: 1, overdue });
    }
  }
  return gauges;
}

/** What a change of a ticket adds to each gauge; keys whose gauges did not move are left out. */
export function gaugeChanges(previous: Parameters<typeof gaugesOf>[0], next: Parameters<typeof gaugesOf>[0]): Map<string, Partial<Record<Gauge, number>>> {
  const before = gaugesOf(previous);
  const after = gaugesOf(next);
  const changes = new Map<string, Partial<Record<Gauge, number>>>();
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const change: Partial<Record<Gauge, number>> = {};
    for (const gauge of ['open', 'overdue'] as const) {
      const delta = (after.get(key)?.[gauge] ?? 0) - (before.get(key)?.[gauge] ?? 0);
      if (delta !== 0) change[gauge] = delta;
    }
    if (Object.keys(change).length > 0) changes.set(key, change);
  }
  return changes;
}
