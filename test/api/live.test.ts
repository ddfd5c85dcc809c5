import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../api/app.js';
import type { Actor } from '../../core/accounts/access.js';
import { createLogger } from '../../core/platform/logger.js';
import { TicketFeed, type Assigned } from '../../core/tickets/ticket-feed.js';
import { aDepartment, aUser, testPassword } from '../builders/builders.js';
import { signIn, useTestApp, type SignedInAgent } from '../helpers/test-app.js';
import { ServerEvents, type ServerEvent } from '../helpers/server-events.js';

/** An open event stream: the events as they arrive, parsed. */
async function openStream(url: string, cookie: string, signal: AbortSignal) {
  const res = await fetch(url, { headers: { cookie, accept: 'text/event-stream' }, signal });
  const stream = new ServerEvents();
  const reading = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) stream.add(decoder.decode(chunk, { stream: true }));
  })().catch(() => undefined);
  const next = (predicate: (e: ServerEvent) => boolean, timeoutMs = 5000) => stream.next(predicate, timeoutMs);
  return { res, events: stream.events, next, reading };
}

const request = { channel: 'phone', requestType: 'complaint', requester: { name: '王五', phone: '13800000009' }, subject: '路灯不亮', content: '小区门口路灯坏了一周。' };

describe('API: live updates of new assignments (GET /api/live/tickets)', () => {
  const t = useTestApp();
  let server: Server;
  let base: string;
  let operator: SignedInAgent;
  let dispatcher: SignedInAgent;
  let ours: { id: string };
  let below: { id: string };
  let theirs: { id: string };
  let staffCookie: string;

  before(async () => {
    // The same services under an app that polls often, on a real port: event streams need a socket.
    const app = createApp({ services: t.services, clock: t.clock, logger: createLogger('silent'), cookieSecure: false, trustProxy: false, livePollMs: 100 });
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    ours = await aDepartment(t.services, { kind: 'district' });
    below = await aDepartment(t.services, { kind: 'street', parentId: ours.id });
    theirs = await aDepartment(t.services);
    operator = await signIn(t.app, (await aUser(t.services, ['operator'])).username, testPassword);
    dispatcher = await signIn(t.app, (await aUser(t.services, ['dispatcher'])).username, testPassword);
    const staff = await aUser(t.services, ['department_staff'], { departmentId: ours.id });
    const login = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: staff.username, password: testPassword }) });
    staffCookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  async function dispatched(lead: string): Promise<{ id: string; number: string }> {
    const created = await operator.post('/api/tickets').send(request);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const res = await dispatcher.post(`/api/tickets/${created.body.id}/dispatch`).send({ lead });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return created.body;
  }

  it('when nobody is signed in, then the stream is refused with 401 in the JSON error shape', async () => {
    const res = await fetch(`${base}/api/live/tickets`);
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'UNAUTHENTICATED');
  });

  it('when tickets are dispatched while a department user listens, then only those of the department and below reach them', async () => {
    const before = await dispatched(ours.id);
    const abort = new AbortController();
    const stream = await openStream(`${base}/api/live/tickets`, staffCookie, abort.signal);
    try {
      assert.equal(stream.res.status, 200);
      assert.match(stream.res.headers.get('content-type') ?? '', /^text\/event-stream/);
      await stream.next((e) => e.event === 'ready');

      const elsewhere = await dispatched(theirs.id);
      const mine = await dispatched(ours.id);
      const street = await dispatched(below.id);
      const ticketOf = (e: ServerEvent) => (e.data as { ticket: { id: string } }).ticket.id;
      const forMine = await stream.next((e) => e.event === 'assigned' && ticketOf(e) === mine.id);
      assert.deepEqual((forMine.data as { action: string }).action, 'dispatch');
      assert.equal((forMine.data as { ticket: { number: string } }).ticket.number, mine.number);
      await stream.next((e) => e.event === 'assigned' && ticketOf(e) === street.id);

      const told = stream.events.filter((e) => e.event === 'assigned').map(ticketOf);
      assert.ok(!told.includes(elsewhere.id), 'another department\'s ticket is not told');
      assert.ok(!told.includes(before.id), 'what was dispatched before subscribing is in the list, not the stream');
      assert.equal(told.length, new Set(told).size, 'each assignment is told once');
    } finally {
      abort.abort();
      await stream.reading;
    }
  });

  it('when an assignment event is stored before its ticket is written, then the feed tells it once the ticket is, and once only', async () => {
    // Polled by hand: the interval never comes within the test.
    const feed = new TicketFeed(t.services.tickets.tickets, t.services.tickets.events, { intervalMs: 3_600_000 });
    const staff: Actor = { userId: 'u-feed', username: 'feed', roles: ['department_staff'], departmentId: ours.id, via: 'session' };
    const told: Assigned[] = [];
    const stop = await feed.subscribe(staff, (assigned) => told.push(assigned));
    try {
      const ticket = await dispatched(ours.id);
      // A writer has claimed version 3 and stored its event, and writes the ticket a moment later.
      await t.services.tickets.events.create({
        _id: `${ticket.id}:3`, ticketId: ticket.id, version: 3, at: t.clock.now(), action: 'redispatch', from: 'dispatched', to: 'dispatched', reason: '改派', data: {},
        actor: { userId: null, username: 'dispatcher', roles: ['dispatcher'], departmentId: null, via: 'session' },
      });
      await feed.poll();
      assert.deepEqual(told.map((a) => [a.ticket.id, a.action]), [[ticket.id, 'dispatch']]);
      await t.services.tickets.tickets.updateOne({ _id: ticket.id }, { $set: { version: 3 } });
      await feed.poll();
      await feed.poll();
      assert.deepEqual(told.map((a) => [a.ticket.id, a.action]), [[ticket.id, 'dispatch'], [ticket.id, 'redispatch']]);
    } finally {
      stop();
    }
  });
});
