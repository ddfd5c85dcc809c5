/**
 * The API process of the benchmarks: api/server.ts as it is (configured by the environment
 * bench/lib/database.ts gives it), plus an answer to 'memory' over the IPC channel, so that the
 * benchmark reports the API's own RSS and heap rather than its own.
 */
process.on('message', (message) => {
  if (message === 'memory') process.send?.(process.memoryUsage());
});
process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
await import('../../api/server.js');
