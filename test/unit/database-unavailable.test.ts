import assert from 'node:assert/strict';
import { MongoBulkWriteError, MongoServerError } from 'mongodb';
import { isDatabaseUnavailable } from '../../core/platform/database.js';

describe('Database unavailable: which errors are an outage (503) rather than a bug (500)', () => {
  const ferret = (message: string, code = 1) => new MongoServerError({ message, errmsg: message, code });

  it('when FerretDB reports that PostgreSQL behind it is gone, then it is an outage, also wrapped as a cause', () => {
    for (const message of [
      'terminating connection due to unexpected postmaster exit',
      'write failed: write unix @->/tmp/x/documentdb/postgres/.s.PGSQL.37375: write: broken pipe',
      'msg_find.go:43 (handler.(*Handler).msgFind): pool.go:90 (documentdb.(*Pool).Acquire): failed to connect to `user=postgres database=postgres`: /tmp/x/.s.PGSQL.1 (/tmp/x): dial error: dial unix: connect: no such file or directory',
      'FATAL: the database system is starting up (SQLSTATE 57P03)',
    ]) {
      assert.equal(isDatabaseUnavailable(ferret(message)), true, message);
      assert.equal(isDatabaseUnavailable(new Error('reaction failed', { cause: ferret(message) })), true, `wrapped: ${message}`);
      const bulk = new MongoBulkWriteError({ message, code: 1 }, { insertedCount: 0, matchedCount: 0, modifiedCount: 0, deletedCount: 0, upsertedCount: 0, insertedIds: {}, upsertedIds: {} } as never);
      assert.equal(isDatabaseUnavailable(bulk), true, `insertMany: ${message}`);
    }
  });

  it('when the server reports anything else, then it is a real error', () => {
    assert.equal(isDatabaseUnavailable(ferret('E11000 duplicate key error', 11000)), false);
    assert.equal(isDatabaseUnavailable(ferret('unknown operator: $foo', 2)), false);
    assert.equal(isDatabaseUnavailable(ferret('some internal failure')), false);
    assert.equal(isDatabaseUnavailable(new Error('connection refused')), false);
  });
});
