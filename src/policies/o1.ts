/**
 * o1: Ingo Molnar's O(1) scheduler as shipped in Linux 2.6.0, kernel/sched.c (schedule(), scheduler_tick(),
 * try_to_wake_up(), activate_task(), recalc_task_prio(), effective_prio(), sys_sched_yield(), wake_up_forked_process(),
 * sched_exit(), load_balance(), find_busiest_queue(), rebalance_tick(), find_busiest_node()/balance_node(),
 * set_cpus_allowed(), move_task_away(), migration_thread(), sched_best_cpu(), sched_migrate_task(),
 * sched_balance_exec()), fs/exec.c do_execve() (sched_balance_exec first) and kernel/fork.c copy_process() for the
 * timeslice split; shared/reference/historic-schedulers.md section 5.
 *
 * Model
 * - Per-CPU runqueue and lock; two prio_arrays (active, expired) of 140 FIFO lists with a bitmap; the pick is the head
 *   of the list of the first set bit (sched_find_first_bit). The running task stays in its array.
 * - Priorities: RT prio = 99 - rt_priority; normal static_prio = 120 + nice, dynamic prio = static_prio -
 *   (CURRENT_BONUS - 5) clamped to 100..139; CURRENT_BONUS = jiffies(sleep_avg) x 10 / 1020.
 * - Timeslice by static priority: 10 + 190 x (139 - static_prio) / 39 ticks (HZ = 1000: ms).
 * - sleep_avg (ns) rises with sleep (recalc_task_prio at activation, with the long-sleep "just interactive" rule,
 *   credit limits and the uninterruptible cap) and falls with run time at every schedule(); interactive_credit.
 * - Woken tasks waiting on the runqueue get their wait credited when picked (activated 2: interrupt wakeup, fully;
 *   1: x 38/128).
 * - scheduler_tick: RR slices; a normal task whose slice runs out is requeued, in the expired array unless it is
 *   interactive and the runqueue is not starving (EXPIRED_STARVING); interactive tasks are round-robined every
 *   TIMESLICE_GRANULARITY (x num_online_cpus() on SMP: the quirk that it never fires on 8+ CPUs for nice 0).
 * - Wakeup: the task's own runqueue (a sync wakeup pulls it to the waker's CPU if allowed); activate_task with
 *   sleep_avg recalculation unless it is a sync wakeup on this CPU; preempt if its prio beats current's.
 * - fork: the parent's slice is split; parent and child sleep_avg scaled (100%, 95%); the child joins the parent's
 *   list just before the parent at the parent's prio on the parent's CPU, and the parent reschedules: the child runs
 *   first. sched_exit gives an unused first slice back and averages sleep_avg.
 * - sched_yield: a normal task moves to the expired array; RT to the tail of its list; schedule() follows.
 * - Balancing: schedule() on an empty runqueue runs load_balance(idle) over this node's CPUs; rebalance_tick on every
 *   tick: idle CPUs every tick (IDLE_REBALANCE_TICK), busy every 200 (BUSY_REBALANCE_TICK); with NUMA, balance_node
 *   every 5 / 400 ticks. All CPUs balance on the same jiffies. find_busiest_queue: lockless, the smaller of current and
 *   remembered load for others (prev_cpu_load per runqueue), the larger for itself, busiest needs >= 2 and (busy) a
 *   25% imbalance; load_balance: half the imbalance, expired array first, from the highest priority, from the list
 *   tail, skipping running, disallowed and (busy only) cache-hot tasks (cache_decay_ticks); idle pulls one task;
 *   the literal `!idle && --imbalance` quirk keeps a busy CPU pulling when imbalance/2 was 0.
 * - Idle CPUs tick (2.6.0 is not tickless): that is how idle CPUs pull work.
 * - set_cpus_allowed() (sched_setaffinity) and the per-CPU migration thread (migration_thread, move_task_away): the
 *   core carries them out for policies declaring `migrationThread` (docs/design.md); sched_balance_exec() with
 *   sched_best_cpu() on NUMA machines (balanceExec below).
 *
 * i386 details kept: jiffies start at INITIAL_JIFFIES (-300 x HZ, 32 bits), so the balancing phases are 2.6.0's;
 * sched_clock() counts whole jiffies on CONFIG_NUMA machines; recalc_task_prio's sleep_time product and the
 * granularity subtraction are 32-bit unsigned. Loopback TCP wakeups come from the network softirq (activated = 2).
 *
 * Not modelled (docs/policies.md): uninterruptible sleep (every sleep is interruptible here, activated -1 never
 * happens, including set_cpus_allowed's wait_for_completion: a few microseconds); kernel preemption. Lock costs:
 * double_lock_balance takes the busiest runqueue's lock as a nested lock (waiting without queueing).
 */
import type { SpinLock } from '../kernel/lock.js';
import { ENQ_MIGRATE, ENQ_NEW, WF_SYNC, WF_IRQ, type KernelView, type PolicyEntry, type SchedCtx, type SchedPolicy, type TunableValues } from '../kernel/sched-class.js';
import { SCHED_FIFO, SCHED_RR, type Task } from '../kernel/task.js';
import { PrioArray } from './prio-array.js';

export const MAX_RT_PRIO = 100;
export const MAX_PRIO = 140;
const MAX_USER_PRIO = 40;
const MAX_BONUS = 10; // MAX_USER_PRIO * PRIO_BONUS_RATIO(25) / 100
const INTERACTIVE_DELTA = 2;
const ON_RUNQUEUE_WEIGHT = 30;
const CHILD_PENALTY = 95;
const PARENT_PENALTY = 100;
const EXIT_WEIGHT = 3;
const CREDIT_LIMIT = 100;
const NODE_THRESHOLD = 125;

/** The 2.6.0 constants that depend on HZ. */
export class O1Constants {
  readonly minTimeslice: number;
  readonly maxTimeslice: number;
  readonly avgTimeslice: number;
  readonly maxSleepAvg: number;
  readonly nsMaxSleepAvg: number;
  readonly starvationLimit: number;
  readonly granularity: number;
  readonly idleRebalance: number;
  readonly busyRebalance: number;
  readonly idleNodeRebalance: number;
  readonly busyNodeRebalance: number;
  readonly nsPerJiffy: number;

  constructor(readonly hz: number) {
    this.nsPerJiffy = 1e9 / hz;
    this.minTimeslice = Math.max(Math.trunc((10 * hz) / 1000), 1);
    this.maxTimeslice = Math.trunc((200 * hz) / 1000);
    this.avgTimeslice = this.minTimeslice + Math.trunc(((this.maxTimeslice - this.minTimeslice) * (MAX_PRIO - 1 - 120)) / (MAX_USER_PRIO - 1));
    this.maxSleepAvg = this.avgTimeslice * MAX_BONUS;
    this.nsMaxSleepAvg = this.maxSleepAvg * this.nsPerJiffy;
    this.starvationLimit = this.maxSleepAvg;
    this.granularity = Math.max(Math.trunc((10 * hz) / 1000), 1);
    this.idleRebalance = Math.max(Math.trunc(hz / 1000), 1);
    this.busyRebalance = Math.max(Math.trunc(hz / 5), 1);
    this.idleNodeRebalance = this.idleRebalance * 5;
    this.busyNodeRebalance = this.busyRebalance * 2;
  }

  /** task_timeslice(): BASE_TIMESLICE by static priority, in ticks. */
  timeslice(staticPrio: number): number {
    return this.minTimeslice + Math.trunc(((this.maxTimeslice - this.minTimeslice) * (MAX_PRIO - 1 - staticPrio)) / (MAX_USER_PRIO - 1));
  }

  nsToJiffies(ns: number): number {
    return Math.floor(ns / this.nsPerJiffy);
  }

  currentBonus(sleepAvgNs: number): number {
    return Math.trunc((this.nsToJiffies(sleepAvgNs) * MAX_BONUS) / this.maxSleepAvg);
  }

  /** DELTA(p) = nice x MAX_BONUS / 40 (C division) + INTERACTIVE_DELTA. */
  delta(nice: number): number {
    return Math.trunc((nice * MAX_BONUS) / 40) + INTERACTIVE_DELTA;
  }

  /** INTERACTIVE_SLEEP(p) in ns. */
  interactiveSleep(nice: number): number {
    return (Math.trunc((this.maxSleepAvg * (MAX_BONUS / 2 + this.delta(nice) + 1)) / MAX_BONUS) - 1) * this.nsPerJiffy;
  }
}

interface O1Task {
  prio: number;
  staticPrio: number;
  sleepAvg: number;
  credit: number;
  timestamp: number;
  activated: number;
  array: PrioArray | null;
  timeSlice: number;
  firstTimeSlice: boolean;
}

class Rq {
  readonly arrays = [new PrioArray(MAX_PRIO), new PrioArray(MAX_PRIO)];
  active: PrioArray;
  expired: PrioArray;
  nrRunning = 0;
  expiredTimestamp = 0;
  /** prev_cpu_load[NR_CPUS]: this runqueue's memory of every runqueue's length. */
  readonly prevCpuLoad: Int32Array;
  readonly prevNodeLoad: Float64Array;
  constructor(
    readonly lock: SpinLock,
    nCpus: number,
    nNodes: number,
  ) {
    this.active = this.arrays[0]!;
    this.expired = this.arrays[1]!;
    this.prevCpuLoad = new Int32Array(nCpus);
    this.prevNodeLoad = new Float64Array(nNodes);
  }
}

const d = (t: Task): O1Task => t.sd as O1Task;
const isRt = (t: Task): boolean => t.policy === SCHED_FIFO || t.policy === SCHED_RR;

class O1 implements SchedPolicy {
  readonly name = 'o1';
  readonly syncIpcWakeups = false;
  readonly globalQueue = false;
  /** set_cpus_allowed() goes through the per-CPU migration thread (migration_thread, move_task_away). */
  readonly migrationThread = true;
  readonly hz: number;
  readonly c: O1Constants;
  private readonly cacheDecayTicks: number;
  private readonly numa: boolean;
  private k!: KernelView;
  private rqs: Rq[] = [];
  private nodeNrRunning!: Int32Array;
  private waiting = 0;
  /** Per CPU: the CPUs its load_balance looks at (its node with NUMA, else all). */
  private spanFirst!: Int32Array;
  private spanEnd!: Int32Array;
  /** sched_clock() counts whole jiffies (i386, CONFIG_NUMA, more than one node). */
  private tickClock = false;

  constructor(v: TunableValues) {
    this.hz = v.hz as number;
    this.c = new O1Constants(this.hz);
    this.cacheDecayTicks = v.cacheDecayTicks as number;
    this.numa = (v.numa as number) === 1;
  }

  attach(k: KernelView): void {
    this.k = k;
    const nn = k.machine.nNodes;
    this.rqs = Array.from({ length: k.nCpus }, (_, cpu) => new Rq(k.newLock(`rq[${cpu}].lock`), k.nCpus, nn));
    this.nodeNrRunning = new Int32Array(nn);
    this.tickClock = this.numa && nn > 1;
    const m = k.machine;
    this.spanFirst = new Int32Array(k.nCpus);
    this.spanEnd = new Int32Array(k.nCpus).fill(k.nCpus);
    if (this.numa && nn > 1)
      for (let c = 0; c < k.nCpus; c++) {
        const node = m.cpuNode[c]!;
        this.spanFirst[c] = m.nodeFirstCpu[node]!;
        this.spanEnd[c] = m.nodeFirstCpu[node]! + m.nodeCpuCount[node]!;
      }
  }

  /** jiffies: starts at INITIAL_JIFFIES = (unsigned int)(-300 * HZ), 32 bits, so balancing phases match 2.6.0's. */
  private jiffies(now: number): number {
    return (Math.floor(now / this.c.nsPerJiffy + 1e-9) + 4294967296 - 300 * this.hz) % 4294967296;
  }

  /**
   * sched_clock(): on i386 with CONFIG_NUMA it is jiffies x (1e9 / HZ) (arch/i386/kernel/timers/timer_tsc.c): whole
   * ticks, so sub-tick run and sleep times round to 0. Without NUMA it reads the TSC (exact ns).
   */
  private clock(now: number): number {
    return this.tickClock ? Math.floor(now / this.c.nsPerJiffy + 1e-9) * this.c.nsPerJiffy : now;
  }

  // ------------------------------------------------------------------ priorities

  effectivePrio(t: Task): number {
    const x = d(t);
    if (isRt(t)) return x.prio;
    const bonus = this.c.currentBonus(x.sleepAvg) - MAX_BONUS / 2;
    let prio = x.staticPrio - bonus;
    if (prio < MAX_RT_PRIO) prio = MAX_RT_PRIO;
    if (prio > MAX_PRIO - 1) prio = MAX_PRIO - 1;
    return prio;
  }

  private taskInteractive(t: Task): boolean {
    const x = d(t);
    return x.prio <= x.staticPrio - this.c.delta(t.nice);
  }

  private highCredit(x: O1Task): boolean {
    return x.credit > CREDIT_LIMIT;
  }

  private lowCredit(x: O1Task): boolean {
    return x.credit < -CREDIT_LIMIT;
  }

  /** recalc_task_prio(p, now) */
  private recalcTaskPrio(t: Task, now: number): void {
    const x = d(t);
    const c = this.c;
    const sleep0 = now - x.timestamp;
    let sleep = sleep0 > c.nsMaxSleepAvg ? c.nsMaxSleepAvg : sleep0;
    if (sleep > 0) {
      if (t.mm !== 0 && x.activated !== -1 && sleep > c.interactiveSleep(t.nice)) {
        x.sleepAvg = (c.maxSleepAvg - c.avgTimeslice) * c.nsPerJiffy;
        if (!this.highCredit(x)) x.credit++;
      } else {
        // unsigned long (32 bits on i386): the product can wrap for long sleeps at low bonus, as in 2.6.0
        sleep = (sleep * (MAX_BONUS - c.currentBonus(x.sleepAvg) || 1)) % 4294967296;
        const slice = c.timeslice(x.staticPrio) * c.nsPerJiffy;
        if (this.lowCredit(x) && sleep > slice) sleep = slice;
        if (x.activated === -1 && !this.highCredit(x) && t.mm !== 0) {
          const is = c.interactiveSleep(t.nice);
          if (x.sleepAvg >= is) sleep = 0;
          else if (x.sleepAvg + sleep >= is) {
            x.sleepAvg = is;
            sleep = 0;
          }
        }
        x.sleepAvg = (x.sleepAvg + sleep) % 4294967296;
        if (x.sleepAvg > c.nsMaxSleepAvg) {
          x.sleepAvg = c.nsMaxSleepAvg;
          if (!this.highCredit(x)) x.credit++;
        }
      }
    }
    x.prio = this.effectivePrio(t);
  }

  // ------------------------------------------------------------------ arrays

  private enqueueTask(t: Task, a: PrioArray): void {
    const x = d(t);
    a.add(t, x.prio);
    x.array = a;
  }

  /** Inserts t just before `before` in before's list (list_add_tail(&p->run_list, &current->run_list)). */
  private enqueueBefore(t: Task, before: Task, a: PrioArray): void {
    const x = d(t);
    a.addBefore(t, before, x.prio);
    x.array = a;
  }

  private dequeueTask(t: Task, a: PrioArray): void {
    const x = d(t);
    a.remove(t, x.prio);
    x.array = null;
  }

  private nrRunningInc(cpu: number): void {
    this.rqs[cpu]!.nrRunning++;
    this.nodeNrRunning[this.k.machine.cpuNode[cpu]!]!++;
  }

  private nrRunningDec(cpu: number): void {
    this.rqs[cpu]!.nrRunning--;
    this.nodeNrRunning[this.k.machine.cpuNode[cpu]!]!--;
  }

  // ------------------------------------------------------------------ hooks

  initTask(t: Task, parent: Task | null, ctx: SchedCtx): void {
    const c = this.c;
    const staticPrio = 120 + t.nice;
    const x: O1Task = {
      prio: isRt(t) ? MAX_RT_PRIO - 1 - t.rtPriority : staticPrio,
      staticPrio,
      sleepAvg: 0,
      credit: 0,
      timestamp: this.clock(ctx.now),
      activated: 0,
      array: null,
      timeSlice: c.timeslice(staticPrio),
      firstTimeSlice: true,
    };
    t.sd = x;
    if (parent === null) return;
    const p = d(parent);
    // copy_process: share the timeslice
    x.timeSlice = (p.timeSlice + 1) >> 1;
    p.timeSlice >>= 1;
    if (p.timeSlice === 0) {
      p.timeSlice = 1;
      if (this.expireTick(parent.cpu, parent, ctx)) ctx.resched(parent.cpu);
    }
    // wake_up_forked_process: scale both sleep averages
    p.sleepAvg = Math.trunc((Math.trunc((c.currentBonus(p.sleepAvg) * PARENT_PENALTY) / 100) * c.maxSleepAvg) / MAX_BONUS) * c.nsPerJiffy;
    x.sleepAvg = Math.trunc((Math.trunc((c.currentBonus(p.sleepAvg) * CHILD_PENALTY) / 100) * c.maxSleepAvg) / MAX_BONUS) * c.nsPerJiffy;
    x.credit = 0;
    x.prio = isRt(t) ? x.prio : this.effectivePrio(t);
    // do_fork: set_need_resched() on the parent: the child runs first
    ctx.resched(parent.cpu);
  }

  rqLock(cpu: number): SpinLock {
    return this.rqs[cpu]!.lock;
  }

  tickLock(cpu: number): SpinLock | null {
    return this.rqs[cpu]!.lock;
  }

  /** try_to_wake_up's runqueue: the task's own, or the waker's for a sync wakeup (fast-migrate); fork: the parent's. */
  selectCpu(t: Task, wakerCpu: number, flags: number, ctx: SchedCtx): number {
    if ((flags & ENQ_NEW_WF) !== 0) return wakerCpu;
    if ((flags & WF_SYNC) !== 0 && t.cpu !== wakerCpu && t.allowedOn(wakerCpu)) {
      ctx.line(t.cpu); // the first task_rq_lock on the old runqueue
      return wakerCpu;
    }
    return t.cpu;
  }

  enqueue(cpu: number, t: Task, flags: number, ctx: SchedCtx): void {
    const rq = this.rqs[cpu]!;
    const x = d(t);
    this.waiting++;
    if ((flags & ENQ_MIGRATE) !== 0) {
      // pull_task: into this runqueue's active array
      this.nrRunningInc(cpu);
      this.enqueueTask(t, rq.active);
      return;
    }
    if ((flags & ENQ_NEW) !== 0) {
      const parent = t.parent;
      const cur = this.k.curr(cpu);
      if (parent !== null && cur === parent && d(parent).array !== null) {
        x.prio = d(parent).prio;
        this.enqueueBefore(t, parent, d(parent).array!);
        this.nrRunningInc(cpu);
      } else {
        this.nrRunningInc(cpu);
        this.enqueueTask(t, rq.active);
      }
      return;
    }
    if ((flags & WF_SYNC) !== 0 && cpu === ctx.cpu) {
      // __activate_task: no sleep_avg recalculation
      this.nrRunningInc(cpu);
      this.enqueueTask(t, rq.active);
      return;
    }
    // activate_task
    const now = this.clock(ctx.now);
    this.recalcTaskPrio(t, now);
    if (x.activated === 0) x.activated = (flags & WF_IRQ) !== 0 ? 2 : 1;
    x.timestamp = now;
    this.nrRunningInc(cpu);
    this.enqueueTask(t, rq.active);
  }

  dequeue(cpu: number, t: Task): void {
    const x = d(t);
    if (this.k.curr(cpu) !== t) this.waiting--;
    if (x.array !== null) this.dequeueTask(t, x.array);
    this.nrRunningDec(cpu);
  }

  checkPreempt(cpu: number, t: Task, wakerCpu: number, flags: number): number {
    if ((flags & ENQ_NEW_WF) !== 0 && t.parent !== null) return -1; // do_fork reschedules the parent itself
    if ((flags & WF_SYNC) !== 0 && cpu === wakerCpu) return -1;
    const cur = this.k.curr(cpu);
    const curPrio = cur === null ? MAX_PRIO : d(cur).prio;
    return d(t).prio < curPrio ? cpu : -1;
  }

  balance(cpu: number, _prev: Task | null, ctx: SchedCtx): void {
    if (this.rqs[cpu]!.nrRunning === 0) this.loadBalance(cpu, true, this.spanFirst[cpu]!, this.spanEnd[cpu]!, ctx, false, true);
  }

  pickNext(cpu: number, prev: Task | null, ctx: SchedCtx): Task | null {
    const rq = this.rqs[cpu]!;
    const now = this.clock(ctx.now);
    const cur = this.k.curr(cpu);
    let next: Task | null = null;
    if (rq.nrRunning === 0) {
      rq.expiredTimestamp = 0;
    } else {
      let array = rq.active;
      if (array.nrActive === 0) {
        rq.active = rq.expired;
        rq.expired = array;
        array = rq.active;
        rq.expiredTimestamp = 0;
      }
      const idx = array.firstBit();
      next = array.heads[idx]!;
      const x = d(next);
      if (x.activated > 0) {
        let delta = now - x.timestamp;
        if (x.activated === 1) delta = Math.trunc((delta * Math.trunc((ON_RUNQUEUE_WEIGHT * 128) / 100)) / 128);
        const a = x.array!;
        this.dequeueTask(next, a);
        this.recalcTaskPrio(next, x.timestamp + delta);
        this.enqueueTask(next, a);
      }
      x.activated = 0;
    }
    // the bitmap search and list head are cache-hot constant work, priced in schedBaseNs
    // the sleep_avg of the task that ran: run_time since its timestamp
    if (cur !== null) {
      const px = d(cur);
      let runTime = now - px.timestamp;
      if (runTime > this.c.nsMaxSleepAvg) runTime = this.c.nsMaxSleepAvg;
      if (this.highCredit(px)) runTime = Math.trunc(runTime / (this.c.currentBonus(px.sleepAvg) || 1));
      px.sleepAvg -= runTime;
      if (px.sleepAvg <= 0) {
        px.sleepAvg = 0;
        if (!(this.highCredit(px) || this.lowCredit(px))) px.credit--;
      }
      px.timestamp = now;
    }
    if (next !== null && next !== cur) d(next).timestamp = now;
    if (next !== null && next !== prev) this.waiting--;
    return next;
  }

  putPrev(): void {
    this.waiting++;
  }

  /** One tick's slice accounting of a normal or RR task (scheduler_tick's locked part). Returns need_resched. */
  private expireTick(cpu: number, p: Task, ctx: SchedCtx): boolean {
    const rq = this.rqs[cpu]!;
    const x = d(p);
    const c = this.c;
    if (x.array !== rq.active) return true;
    if (isRt(p)) {
      if (p.policy === SCHED_RR && --x.timeSlice === 0) {
        x.timeSlice = c.timeslice(x.staticPrio);
        x.firstTimeSlice = false;
        this.dequeueTask(p, rq.active);
        this.enqueueTask(p, rq.active);
        return true;
      }
      return false;
    }
    if (--x.timeSlice === 0) {
      this.dequeueTask(p, rq.active);
      x.prio = this.effectivePrio(p);
      x.timeSlice = c.timeslice(x.staticPrio);
      x.firstTimeSlice = false;
      const j = this.jiffies(ctx.now);
      if (rq.expiredTimestamp === 0) rq.expiredTimestamp = j;
      const starving = rq.expiredTimestamp !== 0 && (j - rq.expiredTimestamp + 4294967296) % 4294967296 >= c.starvationLimit * rq.nrRunning + 1;
      if (!this.taskInteractive(p) || starving) this.enqueueTask(p, rq.expired);
      else this.enqueueTask(p, rq.active);
      return true;
    }
    const gran = c.granularity * (1 << ((MAX_BONUS - c.currentBonus(x.sleepAvg) || 1) - 1)) * this.k.nCpus;
    // unsigned arithmetic: a slice above the base (returned by sched_exit, capped at MAX_TIMESLICE) wraps
    if (this.taskInteractive(p) && ((c.timeslice(x.staticPrio) - x.timeSlice) >>> 0) % gran === 0 && x.timeSlice >= gran && x.array === rq.active) {
      this.dequeueTask(p, rq.active);
      x.prio = this.effectivePrio(p);
      this.enqueueTask(p, rq.active);
      return true;
    }
    return false;
  }

  tick(cpu: number, curr: Task, ctx: SchedCtx): boolean {
    const r = this.expireTick(cpu, curr, ctx);
    this.rebalanceTick(cpu, false, ctx);
    return r;
  }

  idleTick(cpu: number, ctx: SchedCtx): void {
    this.rebalanceTick(cpu, true, ctx);
  }

  yieldTask(cpu: number, curr: Task): boolean {
    const rq = this.rqs[cpu]!;
    const x = d(curr);
    const a = x.array!;
    if (!isRt(curr)) {
      this.dequeueTask(curr, a);
      this.enqueueTask(curr, rq.expired);
    } else {
      this.dequeueTask(curr, a);
      this.enqueueTask(curr, a);
    }
    return true;
  }

  taskDead(t: Task, reaper: Task | null): void {
    const parent = t.parent ?? reaper;
    if (parent === null || parent.sd === null) return;
    const x = d(t);
    const p = d(parent);
    if (x.firstTimeSlice) {
      p.timeSlice += x.timeSlice;
      if (p.timeSlice > this.c.maxTimeslice) p.timeSlice = this.c.maxTimeslice;
    }
    if (x.sleepAvg < p.sleepAvg) p.sleepAvg = Math.trunc(p.sleepAvg / (EXIT_WEIGHT + 1)) * EXIT_WEIGHT + Math.trunc(x.sleepAvg / (EXIT_WEIGHT + 1));
  }

  /**
   * sched_balance_exec() (CONFIG_NUMA, more than one node): sched_best_cpu(current). A task whose runqueue runs at
   * most 2 tasks stays; otherwise the node with the least 10 x node_nr_running / CPUs in the node (the first strictly
   * least), and in it the CPU with the fewest running tasks (the first strictly fewest). The caller moves the task
   * there (sched_migrate_task) unless that is this CPU. The reads are lockless.
   */
  balanceExec(cpu: number, t: Task, ctx: SchedCtx): number {
    const m = this.k.machine;
    if (!this.numa || m.nNodes <= 1) return -1;
    let best = t.cpu;
    ctx.inspect(1);
    if (this.rqs[best]!.nrRunning <= 2) return best;
    let node = 0;
    let minLoad = 10_000_000;
    for (let n = 0; n < m.nNodes; n++) {
      if (m.nodeCpuCount[n]! === 0) continue;
      const load = Math.trunc((10 * this.nodeNrRunning[n]!) / m.nodeCpuCount[n]!);
      if (load < minLoad) {
        minLoad = load;
        node = n;
      }
    }
    ctx.inspect(m.nNodes);
    minLoad = 10_000_000;
    const first = m.nodeFirstCpu[node]!;
    const end = first + m.nodeCpuCount[node]!;
    for (let i = first; i < end; i++) {
      if (this.rqs[i]!.nrRunning < minLoad) {
        best = i;
        minLoad = this.rqs[i]!.nrRunning;
      }
    }
    ctx.inspect(end - first);
    return best;
  }

  countQueued(): number {
    return this.waiting;
  }

  // ------------------------------------------------------------------ balancing

  private rebalanceTick(cpu: number, idle: boolean, ctx: SchedCtx): void {
    const j = this.jiffies(ctx.now);
    const c = this.c;
    const numa = this.numa && this.k.machine.nNodes > 1;
    if (idle) {
      if (numa && j % c.idleNodeRebalance === 0) this.balanceNode(cpu, true, ctx);
      if (j % c.idleRebalance === 0) this.loadBalance(cpu, true, this.spanFirst[cpu]!, this.spanEnd[cpu]!, ctx);
      return;
    }
    if (numa && j % c.busyNodeRebalance === 0) this.balanceNode(cpu, false, ctx);
    if (j % c.busyRebalance === 0) this.loadBalance(cpu, false, this.spanFirst[cpu]!, this.spanEnd[cpu]!, ctx);
  }

  /** find_busiest_node + balance_node (2.6.0, CONFIG_NUMA). */
  private balanceNode(cpu: number, idle: boolean, ctx: SchedCtx): void {
    const m = this.k.machine;
    const rq = this.rqs[cpu]!;
    const thisNode = m.cpuNode[cpu]!;
    const thisLoad = this.nodeLoad(rq, thisNode);
    rq.prevNodeLoad[thisNode] = thisLoad;
    let maxLoad = thisLoad;
    let node = -1;
    for (let n = 0; n < m.nNodes; n++) {
      if (n === thisNode) continue;
      const load = this.nodeLoad(rq, n);
      rq.prevNodeLoad[n] = load;
      if (load > maxLoad && 100 * load > NODE_THRESHOLD * thisLoad) {
        maxLoad = load;
        node = n;
      }
    }
    ctx.inspect(m.nNodes);
    if (node < 0) return;
    // the mask is that node's CPUs plus this CPU
    this.loadBalance(cpu, idle, m.nodeFirstCpu[node]!, m.nodeFirstCpu[node]! + m.nodeCpuCount[node]!, ctx, true);
  }

  /** A node's load as this runqueue sees it: its remembered load halved plus 10 x running per CPU. */
  private nodeLoad(rq: Rq, n: number): number {
    const m = this.k.machine;
    return Math.trunc(rq.prevNodeLoad[n]! / 2) + Math.trunc((10 * this.nodeNrRunning[n]!) / m.nodeCpuCount[n]!);
  }

  /** One runqueue's load as find_busiest_queue sees it (and remembers it). */
  private seenLoad(rq: Rq, i: number, idle: boolean): number {
    const src = this.rqs[i]!;
    const load = idle || src.nrRunning < rq.prevCpuLoad[i]! ? src.nrRunning : rq.prevCpuLoad[i]!;
    rq.prevCpuLoad[i] = src.nrRunning;
    return load;
  }

  /**
   * find_busiest_queue + load_balance over CPUs [first, end) (and this CPU when plusThis). From schedule()
   * (fromSchedule) the pulled task is picked at once, so no need_resched is set.
   */
  private loadBalance(cpu: number, idle: boolean, first: number, end: number, ctx: SchedCtx, plusThis = false, fromSchedule = false): void {
    const k = this.k;
    const rq = this.rqs[cpu]!;
    let nrRunning = idle || rq.nrRunning > rq.prevCpuLoad[cpu]! ? rq.nrRunning : rq.prevCpuLoad[cpu]!;
    let busiest = -1;
    let maxLoad = 1;
    for (let i = first; i < end; i++) {
      const load = this.seenLoad(rq, i, idle);
      if (load > maxLoad && i !== cpu) {
        busiest = i;
        maxLoad = load;
      }
    }
    if (plusThis && (cpu < first || cpu >= end)) this.seenLoad(rq, cpu, idle);
    ctx.inspect(end - first);
    if (busiest < 0) return;
    let imbalance = maxLoad - nrRunning;
    if (!idle && imbalance * 4 < maxLoad) return;
    const src = this.rqs[busiest]!;
    ctx.lock(src.lock); // double_lock_balance
    nrRunning = idle || rq.nrRunning > rq.prevCpuLoad[cpu]! ? rq.nrRunning : rq.prevCpuLoad[cpu]!;
    if (src.nrRunning <= nrRunning) return;
    imbalance = Math.trunc(imbalance / 2);
    const hotNs = this.cacheDecayTicks * this.c.nsPerJiffy;
    const now = this.clock(ctx.now);
    let array = src.expired.nrActive > 0 ? src.expired : src.active;
    for (;;) {
      let idx = array.firstBit();
      while (idx < MAX_PRIO) {
        let t: Task | null = array.tails[idx]!;
        while (t !== null) {
          const prevT: Task | null = t.qPrev;
          ctx.examine(1);
          const hot = !idle && now - d(t).timestamp <= hotNs;
          if (!hot && k.curr(busiest) !== t && t.allowedOn(cpu)) {
            // pull_task
            ctx.migrate(t, cpu);
            const cur = k.curr(cpu);
            if (!fromSchedule && d(t).prio < (cur === null ? MAX_PRIO : d(cur).prio)) ctx.resched(cpu);
            if (idle) return;
            // the literal `if (!idle && --imbalance)`: 0 - 1 is non-zero, so it goes on
            imbalance--;
            if (imbalance === 0) return;
          }
          t = prevT;
        }
        idx = array.firstBit(idx + 1);
      }
      if (array === src.expired) array = src.active;
      else return;
    }
  }
}

/** WF_FORK as seen by selectCpu/checkPreempt (the wake flags; enqueue sees ENQ_NEW). */
const ENQ_NEW_WF = 2;

export const o1Policy: PolicyEntry = {
  name: 'o1',
  description: 'Linux 2.6.0 O(1): per-CPU active/expired priority arrays and bitmap, sleep_avg interactivity, 2.6.0 load balancing',
  tunables: [
    { name: 'hz', default: 1000, unit: 'count', min: 1, max: 10000, meaning: 'timer ticks per second (2.6.0 on i386: 1000)', kernelName: 'HZ' },
    { name: 'cacheDecayTicks', default: 2, unit: 'count', min: 0, max: 100000, meaning: 'a task that ran within this many ticks is cache-hot (i386: L2 KB / 350 + 1; 512 KB -> 2)', kernelName: 'cache_decay_ticks' },
    { name: 'numa', default: 1, unit: 'bool', meaning: 'CONFIG_NUMA: balance within the node and run balance_node on multi-node machines' },
  ],
  create: (v) => new O1(v),
};
