import assert from 'node:assert/strict';
import type { Actor } from '../../../core/accounts/access.js';
import { ActorCache } from '../../../core/accounts/actor-cache.js';

const actor: Actor = { userId: 'u1', username: 'operator1', roles: ['operator'], departmentId: null, via: 'token' };

describe('ActorCache: who a session or token is, kept for seconds', () => {
  const counting = (expiresAt: Date | null) => {
    let loads = 0;
    return { load: async () => ((loads += 1), { actor, expiresAt }), loads: () => loads };
  };
  const now = new Date('2026-12-02T08:00:00Z');

  it('when asked twice within the keep time, then the database is read once; after a change here, again', async () => {
    const cache = new ActorCache(60_000);
    const source = counting(null);
    assert.equal((await cache.get('h', now, source.load))?.actor, actor);
    assert.equal((await cache.get('h', now, source.load))?.actor, actor);
    assert.equal(source.loads(), 1);
    cache.clear();
    await cache.get('h', now, source.load);
    assert.equal(source.loads(), 2);
  });

  it('when the session expires while cached, then it is read afresh, and an unknown token is never kept', async () => {
    const cache = new ActorCache(60_000);
    const source = counting(new Date(now.getTime() + 1000));
    await cache.get('h', now, source.load);
    await cache.get('h', new Date(now.getTime() + 1000), source.load);
    assert.equal(source.loads(), 2);
    let misses = 0;
    const none = async () => ((misses += 1), null);
    assert.equal(await cache.get('x', now, none), null);
    assert.equal(await cache.get('x', now, none), null);
    assert.equal(misses, 2);
  });
});
