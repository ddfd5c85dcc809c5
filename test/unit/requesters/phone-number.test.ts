import assert from 'node:assert/strict';
import { canonicalPhone, samePhone } from '../../../core/requesters/phone-number.js';

describe('Phone numbers in their canonical form', () => {
  const twins: [string, string[]][] = [
    ['13800138000', ['13800138000', '+8613800138000', '008613800138000', '8613800138000', '+86 138 0013 8000', '138-0013-8000', '(+86) 138.0013.8000', ' 13800138000 ']],
    ['01062345678', ['010-62345678', '+861062345678', '861062345678', ' 861062345678', '(010) 6234 5678', '01062345678', '00861062345678', '+86 010 62345678', '+86-10-6234-5678', '010 6234 5678']],
    ['075512345678', ['0755-1234-5678', '+86 755 1234 5678', '0086755-12345678']],
    ['19912345678', ['+86 199 1234 5678', '199 1234 5678']],
  ];
  for (const [canonical, forms] of twins) {
    it(`when a mainland number arrives as ${forms.join(' | ')} then each is ${canonical}`, () => {
      for (const form of forms) assert.equal(canonicalPhone(form), canonical, form);
    });
  }

  it('when the number is in a SIP or tel URI, with or without a display name, then its user part counts', () => {
    assert.equal(canonicalPhone('sip:+8613800138000@trunk.example.org;user=phone'), '13800138000');
    assert.equal(canonicalPhone('"Zhang" <sip:008613800138000@10.0.0.1:5060>;tag=1'), '13800138000');
    assert.equal(canonicalPhone('<tel:+86-10-6234-5678;npdi>'), '01062345678');
  });

  it('when the number is abroad then it is in E.164, whether dialled with + or 00', () => {
    assert.equal(canonicalPhone('+852 2123 4567'), '+85221234567');
    assert.equal(canonicalPhone('0014155550123'), '+14155550123');
    assert.equal(canonicalPhone('+1 (415) 555-0123'), '+14155550123');
  });

  it('when the digits are no known number (a service number, a landline without area code) then they stay as digits', () => {
    assert.equal(canonicalPhone('95588'), '95588');
    assert.equal(canonicalPhone('12345'), '12345');
    assert.equal(canonicalPhone('6234-5678'), '62345678');
  });

  it('when the caller is withheld or is no number then there is no number', () => {
    for (const text of ['', '   ', 'anonymous', 'Anonymous', 'unavailable', 'Anonymous <sip:anonymous@anonymous.invalid>', 'sip:anonymous@anonymous.invalid', 'op-zhang', 'restricted', '12', '1+2345678']) {
      assert.equal(canonicalPhone(text), null, JSON.stringify(text));
    }
    assert.equal(canonicalPhone(null), null);
    assert.equal(canonicalPhone(undefined), null);
  });

  it('when the text is longer than any number (a caller id of 129 or 10,000 characters) then it is no number', () => {
    assert.equal(canonicalPhone('1'.repeat(129)), null);
    assert.equal(canonicalPhone(`13800138000${' '.repeat(60)}`.padEnd(10_000, '-')), null);
    assert.equal(canonicalPhone(`sip:${'8'.repeat(200)}@trunk`), null);
  });

  it('when two forms name one number then they are the same phone; text that is no number matches nothing, not even itself', () => {
    assert.equal(samePhone('+8613800138000', '138 0013 8000'), true);
    assert.equal(samePhone('010-62345678', '+861062345678'), true);
    assert.equal(samePhone('13800138000', '13900139000'), false);
    assert.equal(samePhone('anonymous', 'anonymous'), false);
    assert.equal(samePhone(null, '13800138000'), false);
  });
});
