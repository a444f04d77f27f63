/**
 * dss: the Linux 2.4 Default SMP Scheduler. Follows kernel/sched.c of Linux 2.4.16/2.4.17 (schedule(), goodness(),
 * reschedule_idle(), try_to_wake_up(), sys_sched_yield(), schedule_tail()), kernel/timer.c update_process_times()
 * and kernel/fork.c do_fork() for the counter split; shared/reference/historic-schedulers.md section 1.
 *
 * Model
 * - One global runqueue: a list of every TASK_RUNNING task, running ones included, under the global
 *   `runqueue_lock`. Every schedule(), wakeup, yield and schedule_tail push takes that lock.
 * - goodness(p, cpu, mm): -1 if p yields; SCHED_OTHER: 0 if p.counter is 0, else counter + PROC_CHANGE_PENALTY (15 on
 *   i386) if p last ran on cpu + 1 if p shares mm (or is a kernel thread) + 20 - nice; SCHED_FIFO/RR: 1000 +
 *   rt_priority.
 * - schedule(): (1) an SCHED_RR prev whose counter ran out is refilled and moved to the tail; (2) the whole list is
 *   scanned: every task schedulable here (allowed, not running elsewhere) is examined, the first strictly greatest
 *   goodness wins (ties go to the task nearer the head), the idle task starts at -1000; (3) if the best is exactly 0,
 *   every task in the system gets counter = counter/2 + NICE_TO_TICKS(nice) (the recalculation) and the scan is
 *   repeated. Each task examined is priced as a cache miss (taskExamineNs) plus a line transfer from the CPU it last
 *   ran on if that is another one (its structure is modified there): the scan is cache-miss bound (Yamamura et al.
 *   2002) and on SMP the lines bounce.
 * - Wakeup: the task joins the list (at the head in 2.4.0-2.4.17, option insert=tail for later 2.4); unless the
 *   wakeup is sync and the task may run on the waker's CPU, reschedule_idle(p) runs under the lock: its last CPU if
 *   that CPU runs its idle task, else the idle CPU with the oldest last_schedule, else (only while no idle CPU was
 *   seen) the busy CPU where preemption_goodness(curr, p) is largest and above the threshold (0; 1 in 2.4.7).
 * - schedule_tail(prev) after a switch: clears prev's yield flag; a prev that is still runnable (preempted) and was
 *   not yielding is pushed: reschedule_idle(prev) under the lock again.
 * - Tick: counter -= 1 for the running task; at 0 need_resched. No lock.
 * - fork: child counter = (parent + 1) / 2, parent = parent / 2 (integer); a parent left at 0 reschedules.
 *   A task reaped gives its counter back to the reaper, capped at MAX_COUNTER (20 ticks at HZ=100).
 * - sched_yield: nr_pending = nr_running - busy CPUs (an O(NCPUS) lockless read); if > 0 the caller gets the yield
 *   flag and goes to the list tail under the lock, and schedule() follows.
 * - HZ = 100 (i386), so NICE_TO_TICKS(0) = 6 ticks (60 ms).
 *
 * version=2.5.2-pre6: the vanilla kernel of the O(1) announcement, 2.4's scheduler with Davide Libenzi's changes of
 * 2.5.2-pre3 ("Time Slice Split Scheduler", LKML 26 Dec 2001) and pre6 ("nicer timeslices", the ts_table of LKML
 * 30 Dec 2001), read from the patches posted on LKML and from the removed lines of his 2 Jan 2002 diff against pre6
 * (no git history of the 2.5.2-pre kernels was reachable):
 * - counter becomes time_slice, and a dynamic priority dyn_prio joins it. TASK_TIMESLICE(p) = ts_table[19 - nice],
 *   ts_table[i] = ((10000 + (70000 / 40) * i) us * HZ) / 10^6 (integer): at HZ=100 nice 19 1 tick, nice 0 4,
 *   nice -20 7.
 * - goodness(): -1 if yielding; 0 if time_slice is 0; else dyn_prio + 1 + PROC_CHANGE_PENALTY (same CPU) + 1 (same
 *   mm or kernel thread) + 20 - nice. RT unchanged.
 * - Recalculation (best goodness 0): under runqueue_lock, over the runqueue only (no tasklist_lock): rcl_curr += 1,
 *   every task on the runqueue gets time_slice = TASK_TIMESLICE and rcl_last = rcl_curr. Sleepers keep what they had
 *   left, possibly 0.
 * - add_to_runqueue() at a wakeup or fork: dyn_prio += rcl_curr - rcl_last (one point per recalculation missed),
 *   capped at MAX_DYNPRIO (maxDynPrio: 40 in the patches around pre6, 100 in pre3; pre6's own value unverified);
 *   rcl_last = rcl_curr.
 * - Tick (expire_task, the form of Davide's 5 Jan backport; pre6's own body unverified): a task at 0 reschedules;
 *   otherwise time_slice -= 1, and at 0 dyn_prio -= 1 (if above 0) and reschedule.
 * - sched_yield: (if others are pending) the SCHED_YIELD flag, time_slice = 0, dyn_prio += 1 (uncapped); no move
 *   to the tail.
 * - fork splits time_slice as 2.4 splits counter; the child copies dyn_prio and rcl_last with the task structure.
 * - reschedule_idle(), try_to_wake_up(), the global queue and lock: unchanged from 2.4.17.
 * Not modelled: pre3-pre9's idle task, which lost its counter = -100 and competed as a nice-20 task (it matters on
 * one CPU, where a nice-19 wakeup may then not preempt idle).
 *
 * pls (IBM's Priority Level Scheduler, OLS 2001 slides 12, 17, 18, 70, 72; the patch itself was not retrievable):
 * the same global lock and the same decisions as dss ("functional equivalence" was PLS's goal), but the runqueue is
 * split into lists by non-affinity goodness and schedule() examines only the tasks its bounded top-down scan reaches
 * (plsExamined). The list structure is reconstructed [UNVERIFIED in the reference]; the pricing follows it.
 *
 * Simplifications (docs/policies.md)
 * - The recalculation runs inside the runqueue_lock section (under a nested tasklist_lock, each task priced as one
 *   examination); 2.4 drops runqueue_lock around it, so several CPUs may recalculate at once there. The model
 *   overstates runqueue_lock's hold when a recalculation happens and never recalculates twice in a row.
 * - Tasks spawned by a workload (no parent) start with counter = NICE_TO_TICKS(nice).
 * - The idle task halts (needs an IPI); idle=poll is not modelled.
 */
import type { SpinLock } from '../kernel/lock.js';
import { TaskList } from '../kernel/tasklist.js';
import { ENQ_NEW, ENQ_WAKEUP, WF_SYNC, type KernelView, type PolicyEntry, type SchedCtx, type SchedPolicy, type TunableValues } from '../kernel/sched-class.js';
import { SCHED_FIFO, SCHED_NORMAL, SCHED_RR, type Task } from '../kernel/task.js';

interface DssTask {
  /** Remaining time slice in ticks (2.4's counter, 2.5.2-pre6's time_slice); in 2.4 also the dynamic priority. */
  counter: number;
  /** 2.5.2-pre6: the dynamic priority (dyn_prio). */
  dynPrio: number;
  /** 2.5.2-pre6: the recalculation count when the task was last given a slice or credited (rcl_last). */
  rclLast: number;
  /** The SCHED_YIELD flag bit. */
  yielding: boolean;
  /** On the runqueue list. */
  onList: boolean;
}

/** TICK_SCALE(x) of 2.4's sched.c for a given HZ. */
export function tickScale(x: number, hz: number): number {
  if (hz < 200) return x >> 2;
  if (hz < 400) return x >> 1;
  if (hz < 800) return x;
  if (hz < 1600) return x << 1;
  return x << 2;
}

/** NICE_TO_TICKS(nice) = TICK_SCALE(20 - nice) + 1. */
export function niceToTicks(nice: number, hz: number): number {
  return tickScale(20 - nice, hz) + 1;
}

/** 2.5.2-pre6's TASK_TIMESLICE(p) = ts_table[19 - nice] (fill_tslice_map); at least 1 tick for other HZ values. */
export function pre6Timeslice(nice: number, hz: number): number {
  const i = 19 - nice;
  return Math.max(1, Math.floor(((10000 + Math.floor(70000 / 40) * i) * hz) / 1000000));
}

/**
 * 2.4's recalculation (schedule(), when the best goodness is 0): under tasklist_lock, every task's counter becomes
 * counter / 2 + NICE_TO_TICKS(nice); each task structure is read and written by this CPU. Shared with MQS, which kept it.
 */
export function recalculateCounters(ctx: SchedCtx, tasklistLock: SpinLock, tasks: readonly Task[], hz: number): void {
  ctx.lock(tasklistLock);
  for (let i = 0; i < tasks.length; i++) {
    const t = tasks[i]!;
    const x = t.sd as { counter: number } | null;
    if (x !== null) x.counter = (x.counter >> 1) + niceToTicks(t.nice, hz);
    ctx.examineTask(t);
    ctx.writeTask(t);
  }
}

const d = (t: Task): DssTask => t.sd as DssTask;

/** Priority levels of PLS (non-affinity goodness 0..LEVELS-2; RT and above share the top list). */
const LEVELS = 128;

class Dss implements SchedPolicy {
  readonly name: string;
  /** PLS pricing: count the tasks a priority-level scan would examine instead of the whole list. */
  private readonly pls: boolean;
  private readonly lvlCount = new Int32Array(LEVELS);
  private readonly lvlFirstLocal = new Int32Array(LEVELS);
  readonly syncIpcWakeups = false;
  readonly globalQueue = true;
  readonly hz: number;
  private readonly penalty: number;
  private readonly insertTail: boolean;
  private readonly threshold: number;
  private readonly maxCounter: number;
  private k!: KernelView;
  private runqueueLock!: SpinLock;
  private tasklistLock!: SpinLock;
  /** The runqueue: every TASK_RUNNING task, running ones included (its length is nr_running). */
  private readonly list = new TaskList();
  /** Per CPU: time of the last context switch (aligned_data.last_schedule). */
  private lastSchedule!: Float64Array;
  /** Per CPU: the mm the idle task borrowed (active_mm of the last task that ran there). */
  private lastMm!: Float64Array;
  /** Recalculations done (for tests and reports). */
  recalculations = 0;
  private readonly colours: number;
  /** 2.5.2-pre6's rules (Davide Libenzi's time-slice split) instead of 2.4.17's. */
  private readonly pre6: boolean;
  private readonly maxDynPrio: number;
  /** 2.5.2-pre6: recalculations so far (rcl_curr). */
  private rclCurr = 0;

  constructor(name: string, v: TunableValues) {
    this.name = name;
    this.pls = name === 'pls';
    this.hz = v.hz as number;
    this.penalty = v.procChangePenalty as number;
    this.insertTail = v.insert === 'tail';
    this.threshold = v.preemptThreshold as number;
    this.maxCounter = Math.floor((20 * this.hz) / 100);
    this.colours = v.colours as number;
    this.pre6 = v.version === '2.5.2-pre6';
    this.maxDynPrio = v.maxDynPrio as number;
  }

  /** goodness()'s dynamic term of a task with slice left: counter (2.4) or dyn_prio + 1 (2.5.2-pre6). */
  private dynWeight(x: DssTask): number {
    return this.pre6 ? x.dynPrio + 1 : x.counter;
  }

  /** A fresh time slice: NICE_TO_TICKS (2.4) or TASK_TIMESLICE (2.5.2-pre6). */
  private slice(t: Task): number {
    return this.pre6 ? pre6Timeslice(t.nice, this.hz) : niceToTicks(t.nice, this.hz);
  }

  attach(k: KernelView): void {
    this.k = k;
    this.runqueueLock = k.newLock('runqueue_lock');
    this.tasklistLock = k.newLock('tasklist_lock');
    this.lastSchedule = new Float64Array(k.nCpus);
    this.lastMm = new Float64Array(k.nCpus);
    if (this.colours > 1) k.setTaskColours(this.colours);
  }

  initTask(t: Task, parent: Task | null, ctx: SchedCtx): void {
    const data: DssTask = { counter: this.slice(t), dynPrio: 0, rclLast: this.rclCurr, yielding: false, onList: false };
    if (parent !== null) {
      const p = d(parent);
      data.counter = (p.counter + 1) >> 1;
      p.counter >>= 1;
      data.dynPrio = p.dynPrio;
      data.rclLast = p.rclLast;
      if (p.counter === 0) ctx.resched(parent.cpu);
    }
    t.sd = data;
  }

  rqLock(): SpinLock {
    return this.runqueueLock;
  }

  tickLock(): SpinLock | null {
    return null;
  }

  /** 2.4 chooses no CPU at wakeup: the task keeps its processor field (reschedule_idle decides who looks). */
  selectCpu(t: Task): number {
    if (t.allowedOn(t.cpu)) return t.cpu;
    for (let c = 0; c < this.k.nCpus; c++) if (t.allowedOn(c)) return c;
    return t.cpu;
  }

  private listAdd(t: Task, atTail: boolean): void {
    d(t).onList = true;
    if (atTail) this.list.pushTail(t);
    else this.list.pushHead(t);
  }

  private listDel(t: Task): void {
    const x = d(t);
    if (!x.onList) return;
    x.onList = false;
    this.list.remove(t);
  }

  /** move_last_runqueue() */
  private moveLast(t: Task): void {
    this.listDel(t);
    this.listAdd(t, true);
  }

  enqueue(_cpu: number, t: Task, flags: number): void {
    if (this.pre6 && (flags & (ENQ_WAKEUP | ENQ_NEW)) !== 0) {
      // add_to_runqueue(): one dyn_prio point per recalculation the task missed while away
      const x = d(t);
      x.dynPrio = Math.min(this.maxDynPrio, x.dynPrio + (this.rclCurr - x.rclLast));
      x.rclLast = this.rclCurr;
    }
    this.listAdd(t, this.insertTail);
  }

  dequeue(_cpu: number, t: Task): void {
    this.listDel(t);
  }

  goodness(p: Task, cpu: number, mm: number): number {
    const x = d(p);
    if (x.yielding) return -1;
    if (p.policy === SCHED_NORMAL || (p.policy !== SCHED_FIFO && p.policy !== SCHED_RR)) {
      if (x.counter === 0) return 0;
      let w = this.dynWeight(x);
      if (p.cpu === cpu) w += this.penalty;
      if (p.mm === mm || p.mm === 0) w += 1;
      return w + 20 - p.nice;
    }
    return 1000 + p.rtPriority;
  }

  /** can_schedule(p, cpu): allowed there and not running on another CPU. */
  private canSchedule(p: Task, cpu: number): boolean {
    if (!p.allowedOn(cpu)) return false;
    const c = p.cpu;
    return c === cpu || this.k.curr(c) !== p;
  }

  /** reschedule_idle(p): the CPU to reschedule, or -1. Called under runqueue_lock. */
  private rescheduleIdle(p: Task, ctx: SchedCtx): number {
    const k = this.k;
    const best = p.cpu;
    if (this.canSchedule(p, best) && k.curr(best) === null) return best;
    let oldestIdle = Infinity;
    let target = -1;
    let maxPrio = this.threshold;
    let scanned = 0;
    for (let cpu = 0; cpu < k.nCpus; cpu++) {
      if (!this.canSchedule(p, cpu)) continue;
      scanned++;
      const tsk = k.curr(cpu);
      if (tsk === null) {
        if (this.lastSchedule[cpu]! < oldestIdle) {
          oldestIdle = this.lastSchedule[cpu]!;
          target = cpu;
        }
      } else if (oldestIdle === Infinity) {
        ctx.examineTask(tsk);
        const prio = this.goodness(p, cpu, tsk.mm) - this.goodness(tsk, cpu, tsk.mm);
        if (prio > maxPrio) {
          maxPrio = prio;
          target = cpu;
        }
      }
    }
    ctx.inspect(scanned);
    return target;
  }

  checkPreempt(_cpu: number, t: Task, wakerCpu: number, flags: number, ctx: SchedCtx): number {
    if ((flags & WF_SYNC) !== 0 && t.allowedOn(wakerCpu)) return -1;
    return this.rescheduleIdle(t, ctx);
  }

  pickNext(cpu: number, prev: Task | null, ctx: SchedCtx): Task | null {
    const k = this.k;
    const cur = k.curr(cpu);
    // prev->active_mm: the idle task borrows the mm of the task that ran before it
    const mm = cur !== null ? cur.mm : this.lastMm[cpu]!;
    // an RR task whose slice ran out is refilled and moved to the tail, whether or not it still runs
    if (cur !== null && cur.policy === SCHED_RR && d(cur).counter === 0) {
      d(cur).counter = this.slice(cur);
      if (d(cur).onList) this.moveLast(cur);
    }
    for (;;) {
      let next: Task | null = null;
      let c = -1000;
      for (let p = this.list.head; p !== null; p = p.qNext) {
        if (!this.pls) ctx.examineTask(p);
        if (!this.canSchedule(p, cpu)) continue;
        const w = this.goodness(p, cpu, mm);
        if (w > c) {
          c = w;
          next = p;
        }
      }
      if (this.pls) ctx.examine(this.plsExamined(cpu, prev));
      if (c !== 0) {
        if (next !== cur) this.lastSchedule[cpu] = ctx.now;
        else if (cur !== null) d(cur).yielding = false; // prev == next: the yield flag is cleared at once
        if (next !== null) this.lastMm[cpu] = next.mm;
        return next;
      }
      this.recalculations++;
      if (this.pre6) {
        // 2.5.2-pre6: the tasks on the runqueue get a fresh slice, under runqueue_lock; sleepers are credited later
        this.rclCurr++;
        for (let p = this.list.head; p !== null; p = p.qNext) {
          const x = d(p);
          x.counter = this.slice(p);
          x.rclLast = this.rclCurr;
          ctx.examineTask(p);
          ctx.writeTask(p);
        }
        continue;
      }
      // every schedulable task is out of slice: recalculate every task's counter
      recalculateCounters(ctx, this.tasklistLock, k.tasks, this.hz);
    }
  }

  /**
   * The tasks PLS's schedule() would examine (OLS 2001 slides 17-18; the list structure is our reconstruction):
   * realtime first; then lists by non-affinity goodness from the top; a current task that is still runnable bounds
   * the scan at its own list; the first local task found ends the scan; the first non-local task found bounds it at
   * its value - PROC_CHANGE_PENALTY. Each list is in runqueue order.
   */
  private plsExamined(cpu: number, prev: Task | null): number {
    const cnt = this.lvlCount;
    const firstLocal = this.lvlFirstLocal;
    cnt.fill(0);
    firstLocal.fill(0);
    let rt = 0;
    for (let p = this.list.head; p !== null; p = p.qNext) {
      if (!this.canSchedule(p, cpu)) continue;
      if (p.policy === SCHED_FIFO || p.policy === SCHED_RR) {
        rt++;
        continue;
      }
      const x = d(p);
      const na = x.yielding ? 0 : x.counter === 0 ? 0 : Math.min(LEVELS - 1, this.dynWeight(x) + 20 - p.nice);
      cnt[na]!++;
      if (p.cpu === cpu && firstLocal[na] === 0) firstLocal[na] = cnt[na]!;
    }
    if (rt > 0) return rt;
    let bound = 0;
    if (prev !== null) {
      const x = d(prev);
      bound = x.yielding || x.counter === 0 ? 0 : Math.min(LEVELS - 1, this.dynWeight(x) + 20 - prev.nice);
    }
    let examined = 0;
    let nonLocalSeen = false;
    for (let lvl = LEVELS - 1; lvl >= bound; lvl--) {
      if (cnt[lvl] === 0) continue;
      if (firstLocal[lvl]! > 0) return examined + firstLocal[lvl]!;
      examined += cnt[lvl]!;
      if (!nonLocalSeen) {
        nonLocalSeen = true;
        bound = Math.max(bound, lvl - this.penalty);
      }
    }
    return Math.max(1, examined);
  }

  putPrev(): void {
    // prev stays on the global list
  }

  wantsScheduleTail(_cpu: number, prev: Task): boolean {
    const x = d(prev);
    const wasYielding = x.yielding;
    x.yielding = false;
    return x.onList && !wasYielding;
  }

  scheduleTail(_cpu: number, prev: Task, ctx: SchedCtx): number {
    // the preempted task may have been picked elsewhere or gone to sleep meanwhile
    if (!d(prev).onList || this.k.curr(prev.cpu) === prev) return -1;
    return this.rescheduleIdle(prev, ctx);
  }

  tick(_cpu: number, curr: Task): boolean {
    const x = d(curr);
    if (this.pre6) {
      // expire_task()
      if (x.counter <= 0) return true;
      x.counter -= 1;
      if (x.counter > 0) return false;
      if (x.dynPrio > 0) x.dynPrio--;
      return true;
    }
    x.counter -= 1;
    if (x.counter <= 0) {
      x.counter = 0;
      return true;
    }
    return false;
  }

  yieldTask(_cpu: number, curr: Task, ctx: SchedCtx): boolean {
    const k = this.k;
    ctx.inspectUnlocked(k.nCpus);
    const busy = k.nCpus - k.nrIdle;
    const nrPending = this.list.n - busy;
    if (nrPending <= 0) return false;
    const x = d(curr);
    if (curr.policy !== SCHED_FIFO && curr.policy !== SCHED_RR) {
      x.yielding = true;
      if (this.pre6) {
        // 2.5.2-pre6: the yielder gives up its slice and gains a dynamic-priority point
        x.counter = 0;
        x.dynPrio++;
      }
    }
    // 2.5.2-pre6 leaves the yielder where it is; 2.4 moves it to the tail
    if (!this.pre6) this.moveLast(curr);
    return true;
  }

  taskDead(t: Task, reaper: Task | null): void {
    if (reaper === null || reaper.sd === null) return;
    const r = d(reaper);
    r.counter = Math.min(r.counter + d(t).counter, this.maxCounter);
  }

  countQueued(): number {
    let n = 0;
    for (let p = this.list.head; p !== null; p = p.qNext) if (this.k.curr(p.cpu) !== p) n++;
    return n;
  }
}

export const dssPolicy: PolicyEntry = {
  name: 'dss',
  description: 'Linux 2.4 (2.4.16/17): one global runqueue and runqueue_lock, goodness() scan, reschedule_idle()',
  tunables: [
    { name: 'hz', default: 100, unit: 'count', min: 1, max: 10000, meaning: 'timer ticks per second (2.4 on i386: 100)', kernelName: 'HZ' },
    { name: 'procChangePenalty', default: 15, unit: 'count', min: 0, max: 1000, meaning: 'goodness bonus for the CPU a task last ran on (i386 15; ia64, s390, sparc64 20)', kernelName: 'PROC_CHANGE_PENALTY' },
    { name: 'insert', default: 'head', unit: 'choice', choices: ['head', 'tail'], meaning: 'where a woken task joins the runqueue: head (2.4.0-2.4.17) or tail (later 2.4)', kernelName: 'add_to_runqueue' },
    { name: 'preemptThreshold', default: 0, unit: 'count', min: 0, max: 1000, meaning: 'preemption_goodness must exceed this to preempt a busy CPU (0 in 2.4.16/17, 1 in 2.4.7)' },
    { name: 'version', default: '2.4.17', unit: 'choice', choices: ['2.4.17', '2.5.2-pre6'], meaning: "2.4.17's rules, or 2.5.2-pre6's (the O(1) announcement's vanilla kernel: Davide Libenzi's time_slice and dyn_prio, recalculation over the runqueue only; docs/policies.md)" },
    { name: 'maxDynPrio', default: 40, unit: 'count', min: 0, max: 1000, meaning: 'version=2.5.2-pre6: cap of the dynamic priority a sleeper earns (40 in the patches around pre6, 100 in pre3)', kernelName: 'MAX_DYNPRIO' },
    { name: 'colours', default: 1, unit: 'count', min: 1, max: 1024, meaning: 'task-structure cache colours: 1 = vanilla (every task structure 8 KB-aligned), 32 = Yamamura et al.\'s colouring patch (FREENIX 2002)' },
  ],
  create: (v) => new Dss('dss', v),
};

export const plsPolicy: PolicyEntry = {
  name: 'pls',
  description: "IBM's Priority Level Scheduler (OLS 2001): 2.4's decisions and global lock, runqueue split in lists by goodness so fewer tasks are examined [reconstructed]",
  tunables: dssPolicy.tunables,
  create: (v) => new Dss('pls', v),
};
