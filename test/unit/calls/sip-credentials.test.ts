import assert from 'node:assert/strict';
import { issueSipCredentials, sipUserFor } from '../../../core/calls/sip-credentials.js';

describe('SIP credentials', () => {
  const now = new Date('2023-11-14T22:13:20Z'); // unix 1700000000

  it('when credentials are issued then the username is the expiry second and the user, as auth_ephemeral expects', () => {
    const credentials = issueSipCredentials({ user: 'op-alice', secret: 'kamailio_rules', now, ttlSeconds: 60 });
    assert.equal(credentials.username, '1700000060:op-alice');
    assert.deepEqual(credentials.expiresAt, new Date('2023-11-14T22:14:20Z'));
  });

  it('when credentials are issued then the password is base64 HMAC-SHA1 of the username (checked against openssl)', () => {
    // printf '%s' '1700000060:op-alice' | openssl dgst -sha1 -hmac 'kamailio_rules' -binary | base64
    const { password } = issueSipCredentials({ user: 'op-alice', secret: 'kamailio_rules', now, ttlSeconds: 60 });
    assert.equal(password, 'UeJVVqF3+xG9GNqp7TKSUyU70Oc=');
  });

  it('when now has milliseconds then the expiry is counted from the whole second', () => {
    const credentials = issueSipCredentials({ user: 'op-a', secret: 's', now: new Date('2023-11-14T22:13:20.999Z'), ttlSeconds: 1 });
    assert.equal(credentials.username, '1700000001:op-a');
  });

  it('when the user, secret or lifetime is unusable then nothing is issued', () => {
    assert.throws(() => issueSipCredentials({ user: 'op a', secret: 's', now, ttlSeconds: 60 }), RangeError);
    assert.throws(() => issueSipCredentials({ user: 'op:a', secret: 's', now, ttlSeconds: 60 }), RangeError);
    assert.throws(() => issueSipCredentials({ user: 'op-a', secret: '', now, ttlSeconds: 60 }), RangeError);
    assert.throws(() => issueSipCredentials({ user: 'op-a', secret: 's', now, ttlSeconds: 0 }), RangeError);
    assert.throws(() => issueSipCredentials({ user: 'op-a', secret: 's', now, ttlSeconds: 1.5 }), RangeError);
  });

  it('when a staff name is SIP-safe then its SIP user is the name with the staff prefix', () => {
    assert.equal(sipUserFor('zhang.wei'), 'op-zhang.wei');
    assert.equal(sipUserFor('Li_Na-2'), 'op-Li_Na-2');
  });

  it('when a staff name is not SIP-safe then its SIP user is the UTF-8 hex, which cannot collide with a readable name', () => {
    assert.equal(sipUserFor('中文'), 'op-~e4b8ade69687');
    assert.equal(sipUserFor('a b'), 'op-~612062');
    assert.notEqual(sipUserFor('e4b8ade69687'), sipUserFor('中文'));
  });

  it('when a staff name is empty or too long for a SIP user then it is refused', () => {
    assert.throws(() => sipUserFor(''), RangeError);
    assert.throws(() => sipUserFor('名'.repeat(30)), RangeError);
  });

  it('when a mapped SIP user is given to issueSipCredentials then it is accepted', () => {
    assert.doesNotThrow(() => issueSipCredentials({ user: sipUserFor('中文'), secret: 's', now, ttlSeconds: 60 }));
  });
});
