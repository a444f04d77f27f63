/**
 * o1-2.5.2: the O(1) scheduler as announced for 2.5.2-pre6 (Ingo Molnar, LKML, 4 Jan 2002, patches A0..B), where it
 * differs from 2.6.0 (`o1`). The patch files themselves are not available; this follows the code that LKML mails of
 * January 2002 quote or diff (Davide Libenzi's diffs against 2.5.2-pre9/pre10, Ingo's replies, the 2.4.17-A0 sched.h
 * quoted by Ed Tomlinson, Rusty Russell on C1) and 2.5.2 final where A0 is not recoverable. What is reconstructed is
 * marked so; docs/policies.md lists the sources by Message-ID.
 *
 * Model (differences from o1)
 * - 64 priority levels for normal tasks: NICE_TO_PRIO(n) = 63 + n - 19 (nice -20 -> 24, 19 -> 63); realtime tasks
 *   live in one global array under a global rt_lock; a realtime wakeup reschedules every CPU (smp_send_reschedule_all)
 *   and every schedule() looks at the realtime array first.
 * - The load estimator replaces sleep_avg: per task a ring of 4 one-second slots of sleep ticks (SLEEP_HIST_SIZE 4),
 *   updated when the task leaves and rejoins a runqueue; sleep = sum x HZ / (3 x HZ + jiffies % HZ); load = HZ -
 *   sleep; penalty = MAX_BOOST x load / HZ with MAX_BOOST = MAX_PRIO / 3 = 21; prio = NICE_TO_PRIO(nice) + penalty,
 *   clamped to 0..63, left unchanged when the penalty is 0 (the source's quirk). Hogs sink to 63, where nice 19 sits:
 *   nice 19 tasks are "batch" by construction.
 * - The tick: a task whose slice runs out gets PRIO_TO_TIMESLICE(prio) and goes to the expired array (no interactivity
 *   exception, no starvation limit); otherwise it is deactivated and re-activated, which updates its estimate and
 *   puts it at the tail of its list (every tick).
 * - Timeslices: PRIO_TO_TIMESLICE from 2.5.2 final's constants, 20-150 ms [A0's values not recovered].
 * - sched_yield: 2.5.2 final's rule, the priority goes down one level (not below 63), the task is requeued in the same
 *   array [A0's TASK_YIELDED state not recovered].
 * - Balancing (2.5.2 final / B0): from schedule() when the runqueue is empty, and every REBALANCE_TICK (HZ/100, at
 *   most 100 times a second) on busy CPUs, every HZ/4 on idle ones [our reading of "idle_tick"]: pull from the
 *   longest runqueue if it is longer than ours by more than 1 + max/8, expired array first, best priority first,
 *   skipping the running task and disallowed ones, while --nr_tasks.
 * - Fork: the child runs first, the parent's slice is split [the split inferred from the pre9/pre10 context].
 * - No sleep_avg, no interactivity credit, no cache-hot test, no NUMA node balancing. HZ = 100 (2.5.2 on i386).
 */
import type { SpinLock } from '../kernel/lock.js';
import { ENQ_MIGRATE, ENQ_NEW, WF_FORK, type KernelView, type PolicyEntry, type SchedCtx, type SchedPolicy, type TunableValues } from '../kernel/sched-class.js';
import { SCHED_FIFO, SCHED_RR, type Task } from '../kernel/task.js';
import { PrioArray } from './prio-array.js';

const MAX_PRIO = 64;
const MAX_BOOST = Math.trunc(MAX_PRIO / 3);
const SLEEP_HIST_SIZE = 4;
const MAX_RT_PRIO = 100;

interface T252 {
  prio: number;
  timeSlice: number;
  sleepHist: Int32Array;
  sleepIdx: number;
  sleepTimestamp: number;
  runTimestamp: number;
  array: PrioArray | null;
  /** The runqueue whose nr_running counts this task. */
  rqCpu: number;
}

class Rq {
  readonly a = [new PrioArray(MAX_PRIO), new PrioArray(MAX_PRIO)];
  active: PrioArray;
  expired: PrioArray;
  nrRunning = 0;
  constructor(readonly lock: SpinLock) {
    this.active = this.a[0]!;
    this.expired = this.a[1]!;
  }
}

const d = (t: Task): T252 => t.sd as T252;
const isRt = (t: Task): boolean => t.policy === SCHED_FIFO || t.policy === SCHED_RR;

class O1v252 implements SchedPolicy {
  readonly name = 'o1-2.5.2';
  readonly globalQueue = true; // realtime tasks on the global array may be picked by any CPU
  readonly syncIpcWakeups = false;
  readonly hz: number;
  private readonly minSlice: number;
  private readonly maxSlice: number;
  private k!: KernelView;
  private rqs: Rq[] = [];
  private rtLock!: SpinLock;
  private readonly rt = new PrioArray(MAX_RT_PRIO);
  private waiting = 0;

  constructor(v: TunableValues) {
    this.hz = v.hz as number;
    this.minSlice = Math.max(1, Math.round(((v.minTimeslice as number) * this.hz) / 1e9));
    this.maxSlice = Math.max(this.minSlice, Math.round(((v.maxTimeslice as number) * this.hz) / 1e9));
  }

  attach(k: KernelView): void {
    this.k = k;
    this.rqs = Array.from({ length: k.nCpus }, (_, c) => new Rq(k.newLock(`rq[${c}].lock`)));
    this.rtLock = k.newLock('rt_lock');
  }

  private jiffies(now: number): number {
    return Math.floor((now * this.hz) / 1e9 + 1e-9);
  }

  private niceToPrio(n: number): number {
    return MAX_PRIO - 1 + n - 19;
  }

  /** PRIO_TO_TIMESLICE (2.5.x): longer slices for better priorities. */
  private timeslice(prio: number): number {
    const up = Math.min(prio, MAX_PRIO - 1);
    return Math.trunc(((MAX_PRIO - 1 - up) * (this.maxSlice - this.minSlice) + MAX_PRIO - 1) / MAX_PRIO) + this.minSlice;
  }

  // --------------------------------------------------------------- the estimator

  /** update_sleep_avg_deactivate: open the slots of the seconds that passed while the task ran. */
  private estDeactivate(x: T252, j: number): void {
    const seconds = Math.floor(j / this.hz) - Math.floor(x.runTimestamp / this.hz);
    if (seconds >= SLEEP_HIST_SIZE) {
      x.sleepHist.fill(0);
      x.sleepIdx = 0;
    } else
      for (let i = 0; i < seconds; i++) {
        x.sleepIdx = (x.sleepIdx + 1) % SLEEP_HIST_SIZE;
        x.sleepHist[x.sleepIdx] = 0;
      }
    x.sleepTimestamp = j;
  }

  /** update_sleep_avg_activate: book the ticks slept; returns the sleep average (0..HZ). */
  private estActivate(x: T252, j: number): number {
    const hz = this.hz;
    const ps = Math.floor(x.sleepTimestamp / hz);
    const ns = Math.floor(j / hz);
    let deltaTicks: number;
    if (ns > ps) {
      x.sleepHist[x.sleepIdx] = x.sleepHist[x.sleepIdx]! + hz - (x.sleepTimestamp % hz);
      const between = Math.min(ns - ps - 1, SLEEP_HIST_SIZE);
      for (let i = 0; i < between; i++) {
        x.sleepIdx = (x.sleepIdx + 1) % SLEEP_HIST_SIZE;
        x.sleepHist[x.sleepIdx] = hz;
      }
      x.sleepIdx = (x.sleepIdx + 1) % SLEEP_HIST_SIZE;
      x.sleepHist[x.sleepIdx] = 0;
      deltaTicks = j % hz;
    } else deltaTicks = j - x.sleepTimestamp;
    x.sleepHist[x.sleepIdx] = x.sleepHist[x.sleepIdx]! + deltaTicks;
    x.runTimestamp = j;
    let sum = 0;
    for (let i = 0; i < SLEEP_HIST_SIZE; i++) sum += x.sleepHist[i]!;
    return Math.trunc((sum * hz) / ((SLEEP_HIST_SIZE - 1) * hz + (j % hz)));
  }

  /** activate_task's priority: NICE_TO_PRIO + MAX_BOOST x load / HZ (unchanged when the penalty is 0). */
  private reprioritise(t: Task, j: number): void {
    const x = d(t);
    if (x.runTimestamp === j && x.prio >= 0) return; // "if (p->run_timestamp == jiffies) goto enqueue"
    const sleep = Math.min(this.hz, this.estActivate(x, j));
    const load = this.hz - sleep;
    const penalty = Math.trunc((MAX_BOOST * load) / this.hz);
    if (penalty) x.prio = Math.max(0, Math.min(MAX_PRIO - 1, this.niceToPrio(t.nice) + penalty));
  }

  // --------------------------------------------------------------- arrays

  private prioIndex(t: Task): number {
    return isRt(t) ? MAX_RT_PRIO - 1 - t.rtPriority : d(t).prio;
  }

  private enq(t: Task, a: PrioArray, head = false): void {
    const p = this.prioIndex(t);
    const h = a.heads[p] ?? null;
    if (head && h !== null) a.addBefore(t, h, p);
    else a.add(t, p);
    d(t).array = a;
  }

  private deq(t: Task): void {
    const x = d(t);
    x.array!.remove(t, this.prioIndex(t));
    x.array = null;
  }

  // --------------------------------------------------------------- hooks

  initTask(t: Task, parent: Task | null, ctx: SchedCtx): void {
    const j = this.jiffies(ctx.now);
    const prio = this.niceToPrio(t.nice);
    const x: T252 = { prio, timeSlice: this.timeslice(prio), sleepHist: new Int32Array(SLEEP_HIST_SIZE), sleepIdx: 0, sleepTimestamp: j, runTimestamp: j, array: null, rqCpu: -1 };
    t.sd = x;
    if (parent === null) return;
    const p = d(parent);
    x.timeSlice = (p.timeSlice + 1) >> 1;
    p.timeSlice >>= 1;
    if (p.timeSlice === 0) p.timeSlice = 1;
    x.prio = p.prio;
    ctx.resched(parent.cpu); // the child runs first
  }

  rqLock(cpu: number): SpinLock {
    return this.rqs[cpu]!.lock;
  }

  tickLock(cpu: number): SpinLock | null {
    return this.rqs[cpu]!.lock;
  }

  selectCpu(t: Task, wakerCpu: number, flags: number): number {
    if ((flags & WF_FORK) !== 0 && t.allowedOn(wakerCpu)) return wakerCpu; // fork: the parent's CPU
    return t.allowedOn(t.cpu) ? t.cpu : wakerCpu;
  }

  enqueue(cpu: number, t: Task, flags: number, ctx: SchedCtx): void {
    const rq = this.rqs[cpu]!;
    this.waiting++;
    rq.nrRunning++;
    d(t).rqCpu = cpu;
    if (isRt(t)) {
      ctx.lock(this.rtLock);
      this.enq(t, this.rt);
      return;
    }
    if ((flags & ENQ_MIGRATE) === 0 && (flags & ENQ_NEW) === 0) this.reprioritise(t, this.jiffies(ctx.now));
    // a forked child goes before its parent (child runs first)
    const parent = t.parent;
    const before = (flags & ENQ_NEW) !== 0 && parent !== null && this.k.curr(cpu) === parent && d(parent).array === rq.active && d(parent).prio === d(t).prio;
    this.enq(t, rq.active, before && rq.active.heads[d(t).prio] === parent);
  }

  dequeue(cpu: number, t: Task, _flags: number, ctx: SchedCtx): void {
    if (this.k.curr(cpu) !== t) this.waiting--;
    this.rqs[d(t).rqCpu]!.nrRunning--;
    if (d(t).array === this.rt) ctx.lock(this.rtLock);
    if (d(t).array !== null) this.deq(t);
    this.estDeactivate(d(t), this.jiffies(ctx.now));
  }

  checkPreempt(cpu: number, t: Task, _waker: number, flags: number, ctx: SchedCtx): number {
    if ((flags & WF_FORK) !== 0 && t.parent !== null) return -1;
    if (isRt(t)) {
      // smp_send_reschedule_all(): every CPU looks at the realtime array
      for (let c = 0; c < this.k.nCpus; c++) if (c !== cpu) ctx.resched(c);
      return cpu;
    }
    const cur = this.k.curr(cpu);
    if (cur === null) return cpu;
    return !isRt(cur) && d(t).prio < d(cur).prio ? cpu : -1;
  }

  balance(cpu: number, _prev: Task | null, ctx: SchedCtx): void {
    if (this.rqs[cpu]!.nrRunning === 0) this.loadBalance(cpu, true, ctx);
  }

  pickNext(cpu: number, prev: Task | null, ctx: SchedCtx): Task | null {
    if (this.rt.nrActive > 0) {
      ctx.lock(this.rtLock);
      const idx = this.rt.firstBit();
      for (let t = this.rt.heads[idx] ?? null; t !== null; t = t.qNext) {
        if (t === prev || (t.allowedOn(cpu) && this.k.curr(t.cpu) !== t)) {
          if (t !== prev) this.waiting--;
          return t;
        }
      }
    }
    const rq = this.rqs[cpu]!;
    if (rq.active.nrActive === 0) {
      const a = rq.active;
      rq.active = rq.expired;
      rq.expired = a;
    }
    if (rq.active.nrActive === 0) return null;
    const next = rq.active.heads[rq.active.firstBit()]!;
    if (next !== prev) this.waiting--;
    return next;
  }

  putPrev(): void {
    this.waiting++;
  }

  tick(cpu: number, curr: Task, ctx: SchedCtx): boolean {
    const rq = this.rqs[cpu]!;
    const x = d(curr);
    const j = this.jiffies(ctx.now);
    let r = false;
    if (isRt(curr)) {
      if (curr.policy === SCHED_RR && --x.timeSlice <= 0) {
        x.timeSlice = this.timeslice(0);
        ctx.lock(this.rtLock);
        this.deq(curr);
        this.enq(curr, this.rt);
        r = true;
      }
    } else if (x.array !== rq.active) {
      r = true;
    } else if (--x.timeSlice <= 0) {
      x.timeSlice = this.timeslice(x.prio);
      this.deq(curr);
      this.enq(curr, rq.expired);
      r = true;
    } else {
      // deactivate + activate: the estimate is refreshed and the task goes to the tail of its (new) list
      this.deq(curr);
      this.estDeactivate(x, j);
      this.reprioritise(curr, j);
      this.enq(curr, rq.active); // no need_resched: the new order counts at the next schedule()
    }
    if (j % Math.max(1, Math.trunc(this.hz / 100)) === 0) this.loadBalance(cpu, false, ctx);
    return r;
  }

  idleTick(cpu: number, ctx: SchedCtx): void {
    if (this.jiffies(ctx.now) % Math.max(1, Math.trunc(this.hz / 4)) === 0) this.loadBalance(cpu, true, ctx, true);
  }

  yieldTask(cpu: number, curr: Task): boolean {
    if (isRt(curr)) {
      this.deq(curr);
      this.enq(curr, this.rt);
      return true;
    }
    const rq = this.rqs[cpu]!;
    const x = d(curr);
    const a = x.array ?? rq.active;
    this.deq(curr);
    if (x.prio < MAX_PRIO - 1) x.prio++;
    this.enq(curr, a);
    return true;
  }

  taskDead(): void {}

  countQueued(): number {
    return this.waiting;
  }

  /** 2.5.2 final's load_balance: pull while our queue is shorter than the longest by more than 1 + max/8. */
  private loadBalance(cpu: number, idle: boolean, ctx: SchedCtx, wake = false): void {
    const n = this.k.nCpus;
    const rq = this.rqs[cpu]!;
    let busiest = -1;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const l = this.rqs[i]!.nrRunning;
      if (i !== cpu && l > max) {
        max = l;
        busiest = i;
      }
    }
    ctx.inspect(n);
    let nrTasks = max - rq.nrRunning;
    if (busiest < 0 || nrTasks <= 1 + Math.trunc(max / 8)) return;
    const src = this.rqs[busiest]!;
    ctx.lock(src.lock);
    if (src.nrRunning <= rq.nrRunning + 1) return;
    for (let pass = 0; pass < 2; pass++) {
      const a = pass === 0 ? src.expired : src.active;
      for (let idx = a.firstBit(); idx < MAX_PRIO; idx = a.firstBit(idx + 1)) {
        let t = a.heads[idx] ?? null;
        while (t !== null) {
          const nx: Task | null = t.qNext;
          ctx.examineTask(t);
          if (this.k.curr(busiest) !== t && t.allowedOn(cpu)) {
            ctx.migrate(t, cpu);
            const cur = this.k.curr(cpu);
            if (wake || (cur !== null && d(t).prio < d(cur).prio)) ctx.resched(cpu);
            if (idle || --nrTasks <= 0) return;
          }
          t = nx;
        }
      }
    }
  }
}

export const o1v252Policy: PolicyEntry = {
  name: 'o1-2.5.2',
  description: 'the O(1) scheduler as announced for 2.5.2 (Jan 2002): 4 x 1 s load estimator, 64 levels, global realtime queue [reconstructed]',
  tunables: [
    { name: 'hz', default: 100, unit: 'count', min: 1, max: 10000, meaning: 'timer ticks per second (2.5.2 on i386: 100)', kernelName: 'HZ' },
    { name: 'minTimeslice', default: 20_000_000, unit: 'ns', meaning: 'shortest slice (2.5.2 final: 20 ms)', kernelName: 'MIN_TIMESLICE' },
    { name: 'maxTimeslice', default: 150_000_000, unit: 'ns', meaning: 'longest slice (2.5.2 final: 150 ms)', kernelName: 'MAX_TIMESLICE' },
  ],
  create: (v) => new O1v252(v),
};
