/**
 * The conformance suite every policy runs: invariants after every event, CPU time that adds up, no lost task or
 * wakeup, affinity respected, work conservation under overload, fork/exit/wait and timers, determinism.
 * Exemptions are listed per policy with their reason.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { POLICIES } from '../src/policies/registry.js';
import { machineFromObject } from '../src/machine/presets.js';
import type { Machine } from '../src/machine/topology.js';
import { ProgramBuilder } from '../src/workloads/program.js';
import { runExperiment } from '../src/experiments/run.js';
import { build, runFor } from './helpers.js';
import type { Kernel } from '../src/kernel/kernel.js';

/** Checks that are not run for a policy, and why. */
const EXEMPT: Record<string, Record<string, string>> = {
  rr: {},
};

const smtBox = machineFromObject(
  { name: 'smt-box', sockets: 2, llcsPerNode: 1, coresPerLlc: 2, threadsPerCore: 2, costs: 'x86-2023' },
  'test',
) as Machine;

function assertTimeAddsUp(k: Kernel, simNs: number): void {
  let user = 0;
  for (const c of k.cpus) {
    const sum = c.acc.reduce((s, x) => s + x, 0);
    assert.ok(Math.abs(sum - simNs) <= 1e-6 * simNs + 1, `CPU ${c.id}: buckets add up to ${sum}, run is ${simNs}`);
    for (const x of c.acc) assert.ok(x >= -1e-6, `CPU ${c.id}: negative bucket ${c.acc.join(',')}`);
    user += c.acc[0]!;
  }
  const taskUser = k.allTasks.reduce((s, t) => s + t.sumExecNs, 0);
  assert.ok(Math.abs(user - taskUser) <= 1e-6 * user + 1, `CPU user time ${user} != task CPU time ${taskUser}`);
}

for (const p of POLICIES) {
  const skip = (check: string): string | undefined => EXEMPT[p.name]?.[check];
  describe(`conformance: ${p.name}`, () => {
    test('finite workloads finish on several machines (no lost task or wakeup) and CPU time adds up', () => {
      const cases: [string | Machine, string, Record<string, number | string>][] = [
        ['up', 'pipe', { loops: 500 }],
        ['smp4', 'pipe', { loops: 2000, tasks: 5 }],
        [smtBox, 'pipe', { loops: 2000, threads: 1 }],
        ['up', 'hackbench', { groups: 1, loops: 5, rounds: 1 }],
        ['smp4', 'hackbench', { groups: 2, loops: 10, rounds: 1, pipe: 1 }],
        ['numaq16', 'hackbench', { groups: 2, loops: 10, rounds: 2, threads: 1, spawn: 'fork' }],
        [smtBox, 'hackbench', { groups: 1, loops: 20, rounds: 1 }],
        // loopback TCP: blocked writers (a 1 KiB buffer), the shared wait queues, Nagle's held writes and ACK timers
        ['up', 'chat', { rooms: 1, messages: 20, nice: 19, bufKb: 1 }],
        ['smp4', 'chat', { rooms: 1, messages: 10, nagle: 1, bufKb: 1 }],
        // socket locks: sleepers on an owned socket, woken one at a time by the owner's release
        ['smp8', 'chat', { rooms: 1, messages: 20, nagle: 1, sockLock: 1, bufKb: 1 }],
      ];
      for (const [m, w, params] of cases) {
        const { k } = build(p.name, m, w, params);
        const simNs = runFor(k, 20e9);
        const name = `${typeof m === 'string' ? m : m.name} ${w} ${JSON.stringify(params)}`;
        assert.ok(k.finishedAt >= 0, `${name}: did not finish (a task or wakeup was lost?)`);
        assert.equal(k.nrLive, 0, name);
        assertTimeAddsUp(k, simNs);
      }
    });

    test('open-ended workloads keep invariants and CPU time adds up', () => {
      for (const [m, w, params] of [
        ['smp2', 'loop_yield', { tasks: 4 }],
        ['smp8', 'hogs', { tasks: 12, nice: '0/5/19' }],
        ['numaq16', 'loop_yield', { tasks: 3 }],
        // sched_setaffinity: a running task moved off its CPU (migration thread or the core's move)
        ['numaq16', 'taskset', { tasks: 6, chunk: 50_000 }],
      ] as const) {
        const { k } = build(p.name, m, w, params);
        const simNs = runFor(k, 50e6);
        assertTimeAddsUp(k, simNs);
        assert.ok(k.contextSwitches > 0 || w === 'hogs');
        if (w === 'taskset') assert.ok(k.affinityMoves > 100, `taskset: ${k.affinityMoves} moves`);
      }
    });

    test('affinity is respected', { skip: skip('affinity') }, () => {
      const { k } = build(p.name, 'smp4', 'hogs', { tasks: 6, cpus: 2 });
      runFor(k, 100e6);
      for (const c of k.cpus.slice(2)) assert.equal(c.acc[0], 0, `CPU ${c.id} ran a task pinned to CPUs 0-1`);
      for (const c of k.cpus.slice(0, 2)) assert.ok(c.acc[0]! > 90e6, `CPU ${c.id} was not kept busy`);
    });

    test('overload leaves no CPU idle for long (work conservation)', { skip: skip('work-conservation') }, () => {
      const { k } = build(p.name, 'smp8', 'hogs', { tasks: 16 });
      const simNs = runFor(k, 200e6);
      const idle = k.cpus.reduce((s, c) => s + c.acc[4]!, 0) / (simNs * 8);
      assert.ok(idle < 0.01, `idle ${idle}`);
    });

    test('fork, exit, wait and timer sleeps work', () => {
      const { k } = build(p.name, 'smp4', null);
      const child = new ProgramBuilder('child');
      child.compute(200_000).sleep(1_000_000).compute(100_000);
      const cp = k.addProgram(child.build());
      const parent = new ProgramBuilder('parent');
      const top = parent.here();
      parent.fork(cp).loop(top, 10);
      const w = parent.here();
      parent.wait().loop(w, 10);
      parent.count(1);
      const pp = k.addProgram(parent.build());
      k.spawn(pp);
      k.spawn(pp, { cpu: 3 });
      const simNs = runFor(k, 1e9);
      assert.ok(k.finishedAt > 1_000_000, 'finished too early or never');
      assert.equal(k.throughput, 2, 'both parents reaped all their children');
      assert.equal(k.allTasks.length, 22);
      assert.ok(k.allTasks.filter((t) => t.parent !== null).every((t) => t.state === 4), 'every child reaped');
      assert.ok(k.allTasks.every((t) => t.state >= 3), 'every task exited');
      assertTimeAddsUp(k, simNs);
    });

    test('same spec and seed give identical results; another seed may differ', () => {
      const spec = { machine: 'smp4', sched: p.name, workload: 'hackbench', workloadParams: { groups: 1, loops: 20 }, durationNs: 30e6, seed: 5 };
      const strip = (r: ReturnType<typeof runExperiment>) => JSON.stringify({ ...r, sim: { ...r.sim, wallMs: 0, eventsPerSec: 0 } });
      assert.equal(strip(runExperiment(spec)), strip(runExperiment(spec)));
    });
  });
}
