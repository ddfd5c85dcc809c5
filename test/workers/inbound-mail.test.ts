import assert from 'node:assert/strict';
import { ImapFlow } from 'imapflow';
import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';
import { systemActor } from '../../core/accounts/access.js';
import { readMail } from '../../core/inbound/inbound-mail.js';
import { MailboxPoller } from '../../core/inbound/mailbox-poller.js';
import { messageIdFor } from '../../core/notifications/mail-transport.js';
import { loadConfig } from '../../core/platform/config.js';
import { createLogger } from '../../core/platform/logger.js';
import { startDovecot, type Dovecot } from '../helpers/dovecot.js';
import { useTestApp } from '../helpers/test-app.js';

const logger = createLogger('silent');
const mailFrom = loadConfig({}).MAIL_FROM;
// A PNG header and some bytes: what matters is that the very bytes come back.
const photo = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.from('路灯照片'.repeat(200))]);

describe('Workers: inbound e-mail from a real Dovecot mailbox (IMAP)', () => {
  let dovecot: Dovecot;
  before(async function () {
    this.timeout(30_000);
    dovecot = await startDovecot();
  });
  const t = useTestApp({
    inbound: () => ({ smsSecret: null, imap: { host: dovecot.host, port: dovecot.port, tls: 'none', user: dovecot.user, password: dovecot.password, mailbox: 'INBOX' } }),
  });
  let imap: ImapFlow;
  before(async () => {
    imap = new ImapFlow({ host: dovecot.host, port: dovecot.port, secure: false, doSTARTTLS: false, auth: { user: dovecot.user, pass: dovecot.password }, logger: false });
    await imap.connect();
  });
  after(async () => {
    await imap?.logout();
    await dovecot?.stop();
  });

  /** Delivers a message into the mailbox as a mail server would: APPEND, unseen. */
  async function deliver(message: Mail.Options): Promise<Buffer> {
    const source = await new MailComposer({ to: 'hotline@12345.example.gov.cn', ...message }).compile().build();
    await imap.append('INBOX', source);
    return source;
  }
  const poll = () => t.services.mailbox.poll(() => t.clock.now(), logger);
  const emailTickets = async () => (await t.services.tickets.list(systemActor, { channel: 'email', limit: 100, sort: 'oldest' })).items;
  const unseen = async () => {
    const lock = await imap.getMailboxLock('INBOX');
    try {
      // Another session (the poll) changed flags: NOOP lets the server tell this one.
      await imap.noop();
      return (await imap.search({ seen: false }, { uid: true })) || [];
    } finally {
      lock.release();
    }
  };

  let ticketId: string;

  it('when a message arrives in the mailbox, then the poll makes it a ticket with its attachment and marks it seen', async () => {
    await deliver({
      from: '王芳 <Wang.Fang@example.org>', subject: '小区路灯不亮', messageId: '<first-report@example.org>',
      text: '望京西园三区 5 号楼前的路灯坏了一周，晚上很黑。', attachments: [{ filename: '路灯.png', content: photo, contentType: 'image/png' }],
    });
    assert.deepEqual(await poll(), { received: 1, ignored: 0, failed: 0 });

    const [summary] = await emailTickets();
    assert.ok(summary, 'an e-mail ticket was taken in');
    ticketId = summary.id;
    const ticket = await t.services.tickets.get(systemActor, ticketId, t.clock.now());
    assert.equal(ticket.channel, 'email');
    assert.equal(ticket.subject, '小区路灯不亮');
    assert.equal(ticket.content, '望京西园三区 5 号楼前的路灯坏了一周，晚上很黑。');
    assert.equal(ticket.requester.email, 'wang.fang@example.org');
    assert.equal(ticket.requester.name, '王芳');
    assert.deepEqual((await t.services.repositories.tickets.byId(ticketId))!.attachments, [{ name: '路灯.png', contentType: 'image/png', size: photo.length, url: null }]);

    const [kept] = await t.services.attachments.ofTicket(ticketId);
    assert.ok(kept, 'the attachment is kept for the ticket');
    assert.equal(kept.source, 'email');
    assert.deepEqual(await t.services.attachments.content(kept), photo);
    assert.deepEqual(await unseen(), []);
  });

  it('when the requester answers the notice we sent, then the answer and its file join the ticket instead of a new ticket', async () => {
    const ticket = await t.services.repositories.tickets.byId(ticketId);
    const [notice] = await t.services.outbox.notices.find({ eventId: `${ticketId}:1`, channel: 'email' }).lean();
    assert.ok(notice, 'the ticket-received notice went to the requester');
    const second = Buffer.from('%PDF-1.4 补充说明');
    await deliver({
      from: 'wang.fang@example.org', subject: `Re: 您的诉求已受理（工单号 ${ticket!.number}）`, messageId: '<first-answer@example.org>',
      inReplyTo: messageIdFor(notice._id, mailFrom), references: [messageIdFor(notice._id, mailFrom)],
      text: '补充：路灯编号 WJ-0512。', attachments: [{ filename: '说明.pdf', content: second, contentType: 'application/pdf' }],
    });
    assert.deepEqual(await poll(), { received: 1, ignored: 0, failed: 0 });

    assert.equal((await emailTickets()).length, 1, 'no second ticket');
    const history = await t.services.tickets.history(systemActor, ticketId);
    const message = history.find((e) => e.action === 'requester_message');
    assert.ok(message, 'the answer is on the ticket');
    assert.equal(message.data.text, '补充：路灯编号 WJ-0512。');
    assert.equal(message.data.channel, 'email');
    const after = await t.services.repositories.tickets.byId(ticketId);
    assert.deepEqual(after!.attachments.map((a) => a.name), ['路灯.png', '说明.pdf']);
    assert.deepEqual((await t.services.attachments.ofTicket(ticketId)).map((a) => a.name).sort(), ['说明.pdf', '路灯.png']);
  });

  it('when the requester writes again naming the ticket number in the subject, then the message joins the ticket', async () => {
    const ticket = await t.services.repositories.tickets.byId(ticketId);
    await deliver({ from: '王芳 <wang.fang@example.org>', subject: `工单${ticket!.number}还没修好`, messageId: '<by-number@example.org>', text: '三天了还是不亮。' });
    assert.deepEqual(await poll(), { received: 1, ignored: 0, failed: 0 });
    assert.equal((await emailTickets()).length, 1, 'no second ticket');
    const messages = (await t.services.tickets.history(systemActor, ticketId)).filter((e) => e.action === 'requester_message');
    assert.deepEqual(messages.map((e) => e.data.text), ['补充：路灯编号 WJ-0512。', '三天了还是不亮。']);
  });

  it('when someone else names the ticket number in a subject, then it becomes a ticket of its own', async () => {
    const ticket = await t.services.repositories.tickets.byId(ticketId);
    await deliver({ from: 'someone@example.net', subject: `关于工单 ${ticket!.number}`, messageId: '<stranger@example.net>', html: '<p>我也看到<b>路灯</b>不亮。</p>' });
    assert.deepEqual(await poll(), { received: 1, ignored: 0, failed: 0 });
    const tickets = await emailTickets();
    assert.equal(tickets.length, 2);
    const other = await t.services.tickets.get(systemActor, tickets[1]!.id, t.clock.now());
    assert.equal(other.requester.email, 'someone@example.net');
    assert.equal(other.content, '我也看到路灯不亮。', 'the HTML body is read as text');
  });

  it('when a poll died after the ticket was written but before the message was marked seen, then the next poll takes it in once', async () => {
    const source = await deliver({ from: 'li@example.org', subject: '噪音扰民', messageId: '<crash@example.org>', text: '夜间施工噪音。' });
    // What the dead poll did: the ticket exists, the message is still unseen.
    await t.services.inboundMail.receive(await readMail(source, 'unused'), t.clock.now());
    assert.equal((await unseen()).length, 1);
    assert.deepEqual(await poll(), { received: 1, ignored: 0, failed: 0 });
    assert.equal((await emailTickets()).filter((s) => s.subject === '噪音扰民').length, 1);
    assert.deepEqual(await unseen(), []);
  });

  it('when an auto-reply arrives (Auto-Submitted), then it is marked seen and taken for nothing', async () => {
    const before = (await emailTickets()).length;
    await deliver({ from: 'wang.fang@example.org', subject: '自动回复：您的诉求已受理', messageId: '<auto@example.org>', text: '我正在休假。', headers: { 'Auto-Submitted': 'auto-replied' } });
    assert.deepEqual(await poll(), { received: 0, ignored: 1, failed: 0 });
    assert.equal((await emailTickets()).length, before);
    assert.deepEqual(await unseen(), []);
  });

  it('when no mailbox is configured, then the poll reads nothing', async () => {
    assert.deepEqual(await new MailboxPoller(null, t.services.inboundMail).poll(() => t.clock.now(), logger), { received: 0, ignored: 0, failed: 0 });
  });
});
