/**
 * sched_setaffinity and the migration thread (2.6.0's set_cpus_allowed, migration_thread, move_task_away), the core's
 * own move for policies without one, and 2.6.0's sched_balance_exec on NUMA machines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ModelError } from '../src/kernel/kernel.js';
import { SCHED_FIFO, TASK_BLOCKED, type Task } from '../src/kernel/task.js';
import { ProgramBuilder } from '../src/workloads/program.js';
import { build, runFor } from './helpers.js';

interface Seen {
  /** CPUs the task ran on, in order of its switches in. */
  cpus: number[];
  /** Names of the tasks switched in, per CPU. */
  ran: string[][];
}

function watch(nCpus: number, id: number): { seen: Seen; observer: { onSwitch(cpu: number, prev: Task | null, next: Task | null): void } } {
  const seen: Seen = { cpus: [], ran: Array.from({ length: nCpus }, () => []) };
  return {
    seen,
    observer: {
      onSwitch(cpu, _prev, next) {
        if (next === null) return;
        seen.ran[cpu]!.push(next.name);
        if (next.id === id) seen.cpus.push(cpu);
      },
    },
  };
}

/** One task on CPU 0: computes, pins itself to CPU `to`, computes again, marks where it ended, exits. */
function pinRun(policy: string, machine: string, to: number) {
  const { seen, observer } = watch(machine === 'smp8' ? 8 : 4, 0);
  const { k } = build(policy, machine, null, {}, {}, 1, observer);
  const b = new ProgramBuilder('pinned');
  b.compute(1_000_000).setAffinity(to, 1).compute(1_000_000).exit();
  const t = k.spawn(k.addProgram(b.build()), { cpu: 0 });
  const end = runFor(k, 1e9);
  return { k, t, seen, end };
}

test('o1: a running task that leaves its CPU is moved by that CPU\'s migration thread', () => {
  const { k, t, seen, end } = pinRun('o1', 'smp4', 2);
  assert.ok(k.finishedAt > 0, 'the run ends: the migration thread is not a live workload task');
  assert.ok(end < 10e6, `done in ${end} ns`);
  assert.equal(t.cpu, 2);
  assert.deepEqual(seen.cpus, [0, 2], 'ran on CPU 0, then on CPU 2');
  assert.deepEqual(seen.ran[0], ['pinned', 'migration/0'], 'CPU 0 switched to its migration thread');
  assert.equal(k.affinityMoves, 1);
  assert.equal(k.migrationThreadMoves, 1);
  const kt = k.allTasks.find((x) => x.name === 'migration/0')!;
  assert.equal(kt.kthread, true);
  assert.equal(kt.policy, SCHED_FIFO);
  assert.equal(kt.rtPriority, 99);
  assert.equal(kt.state, TASK_BLOCKED, 'the thread sleeps again once its queue is empty');
  assert.equal(k.allTasks.filter((x) => x.kthread).length, 1, 'only the CPU that needed one has a thread');
});

for (const policy of ['rr', 'dss', 'mqs']) {
  test(`${policy}: without a migration thread the core moves the task at its next schedule()`, () => {
    const { k, t, seen } = pinRun(policy, 'smp4', 3);
    assert.equal(t.cpu, 3);
    assert.deepEqual(seen.cpus, [0, 3]);
    assert.equal(k.affinityMoves, 1);
    assert.equal(k.migrationThreadMoves, 0);
    assert.equal(k.allTasks.length, 1, 'no kernel thread was created');
  });
}

test('a mask that still holds the task\'s CPU moves nothing', () => {
  const { k, t, seen } = pinRun('o1', 'smp4', 0);
  assert.deepEqual(seen.cpus, [0]);
  assert.equal(k.affinityMoves, 0);
  assert.equal(t.cpu, 0);
  assert.equal(k.allTasks.length, 1);
});

test('several tasks pinned away from one CPU: each request is served, the run checks its invariants throughout', () => {
  for (const policy of ['o1', 'rr']) {
    const { k } = build(policy, 'smp4', null);
    const b = new ProgramBuilder('hop');
    const top = b.here();
    b.compute(200_000).setAffinity(1, 1).compute(200_000).setAffinity(0, 1).loop(top, 20);
    const p = k.addProgram(b.build());
    const ts = [0, 1, 2].map(() => k.spawn(p, { cpu: 0 }));
    runFor(k, 1e9);
    assert.ok(k.finishedAt > 0, `${policy}: every task finished`);
    for (const t of ts) assert.equal(t.cpu, 0, `${policy}: task ${t.id} ended pinned to CPU 0`);
    assert.ok(k.affinityMoves >= 3 * 20, `${policy}: ${k.affinityMoves} moves`);
    if (policy === 'o1') assert.equal(k.migrationThreadMoves, k.affinityMoves);
  }
});

test('setaffinity to CPUs the machine lacks is a model error naming the program', () => {
  const { k } = build('o1', 'smp4', null);
  const b = new ProgramBuilder('lost');
  b.compute(1000).setAffinity(8, 2);
  k.spawn(k.addProgram(b.build()));
  assert.throws(() => runFor(k, 1e9), (e: Error) => e instanceof ModelError && /"lost": setaffinity to CPUs 8-9/.test(e.message));
});

/** On numaq16 (4 nodes of 4 CPUs): a task on CPU 0 that execs after 100 us, with `hogs` CPU hogs pinned to CPU 0. */
function execRun(hogs: number, pparams: Record<string, number> = {}) {
  const { seen, observer } = watch(16, 0);
  const { k } = build('o1', 'numaq16', null, {}, pparams, 1, observer);
  const image = new ProgramBuilder('image');
  image.compute(1_000_000).exit();
  const ip = k.addProgram(image.build());
  const b = new ProgramBuilder('execer');
  b.compute(100_000).exec(ip);
  // the task that execs runs first on CPU 0; the hogs queue there behind it
  const t = k.spawn(k.addProgram(b.build()), { cpu: 0 });
  const hog = new ProgramBuilder('hog');
  hog.compute(50_000_000).exit();
  const hp = k.addProgram(hog.build());
  for (let i = 0; i < hogs; i++) k.spawn(hp, { cpu: 0, allowed: new Uint32Array([1]) });
  runFor(k, 1e9);
  return { k, t, seen };
}

test('o1 on NUMA: sched_balance_exec moves a task from a busy runqueue to the least loaded node\'s idlest CPU', () => {
  const { k, t, seen } = execRun(3);
  // CPU 0 runs 4 tasks at the exec: node 1 (CPUs 4-7) is the first least loaded node, CPU 4 its first idlest CPU
  assert.equal(t.cpu, 4);
  assert.equal(seen.cpus[seen.cpus.length - 1], 4);
  assert.equal(t.allowed, null, 'the mask is restored after the move');
  assert.equal(k.migrationThreadMoves, 1);
});

test('o1 on NUMA: a runqueue of at most 2 tasks keeps the exec where it is; numa=0 turns exec balancing off', () => {
  assert.equal(execRun(1).t.cpu, 0);
  assert.equal(execRun(1).k.affinityMoves, 0);
  const off = execRun(3, { numa: 0 });
  assert.equal(off.k.affinityMoves, 0);
  assert.equal(off.t.cpu, 0);
});

test('taskset: every hop is a move off the CPU; under o1 each is the migration thread\'s, with two extra switches', () => {
  const r = (policy: string) => {
    const { k, wl } = build(policy, 'smp4', 'taskset', { tasks: 2, chunk: 100_000 });
    const simNs = runFor(k, 20e6);
    return { k, hops: wl!.outcome(k, simNs, false).extra!.affinityMoves as number };
  };
  const o1 = r('o1');
  const rr = r('rr');
  for (const x of [o1, rr]) assert.ok(x.hops > 2 * 100, `${x.hops} hops in 20 ms`);
  assert.equal(o1.k.migrationThreadMoves, o1.k.affinityMoves);
  assert.equal(rr.k.migrationThreadMoves, 0);
  // o1: the hopper switches to the migration thread and the thread to what runs next, on top of the hop itself
  assert.ok(o1.k.contextSwitches / o1.k.affinityMoves > 2.5, `o1: ${o1.k.contextSwitches} switches for ${o1.k.affinityMoves} hops`);
  assert.ok(rr.k.contextSwitches / rr.k.affinityMoves < 2.5, `rr: ${rr.k.contextSwitches} switches for ${rr.k.affinityMoves} hops`);
});

test('taskset: a stride that maps a CPU onto itself is refused with the fix', () => {
  assert.throws(() => build('o1', 'smp4', 'taskset', { stride: 4 }), /parameter "stride": 4 is a multiple of the 4 CPUs.*choose 1\.\.3/);
  assert.throws(() => build('o1', 'up', 'taskset', {}), /at least 2 CPUs/);
});
