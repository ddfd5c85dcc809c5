import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rollupKinds } from '../../core/analytics/department-counters.js';
import { chinaDateKey } from '../../core/clocks/index.js';
import { aCategory, aDepartment } from '../builders/builders.js';
import { useTestApp } from '../helpers/test-app.js';
import { testDatabaseUri } from '../helpers/global-setup.js';
import { flowNow, runFlow, type FlowWorld } from './writer-flow.js';

/** Runs the flow in its own process, killed after its `killAfter`th write (0: never); resolves how it ended. */
function writer(dbName: string, world: FlowWorld, key: string, killAfter: number): Promise<{ signal: NodeJS.Signals | null; out: string; err: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/faults/crashing-writer.ts'], {
    env: { ...process.env, MONGODB_URI: testDatabaseUri(), DB_NAME: dbName, FLOW_WORLD: JSON.stringify(world), FLOW_KEY: key, KILL_AFTER_WRITES: String(killAfter) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  return new Promise((resolve) => child.once('exit', (_code, signal) => resolve({ signal, out, err })));
}

describe('Faults: the writer killed between any two writes', function () {
  this.timeout(900_000);
  const t = useTestApp();
  let world: FlowWorld;

  before(async () => {
    const department = await aDepartment(t.services, { contacts: { emails: ['lights@district.test'], phone: '01062345678' } });
    const category = await aCategory(t.services, { name: '路灯' });
    world = { departmentId: department.id, departmentAncestors: department.ancestors, categoryId: category.id };
  });

  /** Every count of every roll-up the flow touches, by kind and key. */
  const rollups = async () => {
    const day = chinaDateKey(flowNow);
    const all: Record<string, number> = {};
    for (const kind of rollupKinds) {
      for (const [key, counts] of await t.services.counters.rollupTotals(kind, [day, 'all'])) {
        for (const [name, value] of Object.entries(counts)) all[`${kind}/${key}/${name}`] = value;
      }
    }
    return all;
  };
  const noticesOf = async (ticketId: string) =>
    (await t.services.outbox.notices.find({ eventId: { $regex: `^${ticketId}:` } }).lean()).map((n) => `${n.eventId.split(':')[1]} ${n.template} ${n.channel} ${n.to}`).sort();

  it('when the writer dies after each write in turn and the client retries, then every ticket, event, notice and roll-up delta exists exactly once', async () => {
    const dbName = t.connection.name;
    const whole = await writer(dbName, world, 'flow-0', 0);
    assert.equal(whole.signal, null, whole.err);
    const { id: referenceId, writes } = JSON.parse(whole.out) as { id: string; writes: number };
    assert.ok(writes >= 10, `the flow makes ${writes} writes`);
    console.log(`      writer-crash: the flow makes ${writes} writes; the writer is killed after each in turn`);
    const once = await rollups();
    const referenceNotices = (await noticesOf(referenceId)).map((n) => n.replace(/^\d+ /, ''));
    assert.ok(referenceNotices.length >= 2, JSON.stringify(referenceNotices));

    for (let k = 1; k <= writes; k++) {
      const crashed = await writer(dbName, world, `flow-${k}`, k);
      assert.equal(crashed.signal, 'SIGKILL', `killed after write ${k}: ${crashed.err}`);
      // The client never got an answer: it sends the same request again, with the same key.
      await runFlow(t.services, world, `flow-${k}`);
    }
    // What a writer killed after its last change left owed, the workers' relay finishes.
    const failures: unknown[] = [];
    await t.services.tickets.relayEffects(new Date(flowNow.getTime() + 3_600_000), (err) => failures.push(err));
    assert.deepEqual(failures, []);

    const runs = writes + 1;
    const tickets = await t.services.tickets.tickets.find({}).lean();
    assert.equal(tickets.length, runs, 'one ticket per request, whatever the crashes');
    for (let k = 0; k < runs; k++) assert.equal(tickets.filter((x) => x.idempotencyKey?.endsWith(`:flow-${k}`)).length, 1, `flow-${k}`);
    for (const ticket of tickets) {
      const id = String(ticket._id);
      assert.equal(ticket.state, 'in_handling');
      assert.deepEqual([ticket.effects, ticket.effectsDueAt], [[], null], `${id} owes nothing`);
      const events = await t.services.tickets.events.find({ ticketId: id }).sort({ version: 1 }).lean();
      assert.deepEqual(events.map((e) => `${e.version} ${e.action}`), ['1 intake', '2 dispatch', '3 accept']);
      assert.deepEqual((await noticesOf(id)).map((n) => n.replace(/^\d+ /, '')), referenceNotices, `${id}'s notices, each once`);
    }
    const total = await rollups();
    assert.deepEqual(Object.keys(total).sort(), Object.keys(once).sort());
    for (const [path, value] of Object.entries(once)) assert.equal(total[path], value * runs, `${path}: each change counted once`);
  });
});
