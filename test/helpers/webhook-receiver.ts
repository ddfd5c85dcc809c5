import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedEvent {
  delivery: string;
  type: string;
  body: { id: string; type: string; ticket: { id: string; version: number }; change: { action: string } };
}

/**
 * A partner's receiver, written as the README tells partners to write one: it checks the
 * signature over `timestamp.body` with the secret and the timestamp's age, answers 401 when
 * either is wrong, and folds copies by `X-Hotline-Delivery`. It can answer 500 for a while, or be
 * down altogether (connections refused), and come back on the same port.
 */
export interface WebhookReceiver {
  url: string;
  /** Every accepted request in arrival order, copies included. */
  arrivals: ReceivedEvent[];
  /** The accepted requests with copies folded, in the order of their first arrival. */
  events(): ReceivedEvent[];
  /** Requests refused for a bad signature or timestamp. */
  rejected: string[];
  secret: string | null;
  answer500(on: boolean): void;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

const toleranceSeconds = 300;

export function verifySignature(header: string, body: string, secret: string, nowSeconds: number): boolean {
  const parts = Object.fromEntries(header.split(',').map((part) => part.split('=', 2) as [string, string]));
  const timestamp = Number(parts.t);
  if (!Number.isInteger(timestamp) || Math.abs(nowSeconds - timestamp) > toleranceSeconds || !parts.v1) return false;
  const expected = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest();
  const given = Buffer.from(parts.v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export async function startWebhookReceiver(now: () => Date): Promise<WebhookReceiver> {
  let failing = false;
  let server: Server | null = null;
  let port = 0;
  const receiver: WebhookReceiver = {
    url: '',
    arrivals: [],
    rejected: [],
    secret: null,
    events() {
      const seen = new Set<string>();
      return receiver.arrivals.filter((event) => !seen.has(event.delivery) && seen.add(event.delivery));
    },
    answer500: (on) => void (failing = on),
    down: async () => {
      const closing = server!;
      server = null;
      await new Promise<void>((resolve) => {
        closing.close(() => resolve());
        closing.closeAllConnections();
      });
    },
    up: async () => {
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          const delivery = String(req.headers['x-hotline-delivery'] ?? '');
          const signature = String(req.headers['x-hotline-signature'] ?? '');
          if (!receiver.secret || !verifySignature(signature, body, receiver.secret, Math.floor(now().getTime() / 1000))) {
            receiver.rejected.push(delivery);
            res.writeHead(401).end('bad signature');
            return;
          }
          if (failing) {
            res.writeHead(500).end('receiver broken');
            return;
          }
          receiver.arrivals.push({ delivery, type: String(req.headers['x-hotline-event']), body: JSON.parse(body) as ReceivedEvent['body'] });
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', () => resolve()));
      port = (server.address() as AddressInfo).port;
      receiver.url = `http://127.0.0.1:${port}/hotline/events`;
    },
    close: async () => {
      if (server) await receiver.down();
    },
  };
  await receiver.up();
  return receiver;
}
