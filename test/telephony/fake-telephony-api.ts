import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { withTimeout } from '../helpers/sip-user-agent.js';

/** The body of POST /internal/telephony/events, as kamailio.cfg documents it. */
export interface TelephonyEvent {
  event: 'answered' | 'ended' | 'missed';
  callId: string;
  caller: string;
  callee: string;
  callerWithheld?: true;
  direction: 'inbound' | 'outbound' | 'internal';
  operator?: string;
  reason?: string;
  endedBy?: 'caller' | 'callee';
  at: string;
}

/** How the stand-in answers GET /internal/telephony/route. */
export type RouteBehaviour =
  | { targets: string[]; ringSeconds?: number }
  /** Drops the connection without an answer, like a crashed API. */
  | 'drop'
  /** Never answers; Kamailio gives up after its 1 s timeout. */
  | 'hang';

/**
 * Stands in for the API's two internal telephony endpoints, records what Kamailio sends and
 * checks the shared token on every request.
 */
export class FakeTelephonyApi {
  route: RouteBehaviour = { targets: [] };
  readonly routeQueries: { callId: string; caller: string; callerWithheld: string | null }[] = [];
  readonly events: TelephonyEvent[] = [];
  /** Requests that came without the right X-Telephony-Token (answered 401). */
  unauthorized = 0;
  private readonly eventWaiters: (() => void)[] = [];
  private readonly hanging = new Set<ServerResponse>();

  private readonly server: Server;

  private constructor(readonly token: string) {
    this.server = createServer((req, res) => this.handle(req, res));
  }

  static async start(token: string): Promise<FakeTelephonyApi> {
    const api = new FakeTelephonyApi(token);
    await new Promise<void>((resolve) => api.server.listen(0, '127.0.0.1', resolve));
    return api;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Resolves with the first recorded event that matches, waiting for it if needed. */
  async waitForEvent(match: (event: TelephonyEvent) => boolean, timeoutMs = 5000): Promise<TelephonyEvent> {
    const found = () => this.events.find(match);
    return withTimeout(
      new Promise<TelephonyEvent>((resolve) => {
        const check = () => {
          const event = found();
          if (!event) return false;
          resolve(event);
          return true;
        };
        if (!check()) {
          const waiter = () => {
            if (check()) this.eventWaiters.splice(this.eventWaiters.indexOf(waiter), 1);
          };
          this.eventWaiters.push(waiter);
        }
      }),
      timeoutMs,
      'a telephony event from Kamailio',
    );
  }

  eventsFor(callId: string): TelephonyEvent[] {
    return this.events.filter((event) => event.callId === callId);
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    if (req.headers['x-telephony-token'] !== this.token) {
      this.unauthorized++;
      res.writeHead(401).end();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://api');
    if (req.method === 'GET' && url.pathname === '/internal/telephony/route') {
      this.routeQueries.push({ callId: url.searchParams.get('callId') ?? '', caller: url.searchParams.get('caller') ?? '', callerWithheld: url.searchParams.get('callerWithheld') });
      this.answerRoute(res);
      return;
    }
    if (req.method === 'POST' && url.pathname === '/internal/telephony/events') {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        // Kamailio sends JSON under curl's default form Content-Type (see kamailio.cfg).
        this.events.push(JSON.parse(body) as TelephonyEvent);
        res.writeHead(204).end();
        for (const waiter of [...this.eventWaiters]) waiter();
      });
      return;
    }
    res.writeHead(404).end();
  }

  private answerRoute(res: ServerResponse): void {
    const route = this.route;
    if (route === 'drop') {
      res.socket?.destroy();
    } else if (route === 'hang') {
      this.hanging.add(res);
    } else {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(route));
    }
  }
}
