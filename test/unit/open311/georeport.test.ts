import assert from 'node:assert/strict';
import { mediaAttachment, open311Status, requesterName, statesWithStatus, statusNotes, subjectOf } from '../../../core/open311/georeport.js';
import { dateRange } from '../../../core/open311/open311.js';
import { ticketStates } from '../../../core/tickets/ticket.js';
import { aTicketIn, monday10 } from '../../builders/tickets.js';

describe('Open311 GeoReport v2 translation (pure)', () => {
  it('when each ticket state is mapped, then it is closed only once the requester has the answer or the ticket ended', () => {
    const closed = ticketStates.filter((s) => open311Status(s) === 'closed');
    assert.deepEqual(closed, ['awaiting_callback', 'closed', 'archived', 'merged', 'cancelled']);
    assert.deepEqual([...statesWithStatus(['open']), ...statesWithStatus(['closed'])].sort(), [...ticketStates].sort());
  });

  it('when a ticket waits for information, was merged, cancelled or replied, then status_notes say so', () => {
    assert.equal(statusNotes(aTicketIn('waiting_info'), null), '请补充 / Information needed: 门牌号');
    assert.equal(statusNotes(aTicketIn('merged', { parentId: 'p' }), '20260302000009'), '与 20260302000009 合并办理 / Merged into request 20260302000009');
    assert.equal(statusNotes(aTicketIn('cancelled', { cancelReason: '重复骚扰' }), null), '已作废 / Cancelled: 重复骚扰');
    assert.equal(statusNotes(aTicketIn('awaiting_callback'), null), '已处理');
    assert.equal(statusNotes(aTicketIn('awaiting_callback', { assignments: [] }), null), '热线已直接答复 / Answered by the hotline');
  });

  it('when names, descriptions and media URLs come in, then the ticket gets a requester name, a subject and an attachment', () => {
    assert.equal(requesterName('三', '张'), '张三');
    assert.equal(requesterName('John', 'Smith'), 'John Smith');
    assert.equal(requesterName(undefined, 'Smith'), 'Smith');
    assert.equal(requesterName(), null);
    assert.equal(subjectOf('\n  路灯不亮  \n已经三天', '路灯'), '路灯不亮');
    assert.equal(subjectOf(undefined, '路灯'), '路灯');
    assert.equal(subjectOf('长'.repeat(80), '路灯').length, 60);
    assert.deepEqual(mediaAttachment('https://img.example.org/a/%E5%9D%91.PNG?size=big'), { name: '坑.PNG', contentType: 'image/png', size: 0, url: 'https://img.example.org/a/%E5%9D%91.PNG?size=big' });
    assert.deepEqual(mediaAttachment('https://img.example.org/'), { name: 'media', contentType: 'application/octet-stream', size: 0, url: 'https://img.example.org/' });
  });

  it('when GET requests names no dates, one date or both, then the range is at most 90 days', () => {
    const day = 86_400_000;
    assert.deepEqual(dateRange(undefined, undefined, monday10), { from: new Date(monday10.getTime() - 90 * day), to: monday10 });
    const start = new Date('2026-01-01T00:00:00Z');
    assert.deepEqual(dateRange(start, undefined, monday10), { from: start, to: new Date(start.getTime() + 90 * day) });
    assert.deepEqual(dateRange(undefined, start, monday10), { from: new Date(start.getTime() - 90 * day), to: start });
    assert.throws(() => dateRange(monday10, start, monday10), { code: 'INVALID_DATE_RANGE' });
    assert.throws(() => dateRange(start, new Date(start.getTime() + 91 * day), monday10), { code: 'INVALID_DATE_RANGE' });
  });
});
