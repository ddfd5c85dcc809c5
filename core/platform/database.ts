import mongoose, { type Connection, type Model, type Schema } from 'mongoose';

/**
 * One mongoose connection per process (or per test file's database). Options keep to what both
 * FerretDB 2 and MongoDB accept: no retryable writes, no sessions (FerretDB has no transactions).
 */
export async function connectDatabase(uri: string, dbName: string): Promise<Connection> {
  const connection = mongoose.createConnection(uri, {
    dbName,
    retryWrites: false,
    serverSelectionTimeoutMS: 5000,
    autoIndex: false,
    autoCreate: true,
  });
  await connection.asPromise();
  return connection;
}

/** A short ping for /readyz: the driver reconnects by itself, so readiness recovers without a restart. */
export async function databaseAnswers(connection: Connection, timeoutMs = 1500): Promise<boolean> {
  const db = connection.db;
  if (!db) return false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  const ping = db
    .command({ ping: 1 }, { timeoutMS: timeoutMs })
    .then(() => true)
    .catch(() => false);
  try {
    return await Promise.race([ping, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The driver's errors for "no server to talk to" (none selectable, the connection dropped, the
 * pool cleared by a failed heartbeat), looked for along the cause chain since mongoose wraps them.
 * Anything else from the database is a real error.
 */
const unavailableErrors = new Set([
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoPoolClearedError',
]);

export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (unavailableErrors.has(e.name) || unavailableErrors.has(e.constructor.name)) return true;
    if (isBackendGone(e)) return true;
  }
  return false;
}

/**
 * FerretDB answers while the PostgreSQL behind it is down, with InternalError (code 1) and
 * PostgreSQL's or the connection's own words: these are the outage too (seen when PostgreSQL is
 * killed: test/faults/process-kill.test.ts), not a bug of ours.
 */
const backendGone = /failed to connect to `|terminating connection due to|unexpected postmaster exit|server closed the connection unexpectedly|the database system is (starting up|shutting down|in recovery)|broken pipe|connection refused|connection reset by peer|unexpected EOF/i;
function isBackendGone(e: Error): boolean {
  // MongoServerError and its kinds (MongoBulkWriteError for insertMany), named: mongoose may carry its own copy of the driver.
  return /^Mongo\w*Error$/.test(e.name) && (e as Error & { code?: unknown }).code === 1 && backendGone.test(e.message);
}

/**
 * Builds every declared index explicitly and fails loudly: a failed index build is otherwise only
 * an 'error' event on the model and can crash the process later.
 */
export async function initModels(connection: Connection): Promise<void> {
  for (const model of Object.values(connection.models)) {
    await model.init();
    // With autoIndex off (so no process builds indexes behind our back), init() builds nothing:
    // the unique indexes the code relies on (ticket numbers, user names, codes) are created here.
    await createIndexesRetrying(model);
  }
}

/**
 * Processes starting together on a new database (an API and the workers) create the same indexes
 * at once, and DocumentDB can then abort one of them as a deadlock; the indexes exist once the
 * other has finished, so a retry is a no-op. An error that persists is thrown.
 */
async function createIndexesRetrying(model: Model<unknown>, attempts = 4): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await model.createIndexes();
      return;
    } catch (err) {
      if (attempt >= attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt + Math.random() * 200));
    }
  }
}

/** Registers a model on this connection once; every area defines its models through this. */
export function defineModel<T>(connection: Connection, name: string, schema: Schema<T>): Model<T> {
  return (connection.models[name] as Model<T> | undefined) ?? connection.model<T>(name, schema);
}
