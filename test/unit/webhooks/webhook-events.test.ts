import assert from 'node:assert/strict';
import { ticketActions } from '../../../core/tickets/ticket-lifecycle.js';
import { eventTypeOf, retryDelayMs, signatureHeader, webhookBody, webhookEventTypes } from '../../../core/webhooks/webhook-events.js';
import type { TicketEvent } from '../../../core/tickets/ticket-events.js';
import { aTicketIn, monday10 } from '../../builders/tickets.js';
import { verifySignature } from '../../helpers/webhook-receiver.js';

describe('webhook events: types, signature, back-off (pure)', () => {
  const at = new Date('2026-03-02T02:00:00Z');
  const seconds = at.getTime() / 1000;
  const body = '{"id":"t:1","type":"ticket.created"}';

  it('when a signature is made, then the README\'s verifier accepts it, and refuses another body, secret or a stale timestamp', () => {
    const header = signatureHeader('whsec_test', body, at);
    assert.match(header, /^t=1772416800,v1=[0-9a-f]{64}$/);
    assert.equal(verifySignature(header, body, 'whsec_test', seconds), true);
    assert.equal(verifySignature(header, body.replace('1', '2'), 'whsec_test', seconds), false);
    assert.equal(verifySignature(header, body, 'whsec_other', seconds), false);
    assert.equal(verifySignature(header, body, 'whsec_test', seconds + 301), false);
  });

  it('when receivers keep failing, then the wait doubles from the base up to the maximum', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 100].map((n) => retryDelayMs(n, 30_000, 600_000)), [30_000, 60_000, 120_000, 240_000, 480_000, 600_000, 600_000, 600_000]);
  });

  it('when every ticket action is named, then each has a published type or is the system\'s own bookkeeping', () => {
    const types = new Set(['intake', ...ticketActions].map(eventTypeOf).filter((type) => type !== null));
    assert.deepEqual([...types].sort(), [...webhookEventTypes].sort(), 'every published type is used by some action');
    assert.deepEqual(ticketActions.filter((action) => eventTypeOf(action) === null), ['propose_routing', 'send_survey']);
  });

  it('when the requester wrote again or answered the callback, then the body tells what happened without their words, files or contact', () => {
    const ticket = aTicketIn('in_handling');
    const change = (action: string, data: Record<string, unknown>): TicketEvent => ({
      _id: `t1:${ticket.version}`, ticketId: 't1', version: ticket.version, at: monday10, action, from: 'in_handling', to: 'in_handling', reason: null, data,
      actor: { userId: null, username: 'system', roles: ['administrator'], departmentId: null, via: 'system' },
    });
    const message = JSON.parse(webhookBody('ticket.requester_wrote', ticket, change('requester_message', {
      channel: 'email', text: '我家楼下的路灯还是不亮', messageKey: '<m1@example.test>', attachments: [{ name: 'photo.jpg', contentType: 'image/jpeg', size: 1, url: null }],
    })));
    assert.deepEqual(message.change.data, { channel: 'email' });
    const callback = JSON.parse(webhookBody('ticket.callback_recorded', ticket, change('callback', { resolved: true, satisfaction: 'satisfied', comment: '谢谢张师傅', via: 'phone' })));
    assert.deepEqual(callback.change.data, { resolved: true, satisfaction: 'satisfied', via: 'phone' });
    for (const body of [message, callback]) assert.ok(!/张三|13800138000/.test(JSON.stringify(body)));
    assert.deepEqual([message.ticket.number, message.ticket.departments[0].role], [ticket.number, 'lead']);
  });
});
