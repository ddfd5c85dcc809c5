import assert from 'node:assert/strict';
import { systemActor } from '../../core/accounts/access.js';
import { eventTypeOf, webhookEventTypes } from '../../core/webhooks/webhook-events.js';
import { WebhookSender, type WebhookSenderOptions } from '../../core/webhooks/webhook-sender.js';
import { aDepartment, aUser } from '../builders/builders.js';
import { anActor } from '../builders/tickets.js';
import { useTestApp } from '../helpers/test-app.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

const policy: Omit<WebhookSenderOptions, 'name'> = { disableAfterFailures: 50, retryBaseMs: 10_000, retryMaxMs: 120_000, timeoutMs: 5_000 };

describe('Workers: webhooks, signed, in order per ticket, every event once', () => {
  const t = useTestApp({ at: '2026-03-02T02:00:00Z' });
  const ctx = () => ({ actor: systemActor, now: t.clock.now() });
  const sender = (name: string, options: Partial<WebhookSenderOptions> = {}) => new WebhookSender(t.services.webhooks, { name, ...policy, ...options });
  let receiver: WebhookReceiver;

  const subscribe = async (overrides: { departmentId?: string; events?: (typeof webhookEventTypes)[number][] } = {}) => {
    const subscription = await t.services.webhooks.create(ctx(), {
      partner: '区网格化管理平台', url: receiver.url, events: overrides.events ?? [...webhookEventTypes], departmentId: overrides.departmentId ?? null,
    });
    receiver.secret = subscription.secret;
    return subscription;
  };
  const intake = (subject: string) =>
    t.services.tickets.intake(ctx(), { channel: 'web', requestType: 'complaint', subject, content: `${subject}，请尽快处理。`, requester: { name: '王五', phone: '13900139000' } });
  const staffOf = (departmentId: string) => ({ actor: anActor(['department_staff'], departmentId), now: t.clock.now() });
  const pending = (subscriptionId: string) => t.services.webhooks.deliveries.countDocuments({ subscriptionId, state: { $ne: 'delivered' } });

  /**
   * Runs passes until the subscription is owed nothing, moving the fixed clock past each
   * back-off: the condition is waited for, bounded by a number of passes, never by time.
   */
  const drain = async (subscriptionId: string, senders: WebhookSender[]) => {
    for (let pass = 0; pass < 40; pass++) {
      if ((await pending(subscriptionId)) === 0) return;
      const subscription = await t.services.webhooks.subscriptions.findById(subscriptionId).lean();
      if (subscription?.retryAt && subscription.retryAt > t.clock.now()) t.clock.set(subscription.retryAt);
      await Promise.all(senders.map((s) => s.deliverDue(t.clock)));
    }
    assert.fail(`still owed ${await pending(subscriptionId)} deliveries after 40 passes`);
  };
  /** The changes of the ticket a subscriber to every type must receive, in order. */
  const expectedOf = async (ticketId: string) =>
    (await t.services.tickets.history(systemActor, ticketId)).filter((e) => eventTypeOf(e.action)).map((e) => e._id);

  before(async () => {
    receiver = await startWebhookReceiver(() => t.clock.now());
  });
  beforeEach(async () => {
    receiver.arrivals.length = 0;
    receiver.rejected.length = 0;
    receiver.answer500(false);
    await t.services.webhooks.subscriptions.deleteMany({});
    await t.services.webhooks.deliveries.deleteMany({});
  });
  after(async () => {
    await receiver?.close();
  });

  it('when the receiver answers 500, then refuses connections, then comes back, then it gets every event once, in order per ticket, each signed', async () => {
    const subscription = await subscribe();
    const lead = await aDepartment(t.services);
    const first = await intake('路灯不亮');
    await t.services.tickets.act(ctx(), first.id, 'dispatch', { lead: lead.id });

    receiver.answer500(true);
    const report = await sender('a').deliverDue(t.clock);
    assert.deepEqual(report, { delivered: 0, failed: 1, disabled: 0, recovered: 0 });
    const [tried] = await t.services.webhooks.deliveryLog(systemActor, subscription.id, { state: 'pending', limit: 10, ticketId: first.id }).then((d) => d.slice(-1));
    assert.deepEqual([tried!.attempts, tried!.responseCode, tried!.lastError], [1, 500, 'HTTP 500: receiver broken']);
    const failing = await t.services.webhooks.get(systemActor, subscription.id);
    assert.deepEqual([failing.consecutiveFailures, failing.retryAt], [1, new Date(t.clock.now().getTime() + 10_000)]);
    assert.deepEqual(await sender('a').deliverDue(t.clock), { delivered: 0, failed: 0, disabled: 0, recovered: 0 }, 'nothing is tried during the back-off');

    await receiver.down();
    const second = await intake('井盖缺失');
    await t.services.tickets.act(ctx(), second.id, 'dispatch', { lead: lead.id });
    await t.services.tickets.act(staffOf(lead.id), first.id, 'accept', {});
    t.clock.advance(10_000);
    assert.equal((await sender('a').deliverDue(t.clock)).failed, 1);
    assert.equal((await t.services.webhooks.get(systemActor, subscription.id)).lastError, 'ECONNREFUSED');
    await t.services.tickets.act(staffOf(lead.id), first.id, 'interim_reply', { text: '已安排维修班组。' });
    await t.services.tickets.act(staffOf(lead.id), second.id, 'accept', {});
    await t.services.tickets.act(staffOf(lead.id), first.id, 'reply', { text: '路灯已修复。' });
    t.clock.advance(20_000);
    assert.equal((await sender('a').deliverDue(t.clock)).failed, 1);

    await receiver.up();
    receiver.answer500(false);
    await drain(subscription.id, [sender('a'), sender('b')]);

    assert.deepEqual(receiver.rejected, [], 'every signature verified');
    const arrived = receiver.events();
    assert.equal(receiver.arrivals.length, arrived.length, 'nothing acknowledged was sent again');
    for (const ticket of [first, second]) {
      const received = arrived.filter((e) => e.body.ticket.id === ticket.id);
      assert.deepEqual(received.map((e) => e.body.id), await expectedOf(ticket.id), `ticket ${ticket.number}: each event once, in order`);
    }
    assert.deepEqual(arrived.filter((e) => e.body.ticket.id === first.id).map((e) => e.type), [
      'ticket.created', 'ticket.dispatched', 'ticket.accepted', 'ticket.interim_replied', 'ticket.replied',
    ]);
    assert.ok(arrived.every((e) => e.type === e.body.type && !JSON.stringify(e.body).includes('13900139000') && !JSON.stringify(e.body).includes('王五')), 'no requester data');
    const log = await t.services.webhooks.deliveryLog(systemActor, subscription.id, { limit: 100 });
    assert.ok(log.every((d) => d.state === 'delivered' && d.responseCode === 204 && d.lastError === null));
    assert.equal(log.reduce((sum, d) => sum + d.attempts, 0), log.length + 3, 'one attempt each, and the three failures fell on the change at the head of the queue');
    assert.equal((await t.services.webhooks.get(systemActor, subscription.id)).consecutiveFailures, 0);
  });

  it('when a subscription names a department, then it hears only of tickets that department or one below it is involved in', async () => {
    const district = await aDepartment(t.services, { kind: 'district' });
    const street = await aDepartment(t.services, { kind: 'street', parentId: district.id });
    const elsewhere = await aDepartment(t.services);
    const subscription = await subscribe({ departmentId: district.id, events: ['ticket.dispatched', 'ticket.accepted', 'ticket.returned'] });
    const ours = await intake('占道经营');
    const theirs = await intake('噪音扰民');
    await t.services.tickets.act(ctx(), ours.id, 'dispatch', { lead: street.id });
    await t.services.tickets.act(ctx(), theirs.id, 'dispatch', { lead: elsewhere.id });
    await t.services.tickets.act(staffOf(street.id), ours.id, 'accept', {});
    await t.services.tickets.act(staffOf(elsewhere.id), theirs.id, 'return', { reason: '非本单位职责' });

    await drain(subscription.id, [sender('a')]);

    assert.deepEqual(receiver.events().map((e) => [e.body.ticket.id, e.type]), [[ours.id, 'ticket.dispatched'], [ours.id, 'ticket.accepted']]);
  });

  it('when a historic ticket is imported, then its intake is not sent, but its later changes are', async () => {
    const subscription = await subscribe({ events: ['ticket.created', 'ticket.cancelled'] });
    const imported = await t.services.tickets.intake(ctx(), {
      channel: 'import', requestType: 'help', subject: '旧工单', content: '历史数据导入。', requester: {}, receivedAt: new Date('2025-06-01T02:00:00Z'),
    });
    await t.services.tickets.act(ctx(), imported.id, 'cancel', { reason: '重复工单' });
    await drain(subscription.id, [sender('a')]);
    assert.deepEqual(receiver.events().map((e) => e.type), ['ticket.cancelled']);
  });

  it('when the receiver keeps failing, then the subscription is turned off after the set number of failures, audited, and the administrators are mailed', async () => {
    await aUser(t.services, ['administrator'], { email: 'admin-webhooks@example.test' });
    const subscription = await subscribe();
    receiver.answer500(true);
    const first = await intake('供暖不热');
    const failing = sender('a', { disableAfterFailures: 3 });
    const reports = [];
    for (let pass = 0; pass < 3; pass++) {
      const { retryAt } = await t.services.webhooks.get(systemActor, subscription.id);
      if (retryAt) t.clock.set(retryAt);
      reports.push(await failing.deliverDue(t.clock));
    }
    assert.deepEqual(reports.map((r) => [r.failed, r.disabled]), [[1, 0], [1, 0], [0, 1]]);
    const off = await t.services.webhooks.get(systemActor, subscription.id);
    assert.deepEqual([off.enabled, off.disabledReason, off.consecutiveFailures], [false, 'failures', 3]);
    const audit = await t.services.audit.list({ entityType: 'webhook', entityId: subscription.id, action: 'webhook.disable', limit: 5 });
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.actor.username, 'system');
    const notices = await t.services.outbox.notices.find({ template: 'webhook-disabled' }).lean();
    assert.deepEqual(notices.map((n) => n.to), ['admin-webhooks@example.test']);
    assert.equal((notices[0]!.data as { partner: string }).partner, '区网格化管理平台');

    t.clock.advance(3_600_000);
    assert.deepEqual(await failing.deliverDue(t.clock), { delivered: 0, failed: 0, disabled: 0, recovered: 0 }, 'a disabled subscription is left alone');
    await t.services.tickets.act(ctx(), first.id, 'cancel', { reason: '重复来电' });
    assert.equal(await t.services.webhooks.deliveries.countDocuments({ subscriptionId: subscription.id }), 1, 'changes while it is off are not queued');

    receiver.answer500(false);
    await t.services.webhooks.update(ctx(), subscription.id, { enabled: true, version: off.version });
    await drain(subscription.id, [failing]);
    assert.deepEqual(receiver.events().map((e) => e.body.id), [`${first.id}:1`], 'what was kept goes out once it is enabled again');
  });

  it('when a delivered change is replayed, then it goes out again with the same delivery id and the log counts the replay', async () => {
    const subscription = await subscribe({ events: ['ticket.created'] });
    const ticket = await intake('路面塌陷');
    await drain(subscription.id, [sender('a')]);
    const [delivered] = await t.services.webhooks.deliveryLog(systemActor, subscription.id, { limit: 10 });

    const replayed = await t.services.webhooks.replay(ctx(), subscription.id, delivered!.id);
    assert.deepEqual([replayed.state, replayed.replays], ['pending', 1]);
    await drain(subscription.id, [sender('a')]);

    assert.deepEqual(receiver.arrivals.map((e) => e.delivery), [delivered!.id, delivered!.id]);
    assert.deepEqual(receiver.events().map((e) => e.body.id), [`${ticket.id}:1`], 'the receiver folds the copy');
    const [after] = await t.services.webhooks.deliveryLog(systemActor, subscription.id, { limit: 10 });
    assert.deepEqual([after!.state, after!.attempts, after!.replays], ['delivered', 2, 1]);
    const audit = await t.services.audit.list({ entityType: 'webhook', entityId: subscription.id, action: 'webhook.delivery.replay', limit: 5 });
    assert.equal(audit.length, 1);
  });

  it('when a sender dies during an attempt, then the ticket\'s later changes wait, and after the lease another sender sends it again, then the rest in order', async () => {
    const subscription = await subscribe({ events: ['ticket.created', 'ticket.dispatched'] });
    const ticket = await intake('违章建筑');
    await t.services.tickets.act(ctx(), ticket.id, 'dispatch', { lead: (await aDepartment(t.services)).id });
    const owed = await t.services.webhooks.deliveryLog(systemActor, subscription.id, { limit: 10 });
    const created = owed.find((d) => d.eventType === 'ticket.created')!;
    await t.services.webhooks.deliveries.updateOne({ _id: created.id }, { $set: { state: 'sending', claimedAt: t.clock.now(), claimedBy: 'dead' }, $inc: { version: 1, attempts: 1 } });

    assert.equal((await sender('b').deliverDue(t.clock)).delivered, 0, 'the dispatch waits for the intake still under way, which is not taken over before its lease ends');
    t.clock.advance(120_000);
    assert.deepEqual(await sender('b').deliverDue(t.clock), { delivered: 2, failed: 0, disabled: 0, recovered: 1 });
    assert.deepEqual(receiver.events().map((e) => e.body.id), [`${ticket.id}:1`, `${ticket.id}:2`]);
  });
});
