import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { satisfactionDigit, verifySmsSignature } from '../../../core/inbound/inbound-sms.js';
import { DomainError } from '../../../core/platform/errors.js';

const now = new Date('2026-03-02T02:00:00Z');
const seconds = String(now.getTime() / 1000);
const body = Buffer.from('{"id":"1","from":"13800138000","text":"3"}');
const sign = (timestamp: string, key = 'the-shared-secret-01') => createHmac('sha256', key).update(`${timestamp}.${body.toString()}`).digest('hex');
const codeOf = (fn: () => void) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError) return err.code;
    throw err;
  }
  return 'accepted';
};

describe('Inbound SMS: survey digits and the gateway signature', () => {
  it('when the text is only 1, 2 or 3 (half or full width), then it is a satisfaction; anything else is not', () => {
    assert.equal(satisfactionDigit('1'), 'satisfied');
    assert.equal(satisfactionDigit(' 2 '), 'basically_satisfied');
    assert.equal(satisfactionDigit('３'), 'dissatisfied');
    assert.equal(satisfactionDigit('3。'), 'dissatisfied');
    for (const text of ['4', '13', '3 不满意', '', '一']) assert.equal(satisfactionDigit(text), null, text);
  });

  it('when the signature matches within 300 s it passes; otherwise it names why it is refused', () => {
    assert.equal(codeOf(() => verifySmsSignature('the-shared-secret-01', { timestamp: seconds, signature: sign(seconds), body }, now)), 'accepted');
    assert.equal(codeOf(() => verifySmsSignature('the-shared-secret-01', { timestamp: seconds, signature: `sha256=${sign(seconds)}`, body }, now)), 'accepted');
    const late = String(Number(seconds) + 301);
    assert.equal(codeOf(() => verifySmsSignature('the-shared-secret-01', { timestamp: late, signature: sign(late), body }, now)), 'SIGNATURE_EXPIRED');
    assert.equal(codeOf(() => verifySmsSignature('the-shared-secret-01', { timestamp: seconds, signature: sign(seconds, 'another-secret-000'), body }, now)), 'SIGNATURE_INVALID');
    assert.equal(codeOf(() => verifySmsSignature('the-shared-secret-01', { timestamp: seconds, signature: 'zz', body }, now)), 'SIGNATURE_INVALID');
    assert.equal(codeOf(() => verifySmsSignature('the-shared-secret-01', { timestamp: 'yesterday', signature: sign(seconds), body }, now)), 'SIGNATURE_INVALID');
  });
});
