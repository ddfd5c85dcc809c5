import assert from 'node:assert/strict';
import { requesterMayAttach, staffMayAttach, storedName } from '../../core/attachments/attachments.js';

describe('Attachments: who may add files when, and the names they keep', () => {
  const createdAt = new Date('2026-03-02T02:00:00Z');
  const at = (minutes: number) => new Date(createdAt.getTime() + minutes * 60_000);

  it('when the requester adds a file, then within the window after submitting, or whenever the department waits for information', () => {
    assert.equal(requesterMayAttach({ state: 'received', createdAt }, at(59), 60), true);
    assert.equal(requesterMayAttach({ state: 'dispatched', createdAt }, at(60), 60), false);
    assert.equal(requesterMayAttach({ state: 'waiting_info', createdAt }, at(60 * 24 * 10), 60), true);
    assert.equal(requesterMayAttach({ state: 'cancelled', createdAt }, at(1), 60), false);
  });

  it('when staff add a file, then only while the ticket is open', () => {
    assert.equal(staffMayAttach({ state: 'closed' }), true);
    assert.equal(staffMayAttach({ state: 'archived' }), false);
    assert.equal(staffMayAttach({ state: 'merged' }), false);
  });

  it('when a file is named, then the folder goes and the extension is the content\'s', () => {
    assert.equal(storedName('C:\\Users\\me\\现场.JPG', 'jpg'), '现场.jpg');
    assert.equal(storedName('../../etc/passwd', 'pdf'), 'passwd.pdf');
    assert.equal(storedName('setup.exe', 'png'), 'setup.png');
    assert.equal(storedName('.hidden', 'pdf'), 'file.pdf');
    assert.equal(storedName('report.final.docx', 'pdf'), 'report.final.pdf');
  });
});
