/**
 * A writer process for the crash tests: runs one flow (`writer-flow.ts`) and, when told to, dies by
 * SIGKILL right after its Nth write reached the database, before it can do anything else. Prints
 * how many writes the flow made when it lives to the end.
 */
import mongoose from 'mongoose';
import { flowServices, runFlow, type FlowWorld } from './writer-flow.js';

const killAfter = Number(process.env.KILL_AFTER_WRITES ?? 0);
const writes = new Set(['insert', 'update', 'findAndModify', 'delete']);
const connection = mongoose.createConnection(process.env.MONGODB_URI!, { dbName: process.env.DB_NAME!, retryWrites: false, autoIndex: false, monitorCommands: true });
await connection.asPromise();
const services = await flowServices(connection);
let count = 0;
connection.getClient().on('commandSucceeded', (event) => {
  if (!writes.has(event.commandName)) return;
  count++;
  if (count === killAfter) process.kill(process.pid, 'SIGKILL');
});
count = 0;
const id = await runFlow(services, JSON.parse(process.env.FLOW_WORLD!) as FlowWorld, process.env.FLOW_KEY!);
process.stdout.write(JSON.stringify({ id, writes: count }));
await connection.close();
