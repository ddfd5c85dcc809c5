import assert from 'node:assert/strict';
import { telephonySettingsFrom } from '../../core/calls/telephony-settings.js';
import { loadConfig, type ConfigError } from '../../core/platform/config.js';

const secret = 'sip-secret-0123456789';
const token = 'kamailio-token-0123456789';

describe('Telephony settings', () => {
  it('when neither shared value is set in development then telephony is off', () => {
    assert.equal(telephonySettingsFrom(loadConfig({})), null);
  });

  it('when both are set then the defaults fill in the rest', () => {
    assert.deepEqual(telephonySettingsFrom(loadConfig({ SIP_SECRET: secret, TELEPHONY_TOKEN: token })), {
      sipSecret: secret, telephonyToken: token, sipDomain: 'hotline.local', wsUrl: 'ws://127.0.0.1:5066', credentialTtlSeconds: 43_200, ringSeconds: 20,
    });
  });

  it('when only one is set, or production lacks them, then the configuration is refused naming the setting', () => {
    assert.throws(() => telephonySettingsFrom(loadConfig({ SIP_SECRET: secret })), (err: ConfigError) => err.issues[0]?.setting === 'TELEPHONY_TOKEN');
    assert.throws(
      () => telephonySettingsFrom(loadConfig({ NODE_ENV: 'production' })),
      (err: ConfigError) => err.issues.map((i) => i.setting).join() === 'SIP_SECRET,TELEPHONY_TOKEN',
    );
  });

  it('when a secret has characters Kamailio cannot carry then loading the configuration fails on it', () => {
    assert.throws(() => loadConfig({ SIP_SECRET: 'short"quote' }), (err: ConfigError) => err.issues[0]?.setting === 'SIP_SECRET');
  });
});
