import type { TicketRow } from './model.js';

export type LiveState = 'connecting' | 'open' | 'closed';

export interface LiveHandlers {
  /** Subscribed (again): whatever happened while away is in a fresh load of the list. */
  ready(): void;
  assigned(ticket: TicketRow): void;
  state(state: LiveState): void;
}

/**
 * New assignments from GET /api/live/tickets. EventSource reconnects by itself after a dropped
 * connection and after the server ends a stream; it gives up only when the API refuses (signed out).
 */
export function connectLive(handlers: LiveHandlers): void {
  const source = new EventSource('/api/live/tickets');
  handlers.state('connecting');
  source.addEventListener('ready', () => {
    handlers.state('open');
    handlers.ready();
  });
  source.addEventListener('assigned', (event) => {
    handlers.assigned((JSON.parse((event as MessageEvent<string>).data) as { ticket: TicketRow }).ticket);
  });
  source.addEventListener('error', () => handlers.state(source.readyState === EventSource.CLOSED ? 'closed' : 'connecting'));
}
