/** The O(1) scheduler (2.6.0): constants for every nice level, interactivity, and its scaling against 2.4. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { O1Constants, MAX_RT_PRIO, MAX_PRIO } from '../src/policies/o1.js';
import { runExperiment } from '../src/experiments/run.js';
import { build, runFor } from './helpers.js';
import { ProgramBuilder } from '../src/workloads/program.js';

const c = new O1Constants(1000);
const NICES = [-20, -15, -10, -5, 0, 5, 10, 15, 19];

test('2.6.0 constants at HZ=1000 (reference section 5.3)', () => {
  assert.equal(c.minTimeslice, 10);
  assert.equal(c.maxTimeslice, 200);
  assert.equal(c.avgTimeslice, 102);
  assert.equal(c.maxSleepAvg, 1020);
  assert.equal(c.nsMaxSleepAvg, 1.02e9);
  assert.equal(c.starvationLimit, 1020);
  assert.equal(c.idleRebalance, 1);
  assert.equal(c.busyRebalance, 200);
  assert.equal(c.idleNodeRebalance, 5);
  assert.equal(c.busyNodeRebalance, 400);
  assert.equal(MAX_RT_PRIO, 100);
  assert.equal(MAX_PRIO, 140);
});

test('timeslice, DELTA, interactivity threshold and JUST_INTERACTIVE_SLEEP for every nice level', () => {
  assert.deepEqual(NICES.map((n) => c.timeslice(120 + n)), [200, 175, 151, 126, 102, 78, 53, 29, 10]);
  assert.deepEqual(NICES.map((n) => c.delta(n)), [-3, -1, 0, 1, 2, 3, 4, 5, 6]);
  // smallest CURRENT_BONUS with prio = clamp(static - (bonus - 5)) <= static - DELTA
  const minBonus = NICES.map((n) => {
    for (let b = 0; b <= 10; b++) {
      const prio = Math.min(139, Math.max(100, 120 + n - (b - 5)));
      if (prio <= 120 + n - c.delta(n)) return b;
    }
    return 'never';
  });
  assert.deepEqual(minBonus, [2, 4, 5, 6, 7, 8, 9, 10, 'never']);
  assert.deepEqual(NICES.map((n) => c.interactiveSleep(n) / 1e6), [305, 509, 611, 713, 815, 917, 1019, 1121, 1223]);
  // CURRENT_BONUS scale: 0 .. 10 over 0 .. 1.02 s of sleep_avg
  assert.equal(c.currentBonus(0), 0);
  assert.equal(c.currentBonus(1.02e9), 10);
  assert.equal(c.currentBonus(918e6), 9);
});

test('a task that sleeps most of the time earns the bonus; a CPU hog loses it and expires', () => {
  const { k } = build('o1', 'up', null);
  const sleeper = new ProgramBuilder('sleeper');
  let top = sleeper.here();
  sleeper.compute(100_000).sleep(20_000_000).loop(top, -1);
  const hog = new ProgramBuilder('hog');
  top = hog.here();
  hog.compute(50_000_000).loop(top, -1);
  const s = k.spawn(k.addProgram(sleeper.build()));
  const h = k.spawn(k.addProgram(hog.build()));
  runFor(k, 3e9);
  const prio = (t: typeof s) => (t.sd as { prio: number }).prio;
  assert.ok(prio(s) < 120, `sleeper prio ${prio(s)} should be boosted`);
  assert.ok(prio(h) > 120, `hog prio ${prio(h)} should be penalised`);
  // the sleeper's wakeups preempt the hog: short latency
  assert.ok(k.latency.quantile(0.5) < 20_000, `median wakeup latency ${k.latency.quantile(0.5)}`);
});

test('fork: the child runs first on the parent CPU', () => {
  const { k } = build('o1', 'smp2', null);
  const child = new ProgramBuilder('child');
  child.mark(2).exit();
  const cp = k.addProgram(child.build());
  const parent = new ProgramBuilder('parent');
  parent.fork(cp).compute(1000).mark(1).wait();
  k.spawn(k.addProgram(parent.build()));
  runFor(k, 1e9);
  assert.deepEqual([k.marks[0], k.marks[2]], [2, 1], 'the child marked before the parent');
  assert.equal(k.allTasks[1]!.lastRanCpu, k.allTasks[0]!.lastRanCpu);
});

const p3 = (n: number): Record<string, unknown> => ({ name: `p3-${n}`, sockets: 1, llcsPerNode: n, coresPerLlc: 1, costs: 'p3-8way' });
// 10 ms of simulated time, 2 ms for o1 on 1024 CPUs (1.5 million switches); 2.4 on 1024 CPUs completes a few dozen
const perSwitch = (sched: string, n: number) =>
  runExperiment({ machine: p3(n), sched, workload: 'loop_yield', workloadParams: { tasks: 2 * n }, durationNs: sched === 'o1' && n > 64 ? 2e6 : 10e6, seed: 1 }).metrics.schedNsPerSwitch;

test('scheduler time per switch stays flat under o1 from 2 to 1024 CPUs while 2.4 grows', () => {
  const o = [2, 8, 64, 1024].map((n) => perSwitch('o1', n));
  const d = [2, 8, 64, 1024].map((n) => perSwitch('dss', n));
  assert.ok(Math.max(...o) / Math.min(...o) < 1.3, `o1 per switch ${o.join(' ')}`);
  assert.ok(d[1]! > 5 * d[0]! && d[2]! > 5 * d[1]! && d[3]! > 5 * d[2]!, `dss per switch ${d.join(' ')}`);
});

test('o1 against 2.4 on the yield loops of the announcement (ratios 4.05 and 56 published)', () => {
  const rate = (m: string, s: string, t: number) => runExperiment({ machine: m, sched: s, workload: 'loop_yield', workloadParams: { tasks: t }, durationNs: 50e6, seed: 1 }).metrics.contextSwitchesPerSec;
  const r2 = rate('smp2', 'o1', 4) / rate('smp2', 'dss', 4);
  const r8 = rate('smp8', 'o1', 16) / rate('smp8', 'dss', 16);
  assert.ok(r2 > 4.05 / 2 && r2 < 4.05 * 2, `2-way ratio ${r2}`);
  assert.ok(r8 >= 20, `8-way ratio ${r8}`);
});
