import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import supertest from 'supertest';
import { createApp } from '../../api/app.js';
import { systemActor } from '../../core/accounts/access.js';
import { createLogger } from '../../core/platform/logger.js';
import { useTestApp, useTicketDesk } from '../helpers/test-app.js';

const secret = 'gateway-shared-secret-0123456789';

describe('API: inbound SMS from the gateway (POST /api/inbound/sms)', () => {
  const t = useTestApp({ at: '2026-03-02T02:00:00Z', inbound: () => ({ imap: null, smsSecret: secret }) });

  /** Posts as the gateway does: the body's exact bytes signed with the timestamp. */
  function post(body: object, options: { timestamp?: number; key?: string; signature?: string } = {}) {
    const raw = JSON.stringify(body);
    const timestamp = String(options.timestamp ?? Math.floor(t.clock.now().getTime() / 1000));
    const signature = options.signature ?? createHmac('sha256', options.key ?? secret).update(`${timestamp}.${raw}`).digest('hex');
    return supertest(t.app).post('/api/inbound/sms').set('content-type', 'application/json')
      .set('x-signature-timestamp', timestamp).set('x-signature', signature).send(raw);
  }

  it('when the gateway posts an SMS, then it becomes a ticket on the sms channel, once however often it is posted', async () => {
    const sms = { id: 'gw-1001', from: '+86-138-0013-8000', text: '朝阳路公交站的候车亭玻璃碎了，很危险。' };
    const first = await post(sms);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.kind, 'ticket');
    assert.equal(first.body.replayed, false);
    const ticket = await t.services.tickets.get(systemActor, first.body.ticketId, t.clock.now());
    assert.equal(ticket.channel, 'sms');
    assert.equal(ticket.requester.phone, '13800138000');
    assert.equal(ticket.content, sms.text);
    assert.equal(ticket.number, first.body.number);

    const again = await post(sms);
    assert.equal(again.status, 200);
    assert.equal(again.body.ticketId, first.body.ticketId);
    assert.equal(again.body.replayed, true);
    assert.equal((await t.services.tickets.list(systemActor, { channel: 'sms', limit: 10 })).items.length, 1);
  });

  it('when the signature is wrong, stale or missing, then the post is refused with 401 and says why', async () => {
    const sms = { id: 'gw-1002', from: '13900139000', text: '你好' };
    const wrong = await post(sms, { key: 'another-secret-0123456789' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error.code, 'SIGNATURE_INVALID');
    const stale = await post(sms, { timestamp: Math.floor(t.clock.now().getTime() / 1000) - 301 });
    assert.equal(stale.status, 401);
    assert.equal(stale.body.error.code, 'SIGNATURE_EXPIRED');
    const unsigned = await supertest(t.app).post('/api/inbound/sms').send(sms);
    assert.equal(unsigned.status, 401);
    assert.equal(unsigned.body.error.code, 'SIGNATURE_MISSING');
    assert.equal((await t.services.tickets.list(systemActor, { phone: '13900139000', limit: 10 })).items.length, 0);
  });

  it('when a signed body is not a valid SMS, then 400 names the field', async () => {
    const res = await post({ id: 'gw-1003', from: 'not a number', text: '你好' });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'VALIDATION_FAILED');
    assert.match(JSON.stringify(res.body.error), /from/);
  });

  it('when no secret is configured, then the endpoint answers 404 INBOUND_SMS_NOT_CONFIGURED', async () => {
    const closed = createApp({ services: { ...t.services, smsInboundSecret: null }, clock: t.clock, logger: createLogger('silent'), cookieSecure: false, trustProxy: false });
    const res = await supertest(closed).post('/api/inbound/sms').send({ id: 'gw-1004', from: '13900139000', text: '你好' });
    assert.equal(res.status, 404);
    assert.equal(res.body.error.code, 'INBOUND_SMS_NOT_CONFIGURED');
  });

  describe('a reply digit to the satisfaction survey SMS', () => {
    const desk = useTicketDesk(t);

    /** A ticket replied, approved and surveyed by SMS to the requester's mobile. */
    async function surveyedTicket(phone: string): Promise<string> {
      const created = await desk.operator.post('/api/tickets').send({ channel: 'phone', requestType: 'complaint', requester: { phone }, subject: '楼道堆物', content: '楼道里堆满杂物。' });
      const id: string = created.body.id;
      await desk.dispatcher.post(`/api/tickets/${id}/dispatch`).send({ lead: desk.department.id });
      await desk.staff.post(`/api/tickets/${id}/accept`).send({});
      await desk.staff.post(`/api/tickets/${id}/reply`).send({ text: '已清理。' });
      await desk.dispatcher.post(`/api/tickets/${id}/approve-reply`).send({});
      await t.services.callbacks.sendSurveys(t.clock.now());
      const ticket = await t.services.repositories.tickets.byId(id);
      assert.equal(ticket!.survey.status, 'sent');
      const [survey] = await t.services.outbox.notices.find({ eventId: `${id}:survey:0`, channel: 'sms' }).lean();
      assert.equal(survey?.to, phone, 'the survey went out by SMS');
      return id;
    }

    it('when the requester replies "3", then the callback is recorded as dissatisfied by SMS and the ticket is reopened', async () => {
      const id = await surveyedTicket('13700137000');
      const res = await post({ id: 'gw-2001', from: '+8613700137000', text: '３' });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual({ kind: res.body.kind, ticketId: res.body.ticketId, followUp: res.body.followUp }, { kind: 'survey', ticketId: id, followUp: 'reopened' });
      const ticket = await t.services.repositories.tickets.byId(id);
      assert.equal(ticket!.state, 'dispatched');
      assert.equal(ticket!.reopenCount, 1);
      const history = await t.services.tickets.history(systemActor, id);
      const callback = history.find((e) => e.action === 'callback');
      assert.deepEqual({ satisfaction: callback!.data.satisfaction, via: callback!.data.via }, { satisfaction: 'dissatisfied', via: 'sms' });
      assert.equal(history.at(-1)!.action, 'reopen');

      const again = await post({ id: 'gw-2001', from: '+8613700137000', text: '３' });
      assert.equal(again.body.replayed, true);
      assert.equal((await t.services.repositories.tickets.byId(id))!.reopenCount, 1, 'the repeated post changes nothing');
    });

    it('when the requester replies "1", then the ticket is archived; a digit from a number with no survey waiting is a ticket', async () => {
      const id = await surveyedTicket('13600136000');
      const res = await post({ id: 'gw-2002', from: '13600136000', text: '1' });
      assert.equal(res.body.followUp, 'archived');
      assert.equal((await t.services.repositories.tickets.byId(id))!.state, 'archived');
      const stray = await post({ id: 'gw-2003', from: '13600136000', text: '1' });
      assert.equal(stray.body.kind, 'ticket');
    });
  });
});
