/** Linux 2.4 constants and rules (dss, pls, mqs), and the reproduction registry. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { niceToTicks, pre6Timeslice } from '../src/policies/dss.js';
import { ProgramBuilder } from '../src/workloads/program.js';
import { REPRODUCTIONS } from '../src/experiments/reproductions.js';
import { runReproduction } from '../src/experiments/reproduce.js';
import { build, runFor } from './helpers.js';

test('NICE_TO_TICKS equals 2.4 for every nice level at HZ=100 and HZ=1000 (reference table 1.2)', () => {
  const nices = [-20, -15, -10, -5, 0, 5, 10, 15, 19];
  assert.deepEqual(nices.map((n) => niceToTicks(n, 100)), [11, 9, 8, 7, 6, 4, 3, 2, 1]);
  assert.deepEqual(nices.map((n) => niceToTicks(n, 1000)), [81, 71, 61, 51, 41, 31, 21, 11, 3]);
});

test('2.4 counters converge to 2 x NICE_TO_TICKS - 1 for a task that never runs (recalculation recurrence)', () => {
  let c = 0;
  for (let i = 0; i < 20; i++) c = (c >> 1) + niceToTicks(0, 100);
  assert.equal(c, 11);
});

test("2.5.2-pre6's time slices (ts_table, HZ=100): nice 19 one tick, nice 0 four, nice -20 seven", () => {
  const nices = [-20, -15, -10, -5, 0, 5, 10, 15, 19];
  assert.deepEqual(nices.map((n) => pre6Timeslice(n, 100)), [7, 6, 6, 5, 4, 3, 2, 1, 1]);
});

test('dss version=2.5.2-pre6: sleepers earn dyn_prio per missed recalculation (capped), hogs spend it, a yield raises it', () => {
  const { k } = build('dss', 'up', null, {}, { version: '2.5.2-pre6' });
  const hog = new ProgramBuilder('hog');
  hog.compute(10_000_000_000);
  const hp = k.addProgram(hog.build());
  const sl = new ProgramBuilder('sleeper');
  const top = sl.here();
  sl.sleep(100_000_000).compute(100_000).loop(top, -1);
  const sp = k.addProgram(sl.build());
  k.spawn(hp);
  k.spawn(hp);
  k.spawn(sp);
  runFor(k, 2e9);
  const pol = k.policy as unknown as { recalculations: number };
  const sd = (name: string) => k.allTasks.filter((t) => t.name === name).map((t) => t.sd as { dynPrio: number; counter: number });
  assert.ok(pol.recalculations >= 20, `recalculations ${pol.recalculations}`);
  for (const x of sd('hog')) assert.equal(x.dynPrio, 0);
  const s0 = sd('sleeper')[0]!;
  assert.ok(s0.dynPrio > 1 && s0.dynPrio <= 40, `sleeper dyn_prio ${s0.dynPrio}`);
  const y = build('dss', 'up', 'loop_yield', { tasks: 2 }, { version: '2.5.2-pre6' });
  runFor(y.k, 20e6);
  for (const t of y.k.allTasks) assert.ok((t.sd as { dynPrio: number }).dynPrio > 40, `a yielder's dyn_prio is not capped: ${(t.sd as { dynPrio: number }).dynPrio}`);
});

test('dss: fork splits the counter, a reaped child gives it back, and runqueue_lock serialises 8 CPUs', () => {
  const { k } = build('dss', 'smp8', 'loop_yield', { tasks: 16 });
  runFor(k, 50e6);
  const rl = k.locks.find((l) => l.name === 'runqueue_lock')!;
  assert.ok(rl.contended / rl.acquisitions > 0.8, `contention ${rl.contended / rl.acquisitions}`);
  const { k: k2 } = build('dss', 'smp2', 'loop_yield', { tasks: 4 });
  runFor(k2, 50e6);
  const rate = (x: typeof k) => x.contextSwitches / 0.05;
  assert.ok(rate(k) < rate(k2), `2.4 must lose throughput from 2 to 8 CPUs: ${rate(k2)} -> ${rate(k)}`);
});

test('mqs scales where dss collapses on the 8-way yield loop', () => {
  const { k: d } = build('dss', 'smp8', 'loop_yield', { tasks: 16 });
  const { k: m } = build('mqs', 'smp8', 'loop_yield', { tasks: 16 });
  runFor(d, 50e6);
  runFor(m, 50e6);
  assert.ok(m.contextSwitches > 3 * d.contextSwitches, `mqs ${m.contextSwitches} vs dss ${d.contextSwitches}`);
});

test('pls takes 2.4 decisions but examines fewer tasks', () => {
  const a = build('dss', 'smp4', 'hackbench', { groups: 2, loops: 10, rounds: 1 });
  const b = build('pls', 'smp4', 'hackbench', { groups: 2, loops: 10, rounds: 1 });
  runFor(a.k, 10e9);
  runFor(b.k, 10e9);
  assert.ok(b.k.examined < a.k.examined, `examined: pls ${b.k.examined}, dss ${a.k.examined}`);
});

test('pmqs with one pool spanning the machine and no balancer is mqs: the same run, event for event (spill between, last, never)', () => {
  // every switch, wakeup and migration with its time, CPUs and task, then the totals
  const run = (policy: string, pp: Record<string, string | number>) => {
    const trace: string[] = [];
    const { k } = build(policy, 'numaq16', 'chat', { rooms: 1, messages: 20 }, pp, 1, {
      onSwitch: (cpu, prev, next, t) => trace.push(`s ${t} ${cpu} ${prev?.id ?? -1} ${next?.id ?? -1}`),
      onWakeup: (task, target, waker, t) => trace.push(`w ${t} ${task.id} ${target} ${waker}`),
      onMigrate: (task, from, to, t) => trace.push(`m ${t} ${task.id} ${from} ${to}`),
    });
    runFor(k, 20e9);
    assert.ok(k.finishedAt >= 0, `${policy} ${JSON.stringify(pp)}: did not finish`);
    assert.ok(trace.length > 1000, `${trace.length} events traced`);
    return trace.join('\n') + `\n${[k.finishedAt, k.contextSwitches, ...k.migrations, k.wakeups, k.tasksExamined].join(' ')}`;
  };
  const mqs = run('mqs', {});
  for (const spill of ['between', 'last', 'never']) assert.ok(run('pmqs', { poolsize: 16, lb: 'lboff', spill }) === mqs, `spill=${spill}: the runs differ`);
  // pools of 4 do change the run (the bounded searches are not a no-op)
  assert.ok(run('pmqs', { poolsize: 4, lb: 'lboff' }) !== mqs, 'pools of 4 made the same run');
});

test('the reproduction registry has the seven reproductions and every row names a defined baseline', () => {
  assert.deepEqual(REPRODUCTIONS.map((r) => r.name), ['dss-yield', 'volano-mq', 'yamamura-lock', 'pmqs-chat', 'pmqs-mkbench', 'o1-announcement', 'o1-kravetz-chat']);
  for (const r of REPRODUCTIONS) {
    const seen = new Set<string>();
    for (const row of r.rows) {
      if (row.baseline !== undefined) assert.ok(seen.has(row.baseline), `${r.name}: ${row.label} -> ${row.baseline}`);
      seen.add(row.label);
    }
    for (const spec of Object.values(r.runs)) assert.ok(spec.durationNs > 0);
  }
});

test('dss-yield runs to a side-by-side table and its finding holds', () => {
  const res = runReproduction(REPRODUCTIONS[0]!);
  assert.equal(res.rows.length, 2);
  assert.ok(res.rows[1]!.agreement! > 0.5 && res.rows[1]!.agreement! < 2, `agreement ${res.rows[1]!.agreement}`);
  assert.ok(res.checks.every((c) => c.holds));
});

test('a reproduction over several seeds: each row the mean of its per-seed values, each finding checked per seed', () => {
  // pmqs-mkbench: short runs whose compile times are drawn from the seed
  const mk = REPRODUCTIONS.find((r) => r.name === 'pmqs-mkbench')!;
  const one = runReproduction(mk);
  const three = runReproduction(mk, undefined, 3);
  assert.equal(three.seeds, 3);
  // the first seed is the reproduction's own, so its figure lies within the three seeds' range
  for (const [i, row] of three.rows.entries()) {
    assert.ok(row.simulatedMin! <= row.simulated && row.simulated <= row.simulatedMax!, `${row.label}: ${row.simulatedMin} ${row.simulated} ${row.simulatedMax}`);
    assert.ok(row.simulatedMin! <= one.rows[i]!.simulated && one.rows[i]!.simulated <= row.simulatedMax!);
    assert.equal(one.rows[i]!.simulatedMin, null);
  }
  assert.ok(three.rows.some((row) => row.simulatedMax! > row.simulatedMin!), 'the seeds gave identical figures');
  for (const c of three.checks) assert.equal(c.holds, c.holdsOn === 3);
  assert.throws(() => runReproduction(REPRODUCTIONS[0]!, undefined, 0), /seeds must be a whole number/);
});

test("chat's jitter draws user work from the seed: fixed programs without it, seed-dependent runs with it; --jitter touches chat runs only", async () => {
  const { runExperiment } = await import('../src/experiments/run.js');
  const { withJitter } = await import('../src/experiments/reproduce.js');
  const run = (jitter: number, seed: number) =>
    runExperiment({ machine: 'smp4', sched: 'mqs', workload: 'chat', workloadParams: { rooms: 1, messages: 20, jitter }, durationNs: 5e9, seed });
  const fixed = [1, 2].map((s) => run(0, s));
  assert.equal(fixed[0]!.sim.simulatedNs, fixed[1]!.sim.simulatedNs, 'jitter 0: the seed changes nothing');
  const jit = [1, 2].map((s) => run(20, s));
  assert.notEqual(jit[0]!.sim.simulatedNs, jit[1]!.sim.simulatedNs, 'jitter 20: seeds differ');
  // every run finishes with every message sent and received
  for (const r of [...fixed, ...jit]) {
    assert.equal(r.workload.extra.finished, 1);
    assert.equal(r.workload.extra.messages, r.workload.extra.messagesTotal);
  }
  const chat = { machine: 'smp2', sched: 'dss', workload: 'chat', workloadParams: { rooms: 1 }, durationNs: 1e9, seed: 1 };
  const yieldSpec = { machine: 'smp2', sched: 'dss', workload: 'loop_yield', workloadParams: { tasks: 4 }, durationNs: 1e9, seed: 1 };
  assert.deepEqual(withJitter(chat, 10).workloadParams, { rooms: 1, jitter: 10 });
  assert.equal(withJitter(chat, 0), chat);
  assert.equal(withJitter(yieldSpec, 10), yieldSpec);
  assert.throws(() => runReproduction(REPRODUCTIONS[0]!, undefined, 1, 101), /jitter must be a percentage/);
});

test("chat follows chat 1.0.1: every message sent and received is counted, both layouts finish with the source's totals", async () => {
  const { runExperiment } = await import('../src/experiments/run.js');
  const run = (layout: string) =>
    runExperiment({ machine: 'smp2', sched: 'dss', workload: 'chat', workloadParams: { rooms: 1, messages: 10, layout }, durationNs: 5e9, seed: 1 });
  const src = run('source');
  const q = run('queues');
  // 20 users x 10 messages sent, 20 x 19 x 10 received (chat_c's "Total messages"); queues counts received only
  assert.equal(src.workload.extra!.messages, 20 * 10 + 20 * 19 * 10);
  assert.equal(src.workload.extra!.finished, 1);
  assert.equal(q.workload.extra!.messages, 20 * 19 * 10);
  assert.equal(q.workload.extra!.finished, 1);
});

test("2.4's scan: task structures fit a CPU's cache up to cacheKb / 8; a longer runqueue misses on every pass; colours lift the limit", () => {
  // up: p3-2way costs, 512 KB L2 in 4-way sets: 64 task structures. Every sched_yield scans the whole runqueue.
  const missRatio = (tasks: number, colours: number) => {
    const { k } = build('dss', 'up', 'loop_yield', { tasks }, { colours });
    runFor(k, 20e6);
    assert.ok(k.tasksExamined > 10 * tasks, `${k.tasksExamined} examinations`);
    return 1 - k.taskHits / k.tasksExamined;
  };
  const short = missRatio(32, 1);
  const long = missRatio(200, 1);
  const coloured = missRatio(200, 32);
  assert.ok(short < 0.05, `32 tasks fit: ${short}`);
  assert.ok(long > 0.95, `200 tasks do not (cyclic walk through LRU sets): ${long}`);
  assert.ok(coloured < 0.05, `32 colours: ${coloured}`);
});

test("the non-default readings of PMQS, 2.4's colours and 2.5.2-pre6's rules still finish finite workloads with no lost task", () => {
  const variants: [string, Record<string, string | number>][] = [
    ['pmqs', { poolsize: 4, lb: 'lboff', spill: 'last' }],
    ['pmqs', { poolsize: 4, lb: 'lboff', spill: 'first' }],
    ['pmqs', { poolsize: 4, lb: 'lbc', spill: 'never' }],
    ['pmqs', { poolsize: 8, lb: 'ip', wakerPool: 1 }],
    ['dss', { colours: 32 }],
    ['dss', { version: '2.5.2-pre6' }],
    ['pls', { version: '2.5.2-pre6' }],
  ];
  for (const [policy, pp] of variants) {
    const { k } = build(policy, 'numaq16', 'hackbench', { groups: 2, loops: 10, rounds: 2, threads: 1, spawn: 'fork' }, pp);
    runFor(k, 20e9);
    const name = `${policy} ${JSON.stringify(pp)}`;
    assert.ok(k.finishedAt >= 0, `${name}: did not finish`);
    assert.equal(k.nrLive, 0, name);
  }
  // 2.5.2-pre6 over loopback TCP with blocked writers and with yields
  for (const [m, w, params] of [['smp4', 'chat', { rooms: 1, messages: 20, nice: 19, bufKb: 1 }], ['up', 'lat_proc', { mode: 'shell', loops: 20 }]] as const) {
    const { k } = build('dss', m, w, params, { version: '2.5.2-pre6' });
    runFor(k, 20e9);
    assert.ok(k.finishedAt >= 0, `dss 2.5.2-pre6 ${m} ${w}: did not finish`);
    assert.equal(k.nrLive, 0);
  }
});
