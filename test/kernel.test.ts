/**
 * Behaviour of the kernel core that policies rely on: the lock model (contention, spinning and hold times must
 * emerge from a global lock, not be written in), tickless idle, IPIs on remote wakeups, accounting of a tick that
 * arrives during a compute segment.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kernel } from '../src/kernel/kernel.js';
import type { SpinLock } from '../src/kernel/lock.js';
import type { KernelView, SchedCtx, SchedPolicy } from '../src/kernel/sched-class.js';
import type { Task } from '../src/kernel/task.js';
import { buildPreset, machineFromObject } from '../src/machine/presets.js';
import { findWorkload } from '../src/workloads/registry.js';
import { resolveParams } from '../src/experiments/params.js';
import { collectMetrics } from '../src/metrics/collect.js';
import { ProgramBuilder } from '../src/workloads/program.js';
import { build, runFor } from './helpers.js';

/** A global FIFO queue under one lock whose pick examines every queued task (a 2.4-shaped cost, not 2.4's rules). */
class GlobalScan implements SchedPolicy {
  readonly name = 'test-global';
  readonly globalQueue = true;
  readonly hz = 100;
  private lock!: SpinLock;
  private q: Task[] = [];
  attach(k: KernelView): void {
    this.k = k;
    this.lock = k.newLock('global.lock');
  }
  initTask(): void {}
  rqLock(): SpinLock {
    return this.lock;
  }
  tickLock(): SpinLock | null {
    return null;
  }
  selectCpu(t: Task): number {
    return t.cpu;
  }
  enqueue(_c: number, t: Task): void {
    this.q.push(t);
  }
  dequeue(_c: number, t: Task): void {
    const i = this.q.indexOf(t);
    if (i >= 0) this.q.splice(i, 1);
  }
  checkPreempt(cpu: number, t: Task, _w: number, _f: number, ctx: SchedCtx): number {
    ctx.inspect(1);
    return this.k.isIdle(cpu) ? cpu : this.k.findIdleCpu(t, cpu);
  }
  private k!: KernelView;
  pickNext(cpu: number, prev: Task | null, ctx: SchedCtx): Task | null {
    for (const t of this.q) ctx.examineTask(t);
    if (prev) ctx.examineTask(prev);
    const i = this.q.findIndex((t) => t.allowedOn(cpu));
    if (i < 0) return prev;
    const [t] = this.q.splice(i, 1);
    return t!;
  }
  putPrev(_c: number, prev: Task): void {
    this.q.push(prev);
  }
  tick(): boolean {
    return false;
  }
  yieldTask(): boolean {
    return true;
  }
  countQueued(): number {
    return this.q.length;
  }
}

function yieldRun(machine: string, tasks: number) {
  const k = new Kernel({ machine: buildPreset(machine)!, policy: new GlobalScan(), seed: 1, checkInvariants: true });
  const we = findWorkload('loop_yield')!;
  we.setup(k, resolveParams('w', we.params, { tasks }));
  k.run(20e6);
  k.finalize(20e6);
  return collectMetrics(k, 20e6);
}

test('a global runqueue lock: contention, spinning and per-switch cost emerge and grow with the CPU count', () => {
  const m2 = yieldRun('smp2', 4);
  const m8 = yieldRun('smp8', 16);
  const l2 = m2.locks.find((l) => l.name === 'global.lock')!;
  const l8 = m8.locks.find((l) => l.name === 'global.lock')!;
  assert.ok(l8.contention > l2.contention, `contention ${l2.contention} -> ${l8.contention}`);
  assert.ok(l8.contention > 0.5, `8 CPUs should fight for the lock: ${l8.contention}`);
  // held most of the time; the rest is the lock line in transit between CPUs (a handoff costs a line transfer)
  assert.ok(l8.utilization <= 1 && l8.utilization > 0.5, `utilisation ${l8.utilization}`);
  assert.ok(m8.utilization.spin > m2.utilization.spin && m8.utilization.spin > 0.3, `spin ${m2.utilization.spin} -> ${m8.utilization.spin}`);
  assert.ok(m8.schedNsPerSwitch > 2 * m2.schedNsPerSwitch, `per switch ${m2.schedNsPerSwitch} -> ${m8.schedNsPerSwitch}`);
  assert.ok(m8.contextSwitchesPerSec < 4 * m2.contextSwitchesPerSec, 'four times the CPUs must not give four times the switches');
  assert.ok(l8.meanWaitNs > l8.meanHoldNs, 'waiters queue behind several holders');
});

test('idle CPUs take no ticks; busy ones take HZ per second', () => {
  const { k } = build('rr', 'smp4', 'hogs', { tasks: 2 });
  runFor(k, 1e9);
  // 2 busy CPUs x 250 Hz x 1 s (+ at most one tick each for the start)
  assert.ok(k.ticks >= 498 && k.ticks <= 502, `ticks ${k.ticks}`);
  assert.equal(k.cpus[2]!.acc[4], 1e9);
});

test('a wakeup to an idle CPU pays the IPI and the idle exit', () => {
  const { k } = build('rr', 'smp2', null);
  const b = new ProgramBuilder('sleeper');
  const top = b.here();
  b.compute(100_000).sleep(1_000_000).loop(top, 50);
  k.spawn(k.addProgram(b.build()));
  runFor(k, 1e9);
  const c = k.cost;
  const floor = c.ipiNs + c.idleExitNs;
  assert.equal(k.latency.count, 51); // 50 timer wakeups and the first
  assert.ok(k.latency.quantile(0.5) >= floor, `p50 wakeup latency ${k.latency.quantile(0.5)} below IPI + idle exit ${floor}`);
  assert.ok(k.latency.max < floor + c.schedBaseNs + c.lockNs + c.ctxSwitchProcessNs + 1000, `max ${k.latency.max}`);
  assert.ok(k.ipis >= 50);
});

test('ticks during a compute segment delay it by exactly the tick cost and the user time stays exact', () => {
  const { k } = build('rr', 'up', 'hogs', { tasks: 1, chunk: 10_000_000 });
  const simNs = runFor(k, 100e6);
  const t = k.allTasks[0]!;
  const c = k.cpus[0]!;
  assert.equal(c.acc[0], t.sumExecNs);
  // every tick costs tickNs of scheduler time; the rest is the hog's
  assert.ok(Math.abs(c.acc[2]! - k.ticks * k.cost.tickNs - k.cost.ctxSwitchThreadNs - k.cost.lockNs - k.cost.schedBaseNs) < 2000, `sched ${c.acc[2]} ticks ${k.ticks}`);
  assert.equal(c.acc.reduce((s, x) => s + x, 0), simNs);
  // chunks completed: user time / chunk
  assert.equal(k.throughput, Math.floor(t.sumExecNs / 10_000_000));
});

test('regression: a compute segment preempted at a tick resumes where it was, not from the start', () => {
  const { k } = build('rr', 'up', null);
  const b = new ProgramBuilder('long');
  b.compute(50_000_000);
  const p = k.addProgram(b.build());
  k.spawn(p);
  k.spawn(p);
  runFor(k, 2e9);
  assert.ok(k.finishedAt > 100e6 && k.finishedAt < 101e6, `finished at ${k.finishedAt}`);
});

test('regression: a late wakeup meant for an earlier sleep does not cut a later sleep short', () => {
  const { k } = build('rr', 'smp4', null);
  const child = new ProgramBuilder('child');
  child.compute(10_000);
  const cp = k.addProgram(child.build());
  const parent = new ProgramBuilder('parent');
  parent.fork(cp).fork(cp).fork(cp).wait().wait().wait().mark(1).sleep(10_000_000).mark(2);
  k.spawn(k.addProgram(parent.build()));
  runFor(k, 1e9);
  const slept = k.marks[3]! - k.marks[1]!;
  assert.ok(slept >= 10_000_000, `slept ${slept} ns of 10 ms`);
});

test('regression: CPUs already woken for a queued task are not offered to the next waker', () => {
  const { k } = build('rr', 'smp4', 'hogs', { tasks: 4 });
  runFor(k, 100e6);
  for (const c of k.cpus) assert.ok(c.acc[0]! > 95e6, `CPU ${c.id} user ${c.acc[0]}`);
});

test('regression: zombies of a parent that exits without waiting are reaped', () => {
  const { k } = build('rr', 'smp2', null);
  const child = new ProgramBuilder('child');
  child.compute(10_000);
  const cp = k.addProgram(child.build());
  const parent = new ProgramBuilder('parent');
  parent.fork(cp).fork(cp).compute(10_000_000);
  k.spawn(k.addProgram(parent.build()));
  const keep = new ProgramBuilder('keep');
  keep.compute(50_000_000);
  k.spawn(k.addProgram(keep.build()));
  k.run(30e6);
  assert.equal(k.tasks.length, 1, `live tasks: ${k.tasks.map((t) => `${t.name}:${t.state}`).join(' ')}`);
});

test('a task switched back in after others filled the cache refills its working set (LRU over cacheKb)', () => {
  const chunks = (tasks: number, wsKb: number) => {
    const { k } = build('rr', 'up', null, {}, { slice: 1_000_000 });
    const b = new ProgramBuilder('w', wsKb * 1024);
    const top = b.here();
    b.compute(500_000).count(1).loop(top, -1);
    const p = k.addProgram(b.build());
    for (let i = 0; i < tasks; i++) k.spawn(p);
    runFor(k, 200e6);
    return { n: k.throughput, switches: k.contextSwitches, k };
  };
  // 2 tasks of 8 KiB fit in the 512 KiB cache together: no refill; 40 of 64 KiB do not: every switch-in refills
  const fit = chunks(2, 8);
  const thrash = chunks(40, 64);
  const c = thrash.k.cost;
  const refill = ((64 * 1024) / c.lineBytes) * c.dramNs / c.refillMlp;
  const lost = fit.n - thrash.n;
  const expected = (thrash.switches * refill) / 500_000;
  // at most one partly done chunk per task is also lost at the end of the run
  assert.ok(lost > 0.5 * expected && lost < expected + 40, `chunks lost ${lost}, expected about ${expected.toFixed(1)} from ${thrash.switches} refills`);
});

test('regression: a compute preempted and switched back in pays its refill then, not only when a new compute starts', () => {
  // 40 tasks of 64 KiB each computing 20 ms in one segment, preempted at ticks: every switch-in after the first refills
  const { k } = build('rr', 'up', null, {}, { slice: 1_000_000 });
  const b = new ProgramBuilder('w', 64 * 1024);
  b.compute(20_000_000);
  const p = k.addProgram(b.build());
  for (let i = 0; i < 40; i++) k.spawn(p);
  runFor(k, 5e9);
  const c = k.cost;
  const refill = ((64 * 1024) / c.lineBytes) * c.dramNs / c.refillMlp;
  const resumed = k.contextSwitches - 40;
  const extra = k.finishedAt - 40 * 20_000_000;
  assert.ok(resumed > 100, `switches ${k.contextSwitches}`);
  assert.ok(extra > 0.8 * resumed * refill, `finished ${k.finishedAt} ns: ${extra} ns over the work, ${resumed} resumed switch-ins of ${refill} ns refill each`);
});

test('a compute resumed on another node runs the rest at that node\'s memory speed (first touch); flat memory is uniform', () => {
  const run = (userMemory: 'first-touch' | 'flat') => {
    const m = machineFromObject({ name: 'two', sockets: 2, coresPerLlc: 1, distances: { remote: 20 }, userMemory, costs: 'x86-2023' }, 'two.yaml');
    if (Array.isArray(m)) throw new Error(m.join('; '));
    return m;
  };
  const ft = run('first-touch');
  const flat = run('flat');
  assert.equal(ft.memSlowdownMilli(0, 0), 1000);
  assert.ok(ft.memSlowdownMilli(1, 0) > 1000);
  assert.equal(flat.memSlowdownMilli(0, 0), flat.memSlowdownMilli(1, 0));
  assert.equal(flat.memSlowdownMilli(0, 0), Math.round((ft.memSlowdownMilli(0, 0) + ft.memSlowdownMilli(0, 1)) / 2));
  assert.equal(buildPreset('numaq16')!.userMemory, 'flat');
  assert.equal(buildPreset('kilo1024')!.userMemory, 'first-touch');
});

test('a loopback TCP writer is woken when a third of its buffer is free, a pipe writer on every read', () => {
  const writerSwitches = (kind: 'tcp' | 'pipe', pair: boolean) => {
    const { k } = build('rr', 'up', null);
    const a = k.addChannel(1000, kind); // room for 10 messages of 100 bytes
    const b = k.addChannel(1000, kind);
    if (pair) k.pairChannels(a, b);
    const w = new ProgramBuilder('writer');
    let top = w.here();
    w.send(0, 100).loop(top, 200);
    const r = new ProgramBuilder('reader');
    top = r.here();
    r.recv(0, 100).sleep(100_000).loop(top, 200);
    // sleeps on the other direction of the connection, where nothing ever arrives
    const idle = new ProgramBuilder('other-reader');
    idle.recv(0, 100);
    const wt = k.spawn(k.addProgram(w.build()), { fds: [a] });
    k.spawn(k.addProgram(r.build()), { fds: [a] });
    const ot = k.spawn(k.addProgram(idle.build()), { fds: [b] });
    k.run(1e9);
    return { writer: wt.nrSwitches, other: ot.nrSwitches };
  };
  const pipe = writerSwitches('pipe', false);
  const tcp = writerSwitches('tcp', false);
  // 190 messages after the first 10: a pipe writer resumes after each read; a TCP writer once the queue is down to
  // 2/3 of the buffer (tcp_wspace >= tcp_min_write_space), i.e. every 4 reads
  assert.ok(pipe.writer >= 180, `pipe writer switched in ${pipe.writer} times`);
  assert.ok(tcp.writer >= 40 && tcp.writer <= 60, `tcp writer switched in ${tcp.writer} times`);
  // the two directions of one connection share each endpoint's wait queue: the reader of the other direction is
  // woken with the writer every time and sleeps again
  const paired = writerSwitches('tcp', true);
  assert.equal(tcp.other, 1);
  assert.ok(paired.other >= paired.writer - 1, `other reader ${paired.other}, writer ${paired.writer}`);
});

test('Nagle on loopback TCP: a write waits while data is unacknowledged and leaves with the next ACK', () => {
  // writer: three 100-byte writes 1 ms apart; reader: marks the time it has all 300 bytes. A thread at the reader's
  // end replies at 0.5 ms (a reply within the ACK timeout puts the endpoint in 2.4's interactive mode, which ends
  // quick ACKs) and, if `piggyAt` > 0, sends again at that time: its segment carries the ACK
  const run = (nagle: boolean, reply: boolean, piggyAt: number) => {
    const { k } = build('rr', 'up', null);
    const a = k.addChannel(16384, 'tcp', nagle);
    const b = k.addChannel(16384, 'tcp', nagle);
    k.pairChannels(a, b);
    const w = new ProgramBuilder('writer');
    w.send(0, 100).sleep(1_000_000).send(0, 100).sleep(1_000_000).send(0, 100);
    const r = new ProgramBuilder('reader');
    r.recv(0, 300).mark(1);
    k.spawn(k.addProgram(w.build()), { fds: [a] });
    k.spawn(k.addProgram(r.build()), { fds: [a] });
    if (reply) {
      const s = new ProgramBuilder('reverse-writer');
      s.sleep(500_000).send(0, 100);
      if (piggyAt > 0) s.sleep(piggyAt - 500_000).send(0, 100);
      k.spawn(k.addProgram(s.build()), { fds: [b] });
    }
    k.run(1e9);
    return k.marks[1]!;
  };
  // without Nagle the last write arrives at once, about 2 ms in
  const plain = run(false, true, 0);
  assert.ok(plain > 2e6 && plain < 2.5e6, `without Nagle: ${plain} ns`);
  // a new connection quick-ACKs its first segments (tcp_incr_quickack), so Nagle holds nothing back
  const quick = run(true, false, 0);
  assert.ok(quick > 2e6 && quick < 2.5e6, `with Nagle, quick ACKs: ${quick} ns`);
  // interactive: the second segment gets a delayed ACK (TCP_ATO_MIN = HZ/25: the timer fires 4 jiffies after the
  // current one, at 40 ms), and the third write waits for it
  const held = run(true, true, 0);
  assert.ok(held >= 40e6 && held < 41e6, `with Nagle: ${held} ns`);
  // or for data going the other way, which carries the ACK (here at 5 ms)
  const piggy = run(true, true, 5e6);
  assert.ok(piggy >= 5e6 && piggy < 6e6, `with Nagle and reverse data: ${piggy} ns`);
});

test("2.4's prequeue: segments for a reader waiting in recv, pure ACKs included, wait for it and wake it", () => {
  // writer at endpoint A sends 5 messages 1 ms apart on a; B's reader reads them. A's other thread waits in recv on
  // b (the other direction), where no data ever comes: with 2.4's rules every ACK B sends goes to A's prequeue and
  // wakes that thread (tcp_prequeue: the first segment queued wakes sk->sleep), which finds no data and sleeps again
  const run = (nagle: boolean) => {
    const { k } = build('rr', 'up', null);
    const a = k.addChannel(16384, 'tcp', nagle);
    const b = k.addChannel(16384, 'tcp', nagle);
    k.pairChannels(a, b);
    const w = new ProgramBuilder('writer');
    const top = w.sleep(100_000).here(); // the two readers wait in recv first
    w.send(0, 100).sleep(1_000_000).loop(top, 5);
    const r = new ProgramBuilder('reader');
    const rt = r.here();
    r.recv(0, 100).loop(rt, 5);
    const idle = new ProgramBuilder('other-reader');
    idle.recv(0, 100);
    k.spawn(k.addProgram(w.build()), { fds: [a] });
    k.spawn(k.addProgram(r.build()), { fds: [a] });
    const ot = k.spawn(k.addProgram(idle.build()), { fds: [b] });
    k.run(100e6);
    return { other: ot.nrSwitches, segments: k.tcpSegments, acks: k.tcpPureAcks, prequeued: k.tcpPrequeued };
  };
  // without the rules nothing reaches A but data: the other reader runs once (to block)
  const plain = run(false);
  assert.equal(plain.other, 1);
  assert.deepEqual([plain.segments, plain.acks, plain.prequeued], [5, 0, 0]);
  // a new connection quick-ACKs each of the 5 segments: 5 wakeups besides the first run; every data segment waited
  // in B's prequeue and every ACK in A's
  const rules = run(true);
  assert.equal(rules.other, 6);
  assert.deepEqual([rules.segments, rules.acks, rules.prequeued], [5, 5, 10]);
});

test("2.4's prequeue: what reaches a reader's endpoint while it is inside recv is processed, not left in the prequeue", () => {
  // B's reader waits in recv; A's writer sends two messages back to back: the first goes to B's prequeue, the second
  // waits for its ACK (Nagle). When the reader runs, processing the first ACKs it at once (quick ACKs), which sends
  // the second; the reader owns its socket then (lock_sock), so the second is processed (backlog), not prequeued.
  // The reader takes one message and exits: nothing may be left unprocessed, and the connection has nothing in flight.
  for (const m of ['up', 'smp2']) {
    const { k } = build('rr', m, null);
    const a = k.addChannel(16384, 'tcp', true);
    const b = k.addChannel(16384, 'tcp', true);
    k.pairChannels(a, b);
    const w = new ProgramBuilder('writer');
    w.sleep(100_000).send(0, 100).send(0, 100).sleep(10_000_000);
    const r = new ProgramBuilder('reader');
    r.recv(0, 100);
    k.spawn(k.addProgram(r.build()), { fds: [a] });
    k.spawn(k.addProgram(w.build()), { fds: [a] });
    k.run(1e9);
    const ch = k.channels[a]!;
    assert.equal(ch.preCount, 0, `${m}: segments left in the prequeue`);
    assert.equal(ch.unacked, false, `${m}: a segment still unacknowledged`);
    assert.equal(k.tcpHeldWrites, 1, `${m}: the second write was held`);
  }
});

test("2.4's socket lock: a call on a socket another task owns sleeps until the owner's release_sock wakes it, one waiter at a time", () => {
  // three writers on three CPUs send on the same connection endpoint at the same moment; a fourth thread reads the
  // other endpoint (its own socket, never contended)
  const run = (sockLock: boolean) => {
    const { k } = build('rr', 'smp4', null);
    const a = k.addChannel(16384, 'tcp', false, sockLock);
    const b = k.addChannel(16384, 'tcp', false, sockLock);
    k.pairChannels(a, b);
    const w = new ProgramBuilder('writer');
    w.sleep(1_000_000).send(0, 100).mark(1); // all three wake from their timers together
    const p = k.addProgram(w.build());
    for (let cpu = 0; cpu < 3; cpu++) k.spawn(p, { fds: [a], cpu });
    const r = new ProgramBuilder('reader');
    const top = r.here();
    r.recv(0, 100).mark(2).loop(top, 3);
    k.spawn(k.addProgram(r.build()), { fds: [a], cpu: 3 });
    k.run(1e9);
    const sent: number[] = [];
    for (let i = 0; i < k.marks.length; i += 2) if (k.marks[i] === 1) sent.push(k.marks[i + 1]!);
    return { sleeps: k.sockLockSleeps, sent: sent.sort((x, y) => x - y), read: k.channels[a]!.messages, left: k.channels[a]!.bytes, call: k.cost.syscallNs + k.cost.tcpOpNs };
  };
  const plain = run(false);
  assert.equal(plain.sleeps, 0);
  assert.equal(plain.read, 3);
  assert.equal(plain.left, 0);
  // without the lock the three calls overlap: all done within one call's time
  assert.ok(plain.sent[2]! - plain.sent[0]! < plain.call, `overlapping: ${plain.sent}`);
  const locked = run(true);
  // the second and third find the socket owned; each is woken by the release of the call before it, so the three
  // calls follow one another, each at least a whole call after the one before
  assert.equal(locked.sleeps, 2);
  assert.equal(locked.read, 3);
  assert.equal(locked.left, 0);
  for (let i = 1; i < 3; i++)
    assert.ok(locked.sent[i]! - locked.sent[i - 1]! >= locked.call, `serialised: ${locked.sent}`);
});

test('machine options spinlocks: tas and wakeups: locked change how runqueue_lock is handed over and how a blocking task is woken', () => {
  const box = (spinlocks: 'fifo' | 'tas', wakeups: 'direct' | 'locked') => {
    const m = machineFromObject({ name: 'b8', sockets: 1, llcsPerNode: 8, coresPerLlc: 1, costs: 'p3-8way', spinlocks, wakeups }, 'b8.yaml');
    assert.ok(!Array.isArray(m), String(m));
    return m;
  };
  const run = (spinlocks: 'fifo' | 'tas', wakeups: 'direct' | 'locked', seed = 1) => {
    const { k } = build('dss', box(spinlocks, wakeups), 'chat', { rooms: 2, messages: 200 }, {}, seed);
    const end = runFor(k, 60e9);
    assert.ok(k.finishedAt >= 0, 'the run finishes');
    const rq = k.locks.find((l) => l.name === 'runqueue_lock')!;
    const reported = collectMetrics(k, end).locks.find((l) => l.name === 'runqueue_lock')!.captures;
    assert.equal(reported, rq.captures, 'metrics.locks[].captures reports the lock\'s count');
    return { end, switches: k.contextSwitches, captures: rq.captures, onCpu: k.onCpuWakeups, contended: rq.contended };
  };
  const base = run('fifo', 'direct');
  assert.equal(base.captures, 0, 'FIFO locks never let the releaser overtake a waiter');
  assert.ok(base.contended > 0, 'the case contends for runqueue_lock');
  // test-and-set: a CPU that releases and asks again before the next waiter's grant takes the lock back
  const tas = run('tas', 'direct');
  assert.ok(tas.captures > 0, `captures ${tas.captures}`);
  const again = run('tas', 'direct');
  assert.deepEqual(again, tas, 'the random hand-over comes from the seed: same seed, same run');
  // locked wakeups: a blocking task whose CPU reaches runqueue_lock in schedule() before its waker is switched out
  // (and woken afterwards like any other), so fewer wakeups find it still current than when they need no lock
  const locked = run('fifo', 'locked');
  assert.ok(locked.onCpu > 0 && locked.onCpu < base.onCpu, `on-CPU wakeups: locked ${locked.onCpu}, direct ${base.onCpu}`);
  assert.ok(locked.switches > base.switches, `switches: locked ${locked.switches}, direct ${base.switches}`);
  // a bad value names the field and the choices
  const bad = machineFromObject({ name: 'b', sockets: 1, coresPerLlc: 2, spinlocks: 'ticket' }, 'b.yaml');
  assert.ok(Array.isArray(bad) && bad.some((e) => e.includes('field "spinlocks"') && e.includes('"tas"')), String(bad));
});
