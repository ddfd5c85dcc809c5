import assert from 'node:assert/strict';
import { aUser, testPassword } from '../builders/builders.js';
import { signIn, useTestApp, type SignedInAgent } from '../helpers/test-app.js';

const noStackTrace = /at .*\.[jt]s|node_modules|URIError/;

describe('API: bad input is refused cleanly at the edge', () => {
  const t = useTestApp({ at: '2026-03-02T02:00:00Z' });
  let operator: SignedInAgent;

  before(async () => {
    operator = await signIn(t.app, (await aUser(t.services, ['operator'])).username, testPassword);
  });

  it('when a path parameter is not valid percent-encoding, then 400 VALIDATION_FAILED naming the path, no stack trace', async () => {
    for (const url of ['/api/public/tickets/%ED%A0%80?phone=13800138000', '/api/public/tickets/%E0%A4%A?phone=13800138000', '/api/tickets/%FF']) {
      const res = await operator.get(url);
      assert.equal(res.status, 400, `${url}: ${res.status} ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, 'VALIDATION_FAILED');
      assert.equal(res.body.error.details.fields[0].field, 'path');
      assert.doesNotMatch(JSON.stringify(res.body), noStackTrace);
    }
  });
});
