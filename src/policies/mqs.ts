/**
 * mqs and pmqs: IBM's Multi-Queue Scheduler (Kravetz, Franke et al.; the "Scalable Scheduling" patches for 2.4.7 and
 * 2.4.14, LKML Aug/Nov 2001) and its pooled variant PMQS (Franke, Nagar, Kravetz, Ravindran, ALS 2001).
 * shared/reference/historic-schedulers.md sections 3 and 4.
 *
 * Model (MQS)
 * - One runqueue and lock per CPU; a task belongs to the queue of its processor (task.cpu), running ones included.
 *   Each queue publishes, lockless, its best waiting task: max_na_goodness, max_na_ptr (the task) and its
 *   cpus_allowed; each CPU publishes curr_na_goodness (the running task's na_goodness, MIN for idle).
 * - na_goodness(t): -1 if yielding; RT: 1000 + rt_priority; else 0 if counter is 0, else counter + 20 - nice.
 *   local_goodness(t, mm) = na_goodness + 1 for the same mm (2.4.14: kernel threads get no bonus).
 * - schedule(): (1) local scan of this CPU's queue (one examination per task) for the best local_goodness (c, next)
 *   and the best other waiting task, which is published as max_na; (2) if c > 0, c += PROC_CHANGE_PENALTY; (3) the
 *   remote examination reads every other queue's max_na (one inspection each, lockless) and takes the highest that
 *   beats c and allows this CPU: trylock that queue, re-validate, steal (the victim's max_na is recomputed: the first
 *   schedulable task with positive na_goodness in its queue); a failed trylock tries the next candidate; (4) c == 0
 *   recalculates every task's counter as 2.4 does.
 * - Wakeup: lock the task's queue (a sync wakeup: the waker's queue); non-sync (or the waker's CPU not allowed) ->
 *   reschedule_idle(p): its last CPU if
 *   idle; else over all CPUs it may use, idle ones ranked by how long they have been idle, busy ones by
 *   curr_na_goodness (+ PROC_CHANGE_PENALTY if not p's CPU); take the lowest below na_goodness(p): p's own CPU if p
 *   preempts there, else trylock that CPU's queue and move p there if it is idle or p preempts it; else the next
 *   lowest; if none, p stays queued where it was.
 * - Tick, yield (nr_pending summed over all queues, lockless), fork and reap: as 2.4.
 * - Realtime tasks: the 2.4.x patches' global realtime queue is not modelled (rtQueue is not a parameter): RT tasks
 *   live on the per-CPU queues and compete through goodness 1000 + rt_priority, as in the 2.5.0 version.
 * - schedule()'s local scan follows the 2.5.0 version of the patch (the running task is scanned with the waiting ones
 *   by local_goodness); the 2.4.7/2.4.14 versions seed the scan with the running task at full goodness (+15), which
 *   makes it harder to displace; not modelled.
 *
 * PMQS (poolsize > 0): CPUs are split into pools of `poolsize` consecutive CPUs; the remote examination of schedule()
 * and the CPU search of reschedule_idle() are bounded to the invoking CPU's pool (the local phase is unchanged). The
 * paper keeps a non-idle bitmap "so idle CPUs anywhere can be found quickly"; how reschedule_idle used it is not
 * known (`spill`): between (the default; the reference's reading, "prefer an idle CPU outside the pool before
 * preempting inside it") searches the pool for an idle CPU, then the bitmap for one outside the pool, then the pool
 * for a CPU to preempt; first takes an idle CPU anywhere before the pool's search; last looks outside only when the
 * pool's search finds no CPU to take p; never: pools never spill [all unverified]. With between, last or never, a
 * pool spanning the machine without a balancer is MQS, decision for decision (a test). Whose pool reschedule_idle
 * searches (`wakerPool`): the woken task's (0, the default: the pooling note expects processes to "achieve a stronger
 * affinity within their local pool") or the waking CPU's (1). Balancers (`lb`), run every `lbPeriod` (600 ms in the
 * paper) by the first busy CPU whose tick reaches that jiffy; their exact definitions are not retrievable, so these are our
 * assumptions, documented in docs/policies.md:
 *   lboff  no balancing;
 *   ip     initial placement: a new task (fork) goes to the shortest queue of the least loaded pool;
 *   lbc    CPU-level: tasks move from the longest to the shortest queues machine-wide until no queue exceeds the
 *          average by more than one task;
 *   lbp    pool-level: while the busiest pool's load exceeds the least loaded pool's by more than `lbPct` percent,
 *          move a task from its longest queue to the other pool's shortest queue (lbp-10, lbp-45: lbPct 10, 45).
 *
 * Simplifications: the recalculation runs inside the caller's queue lock under a nested tasklist_lock (as for dss);
 * after a failed trylock in the remote examination MQS does not reset its own max_na and rescan; a trylocked remote
 * queue stays locked until the path ends (the patch unlocks it right after its check).
 */
import { CpuMask } from '../kernel/cpumask.js';
import type { SpinLock } from '../kernel/lock.js';
import { TaskList } from '../kernel/tasklist.js';
import { ENQ_MIGRATE, WF_FORK, WF_SYNC, type KernelView, type PolicyEntry, type SchedCtx, type SchedPolicy, type TunableValues } from '../kernel/sched-class.js';
import { SCHED_FIFO, SCHED_RR, type Task } from '../kernel/task.js';
import { niceToTicks, recalculateCounters } from './dss.js';

const MIN_GOODNESS = -1000;
/** How PMQS's reschedule_idle uses the non-idle bitmap (the `spill` tunable). */
const SPILLS = ['first', 'between', 'last', 'never'];
const SPILL_FIRST = 0;
const SPILL_BETWEEN = 1;
const SPILL_LAST = 2;

interface MqTask {
  counter: number;
  yielding: boolean;
  onList: boolean;
}

/** A per-CPU queue; its length (n) is nt_running: tasks on this queue, the running one included. */
class Queue extends TaskList {
  maxNa = MIN_GOODNESS;
  maxNaTask: Task | null = null;
  constructor(readonly lock: SpinLock) {
    super();
  }
}

const d = (t: Task): MqTask => t.sd as MqTask;

class Mqs implements SchedPolicy {
  readonly name: string;
  readonly syncIpcWakeups = false;
  readonly globalQueue = false;
  readonly hz: number;
  readonly balanceTicks: number;
  private readonly penalty: number;
  private readonly insertTail: boolean;
  private readonly poolsize: number;
  private readonly lb: string;
  private readonly lbPct: number;
  private readonly spill: number;
  /** PMQS reschedule_idle searches the waking CPU's pool (wakerPool=1) instead of the woken task's. */
  private readonly wakerPool: boolean;
  private readonly syncPull: boolean;
  /** The published max of the queue a woken task joined, kept in case reschedule_idle moves the task away. */
  private savedQ = -1;
  private savedNa = MIN_GOODNESS;
  private savedTask: Task | null = null;
  private readonly maxCounter: number;
  private k!: KernelView;
  private qs: Queue[] = [];
  private tasklistLock!: SpinLock;
  private lastSchedule!: Float64Array;
  private currNa!: Float64Array;
  private nonIdle!: CpuMask;
  /** Scratch space: reschedule_idle's array, and the CPUs tried in this remote examination (by generation). */
  private scratch!: Float64Array;
  private tried!: Float64Array;
  private triedGen = 0;
  /** Tasks on all queues (the sum of nt_running). */
  private onQueues = 0;
  private lastBalanceJiffy = -1;
  migrationsByBalancer = 0;

  constructor(name: string, v: TunableValues) {
    this.name = name;
    this.hz = v.hz as number;
    this.penalty = v.procChangePenalty as number;
    this.insertTail = v.insert === 'tail';
    this.poolsize = (v.poolsize as number | undefined) ?? 0;
    this.lb = (v.lb as string | undefined) ?? 'lboff';
    this.lbPct = (v.lbPct as number | undefined) ?? 10;
    this.spill = SPILLS.indexOf((v.spill as string | undefined) ?? 'between');
    this.wakerPool = ((v.wakerPool as number | undefined) ?? 0) === 1;
    this.syncPull = ((v.syncPull as number | undefined) ?? 0) === 1;
    const periodNs = (v.lbPeriod as number | undefined) ?? 600_000_000;
    this.balanceTicks = this.lb === 'lbc' || this.lb === 'lbp' ? Math.max(1, Math.round((periodNs * this.hz) / 1e9)) : 0;
    this.maxCounter = Math.floor((20 * this.hz) / 100);
  }

  attach(k: KernelView): void {
    this.k = k;
    this.qs = Array.from({ length: k.nCpus }, (_, c) => new Queue(k.newLock(`runqueue[${c}].lock`)));
    this.tasklistLock = k.newLock('tasklist_lock');
    this.lastSchedule = new Float64Array(k.nCpus);
    this.currNa = new Float64Array(k.nCpus).fill(MIN_GOODNESS);
    this.nonIdle = new CpuMask(k.nCpus);
    this.scratch = new Float64Array(k.nCpus);
    this.tried = new Float64Array(k.nCpus);
  }

  /** First CPU of cpu's pool (0 for MQS). */
  private poolFirst(cpu: number): number {
    const ps = this.poolsize;
    return ps <= 0 || ps >= this.k.nCpus ? 0 : Math.floor(cpu / ps) * ps;
  }

  /** One past the last CPU of cpu's pool. */
  private poolEnd(cpu: number): number {
    const ps = this.poolsize;
    return ps <= 0 || ps >= this.k.nCpus ? this.k.nCpus : Math.min(this.poolFirst(cpu) + ps, this.k.nCpus);
  }

  initTask(t: Task, parent: Task | null, ctx: SchedCtx): void {
    const x: MqTask = { counter: niceToTicks(t.nice, this.hz), yielding: false, onList: false };
    if (parent !== null) {
      const p = d(parent);
      x.counter = (p.counter + 1) >> 1;
      p.counter >>= 1;
      if (p.counter === 0) ctx.resched(parent.cpu);
    }
    t.sd = x;
  }

  rqLock(cpu: number): SpinLock {
    return this.qs[cpu]!.lock;
  }

  tickLock(): SpinLock | null {
    return null;
  }

  naGoodness(t: Task): number {
    const x = d(t);
    if (x.yielding) return -1;
    if (t.policy === SCHED_FIFO || t.policy === SCHED_RR) return 1000 + t.rtPriority;
    return x.counter === 0 ? 0 : x.counter + 20 - t.nice;
  }

  private goodness(t: Task, cpu: number, mm: number): number {
    const na = this.naGoodness(t);
    if (na <= 0 || na >= 1000) return na;
    return na + (t.mm === mm ? 1 : 0) + (t.cpu === cpu ? this.penalty : 0);
  }

  /**
   * The queue a waking task joins: its own (its last CPU's), as the patches' try_to_wake_up does; a sync wakeup then
   * only enqueues and relies on the waker's next schedule() to steal it. syncPull=1 puts a sync-woken task on the
   * waker's queue instead (as 2.6.0's sync fast-migrate does). ip places new tasks.
   */
  selectCpu(t: Task, wakerCpu: number, flags: number, ctx: SchedCtx): number {
    if ((flags & WF_FORK) !== 0 && this.lb === 'ip') return this.initialPlacement(t, ctx);
    if ((flags & WF_SYNC) !== 0 && this.syncPull && t.allowedOn(wakerCpu)) return wakerCpu;
    if (t.allowedOn(t.cpu)) return t.cpu;
    for (let c = 0; c < this.k.nCpus; c++) if (t.allowedOn(c)) return c;
    return wakerCpu;
  }

  /** ip: the shortest queue of the least loaded pool. */
  private initialPlacement(t: Task, ctx: SchedCtx): number {
    const n = this.k.nCpus;
    const ps = this.poolsize > 0 ? this.poolsize : n;
    let bestPool = -1;
    let bestLoad = Infinity;
    for (let first = 0; first < n; first += ps) {
      let load = 0;
      for (let c = first; c < Math.min(first + ps, n); c++) load += this.qs[c]!.n;
      if (load < bestLoad) {
        bestLoad = load;
        bestPool = first;
      }
    }
    let best = -1;
    for (let c = bestPool; c < Math.min(bestPool + ps, n); c++) if (t.allowedOn(c) && (best < 0 || this.qs[c]!.n < this.qs[best]!.n)) best = c;
    ctx.inspect(n);
    if (best < 0) for (let c = 0; c < n && best < 0; c++) if (t.allowedOn(c)) best = c;
    return best;
  }

  private add(cpu: number, t: Task, atTail: boolean): void {
    const q = this.qs[cpu]!;
    d(t).onList = true;
    this.onQueues++;
    if (atTail) q.pushTail(t);
    else q.pushHead(t);
    // enqueue with update: a waiting task better than the published one becomes the published max
    if (this.k.curr(cpu) !== t) {
      const na = this.naGoodness(t);
      if (na > q.maxNa) {
        q.maxNa = na;
        q.maxNaTask = t;
      }
    }
  }

  private del(cpu: number, t: Task, ctx: SchedCtx | null): void {
    const q = this.qs[cpu]!;
    const x = d(t);
    if (!x.onList) return;
    x.onList = false;
    this.onQueues--;
    q.remove(t);
    if (q.maxNaTask === t) this.refreshMax(cpu, ctx);
  }

  /** Dequeue of the published task with update: the first schedulable task with positive na_goodness. */
  private refreshMax(cpu: number, ctx: SchedCtx | null): void {
    const q = this.qs[cpu]!;
    q.maxNa = MIN_GOODNESS;
    q.maxNaTask = null;
    let n = 0;
    for (let p = q.head; p !== null; p = p.qNext) {
      n++;
      if (this.k.curr(cpu) === p) continue;
      const na = this.naGoodness(p);
      if (na > 0) {
        q.maxNa = na;
        q.maxNaTask = p;
        break;
      }
    }
    ctx?.examine(n);
  }

  enqueue(cpu: number, t: Task, flags: number): void {
    if ((flags & ENQ_MIGRATE) === 0) {
      const q = this.qs[cpu]!;
      this.savedQ = cpu;
      this.savedNa = q.maxNa;
      this.savedTask = q.maxNaTask;
    }
    // add_to_runqueue (list_add: the head, also for tasks moved or stolen), or the tail for later 2.4
    this.add(cpu, t, this.insertTail);
  }

  dequeue(cpu: number, t: Task, _flags: number, ctx: SchedCtx): void {
    this.del(cpu, t, ctx);
  }

  checkPreempt(cpu: number, t: Task, wakerCpu: number, flags: number, ctx: SchedCtx): number {
    if ((flags & WF_SYNC) !== 0 && t.allowedOn(wakerCpu)) return -1;
    return this.rescheduleIdle(cpu, t, ctx, this.wakerPool && wakerCpu >= 0 ? wakerCpu : cpu);
  }

  /**
   * reschedule_idle(p), p queued on cpu (whose lock is held), run by CPU `invoker` (the waker; PMQS bounds the
   * search to its pool). Returns the CPU to reschedule or -1.
   */
  private rescheduleIdle(cpu: number, p: Task, ctx: SchedCtx, invoker: number): number {
    const k = this.k;
    if (p.allowedOn(cpu) && k.curr(cpu) === null) return cpu;
    // PMQS: an idle CPU anywhere, from the non-idle bitmap, before the pool's own search (spill=first)
    if (this.poolsize > 0 && this.spill === SPILL_FIRST) {
      const t = this.idleElsewhere(cpu, p, ctx);
      if (t >= 0) return t;
    }
    const first = this.poolFirst(invoker);
    const end = this.poolEnd(invoker);
    const S = this.naGoodness(p);
    const now = ctx.now;
    // the on-stack array: disallowed -> S; idle -> -(time idle); busy -> curr_na_goodness (+ penalty off p's CPU)
    const vals = this.scratch;
    const len = end - first;
    for (let c = first; c < end; c++) {
      let v: number;
      if (!p.allowedOn(c)) v = S;
      else if (k.curr(c) === null) v = -(now - this.lastSchedule[c]!) - 1e12;
      else v = this.currNa[c]! + (c !== cpu ? this.penalty : 0);
      vals[c - first] = v;
    }
    ctx.inspect(len);
    // nothing lies outside a pool that spans the machine
    const outsideExists = this.poolsize > 0 && len < k.nCpus;
    let spillBeforePreempt = outsideExists && this.spill === SPILL_BETWEEN;
    for (;;) {
      let mi = -1;
      for (let i = 0; i < len; i++) if (vals[i]! < S && (mi < 0 || vals[i]! < vals[mi]!)) mi = i;
      ctx.addNs(len * 2);
      if (mi < 0) {
        // spill=last (and between, if the pool had no busy CPU to preempt either): an idle CPU outside the pool
        const spill = outsideExists && (spillBeforePreempt || this.spill === SPILL_LAST);
        return spill ? this.idleElsewhere(cpu, p, ctx, first, end) : -1;
      }
      if (spillBeforePreempt && vals[mi]! > -1e12) {
        // spill=between: no idle CPU in the pool; an idle CPU outside it before a preemption inside it
        spillBeforePreempt = false;
        const t = this.idleElsewhere(cpu, p, ctx, first, end);
        if (t >= 0) return t;
      }
      const target = first + mi;
      const curr = k.curr(target);
      if (target === cpu) {
        if (curr !== null && this.goodness(p, target, curr.mm) - this.goodness(curr, target, curr.mm) > 0) return cpu;
      } else if (ctx.trylock(this.qs[target]!.lock)) {
        const c2 = k.curr(target);
        if (c2 !== null) ctx.examineTask(c2);
        if (c2 === null || this.goodness(p, target, c2.mm) - this.goodness(c2, target, c2.mm) > 0) {
          this.moveWoken(p, cpu, target, ctx);
          return target;
        }
      }
      vals[mi] = S;
    }
  }

  /**
   * PMQS: an idle CPU found through the non-idle bitmap, p moves there; -1 if none (or its lock is busy). Anywhere,
   * searching from p's CPU; or, given the pool [first, end), outside it only (searching from the pool's end).
   */
  private idleElsewhere(cpu: number, p: Task, ctx: SchedCtx, first = 0, end = 0): number {
    const k = this.k;
    ctx.inspect((k.nCpus + 31) >>> 5);
    const outside = end > first;
    const idle = k.findIdleCpu(p, outside ? end % k.nCpus : cpu);
    if (outside && idle >= first && idle < end) return -1;
    if (idle >= 0 && k.curr(idle) === null) {
      if (idle === cpu) return cpu;
      if (ctx.trylock(this.qs[idle]!.lock)) {
        this.moveWoken(p, cpu, idle, ctx);
        return idle;
      }
    }
    return -1;
  }

  /**
   * reschedule_idle moves a woken task to another queue. In the patch the task was never on its old queue, so that
   * queue's published max is left as it was before the wakeup (not recomputed).
   */
  private moveWoken(p: Task, from: number, to: number, ctx: SchedCtx): void {
    ctx.migrate(p, to);
    if (this.savedQ === from) {
      const q = this.qs[from]!;
      const st = this.savedTask;
      if (st === null || (d(st).onList && st.cpu === from)) {
        q.maxNa = this.savedNa;
        q.maxNaTask = st;
      }
    }
    this.savedQ = -1;
  }

  pickNext(cpu: number, _prev: Task | null, ctx: SchedCtx): Task | null {
    const k = this.k;
    const q = this.qs[cpu]!;
    const cur = k.curr(cpu);
    const mm = cur !== null ? cur.mm : 0;
    if (cur !== null && cur.policy === SCHED_RR && d(cur).counter === 0) {
      d(cur).counter = niceToTicks(cur.nice, this.hz);
      if (d(cur).onList) {
        this.del(cpu, cur, ctx);
        this.add(cpu, cur, true);
      }
    }
    for (;;) {
      // (1) local scan
      let next: Task | null = null;
      let c = MIN_GOODNESS;
      let second: Task | null = null;
      let secondNa = MIN_GOODNESS;
      let nextNa = MIN_GOODNESS;
      for (let p = q.head; p !== null; p = p.qNext) {
        ctx.examineTask(p);
        if (!p.allowedOn(cpu)) continue;
        const na = this.naGoodness(p);
        const w = na + (p.mm === mm && na > 0 && na < 1000 ? 1 : 0);
        if (w > c) {
          if (next !== null && next !== cur && nextNa > secondNa) {
            secondNa = nextNa;
            second = next;
          }
          c = w;
          next = p;
          nextNa = na;
        } else if (p !== cur && na > secondNa) {
          secondNa = na;
          second = p;
        }
      }
      q.maxNa = second !== null ? secondNa : MIN_GOODNESS;
      q.maxNaTask = second;
      // (2) affinity bonus of the local winner
      if (c > 0 && c < 1000) c += this.penalty;
      // (3) remote examination, bounded to the pool
      const first = this.poolFirst(cpu);
      const end = this.poolEnd(cpu);
      ctx.inspect(end - first - 1);
      const tried = this.tried;
      const gen = ++this.triedGen;
      for (;;) {
        let best = -1;
        let bestNa = c;
        for (let r = first; r < end; r++) {
          if (r === cpu || tried[r] === gen) continue;
          const rq = this.qs[r]!;
          if (rq.maxNa > bestNa && rq.maxNaTask !== null && rq.maxNaTask.allowedOn(cpu)) {
            bestNa = rq.maxNa;
            best = r;
          }
        }
        if (best < 0) break;
        tried[best] = gen;
        const rq = this.qs[best]!;
        if (!ctx.trylock(rq.lock)) continue;
        const t = rq.maxNaTask;
        if (t !== null) ctx.examineTask(t);
        if (t === null || rq.maxNa <= c || !t.allowedOn(cpu) || k.curr(best) === t || t.cpu !== best || !d(t).onList) continue;
        ctx.migrate(t, cpu);
        // steal done: our local best (if it waits) becomes our published max
        if (next !== null && next !== cur) {
          q.maxNa = this.naGoodness(next);
          q.maxNaTask = next;
        } else {
          q.maxNa = second !== null ? secondNa : MIN_GOODNESS;
          q.maxNaTask = second;
        }
        next = t;
        c = bestNa;
        break;
      }
      if (c !== 0) {
        if (next !== cur) this.lastSchedule[cpu] = ctx.now;
        else if (cur !== null) d(cur).yielding = false; // prev == next: the yield flag is cleared at once
        this.currNa[cpu] = next !== null ? this.naGoodness(next) : MIN_GOODNESS;
        if (next !== null) this.nonIdle.set(cpu);
        else this.nonIdle.clear(cpu);
        return next;
      }
      // (4) recalculation
      recalculateCounters(ctx, this.tasklistLock, k.tasks, this.hz);
    }
  }

  putPrev(): void {
    // prev stays on its queue
  }

  tick(cpu: number, curr: Task): boolean {
    const x = d(curr);
    x.counter -= 1;
    let r = false;
    if (x.counter <= 0) {
      x.counter = 0;
      r = true;
    }
    this.currNa[cpu] = this.naGoodness(curr);
    return r;
  }

  /** 2.4's schedule_tail, which the MQ patch keeps: clear the yield flag, push a preempted prev. */
  wantsScheduleTail(_cpu: number, prev: Task): boolean {
    const x = d(prev);
    const wasYielding = x.yielding;
    x.yielding = false;
    return x.onList && !wasYielding;
  }

  scheduleTail(cpu: number, prev: Task, ctx: SchedCtx): number {
    if (!d(prev).onList || prev.cpu !== cpu || this.k.curr(cpu) === prev) return -1;
    return this.rescheduleIdle(cpu, prev, ctx, cpu);
  }

  yieldTask(cpu: number, curr: Task, ctx: SchedCtx): boolean {
    const k = this.k;
    ctx.inspectUnlocked(k.nCpus);
    const nrPending = this.onQueues - (k.nCpus - k.nrIdle);
    if (nrPending <= 0) return false;
    if (curr.policy !== SCHED_FIFO && curr.policy !== SCHED_RR) d(curr).yielding = true;
    this.del(cpu, curr, ctx);
    this.add(cpu, curr, true);
    return true;
  }

  taskDead(t: Task, reaper: Task | null): void {
    if (reaper === null || reaper.sd === null) return;
    const r = d(reaper);
    r.counter = Math.min(r.counter + d(t).counter, this.maxCounter);
  }

  periodicBalance(cpu: number, ctx: SchedCtx): void {
    const jiffy = Math.round(ctx.now / (1e9 / this.hz));
    if (jiffy === this.lastBalanceJiffy) return;
    this.lastBalanceJiffy = jiffy;
    const n = this.k.nCpus;
    ctx.inspect(n);
    if (this.lb === 'lbc') this.balanceCpus(cpu, ctx);
    else if (this.lb === 'lbp') this.balancePools(cpu, ctx);
  }

  /** Moves one waiting task from queue `src` to queue `dst` (both locked here). Returns false if none can move. */
  private moveOne(src: number, dst: number, ctx: SchedCtx): boolean {
    const k = this.k;
    const q = this.qs[src]!;
    for (let t = q.tail; t !== null; t = t.qPrev) {
      ctx.examine(1);
      if (k.curr(src) === t || !t.allowedOn(dst)) continue;
      ctx.migrate(t, dst);
      this.migrationsByBalancer++;
      return true;
    }
    return false;
  }

  /** lbc: longest to shortest queue until no queue exceeds the average by more than one task. */
  private balanceCpus(cpu: number, ctx: SchedCtx): void {
    const n = this.k.nCpus;
    let total = 0;
    for (let c = 0; c < n; c++) total += this.qs[c]!.n;
    const avg = total / n;
    const locked = new Set<number>([cpu]);
    for (let moves = 0; moves < n; moves++) {
      let hi = 0;
      let lo = 0;
      for (let c = 1; c < n; c++) {
        if (this.qs[c]!.n > this.qs[hi]!.n) hi = c;
        if (this.qs[c]!.n < this.qs[lo]!.n) lo = c;
      }
      if (this.qs[hi]!.n <= avg + 1 || hi === lo) return;
      if (!this.lockBoth(hi, lo, locked, ctx)) return;
      if (!this.moveOne(hi, lo, ctx)) return;
    }
  }

  private lockBoth(a: number, b: number, locked: Set<number>, ctx: SchedCtx): boolean {
    for (const c of [a, b]) {
      if (locked.has(c)) continue;
      ctx.lock(this.qs[c]!.lock);
      locked.add(c);
    }
    return true;
  }

  /** lbp: while the busiest pool exceeds the least loaded by more than lbPct %, move a task between them. */
  private balancePools(cpu: number, ctx: SchedCtx): void {
    const n = this.k.nCpus;
    const ps = this.poolsize > 0 ? this.poolsize : n;
    if (ps >= n) return;
    const locked = new Set<number>([cpu]);
    for (let moves = 0; moves < n; moves++) {
      let hiPool = -1;
      let loPool = -1;
      let hiLoad = -Infinity;
      let loLoad = Infinity;
      for (let f = 0; f < n; f += ps) {
        let load = 0;
        for (let c = f; c < Math.min(f + ps, n); c++) load += this.qs[c]!.n;
        if (load > hiLoad) {
          hiLoad = load;
          hiPool = f;
        }
        if (load < loLoad) {
          loLoad = load;
          loPool = f;
        }
      }
      if (hiLoad * 100 <= loLoad * (100 + this.lbPct) || hiLoad - loLoad < 2) return;
      let src = hiPool;
      for (let c = hiPool; c < Math.min(hiPool + ps, n); c++) if (this.qs[c]!.n > this.qs[src]!.n) src = c;
      let dst = loPool;
      for (let c = loPool; c < Math.min(loPool + ps, n); c++) if (this.qs[c]!.n < this.qs[dst]!.n) dst = c;
      this.lockBoth(src, dst, locked, ctx);
      if (!this.moveOne(src, dst, ctx)) return;
    }
  }

  countQueued(): number {
    let n = 0;
    for (let c = 0; c < this.qs.length; c++) for (let p = this.qs[c]!.head; p !== null; p = p.qNext) if (this.k.curr(c) !== p) n++;
    return n;
  }
}

const common = [
  { name: 'hz', default: 100, unit: 'count', min: 1, max: 10000, meaning: 'timer ticks per second (2.4 on i386: 100)', kernelName: 'HZ' },
  { name: 'procChangePenalty', default: 15, unit: 'count', min: 0, max: 1000, meaning: 'goodness bonus for the CPU a task last ran on', kernelName: 'PROC_CHANGE_PENALTY' },
  { name: 'insert', default: 'head', unit: 'choice', choices: ['head', 'tail'], meaning: 'where a woken task joins its queue' },
  { name: 'syncPull', default: 0, unit: 'bool', meaning: "a sync wakeup puts the task on the waker's queue (0: on its own, as the patches do)" },
] as const;

export const mqsPolicy: PolicyEntry = {
  name: 'mqs',
  description: "IBM's Multi-Queue Scheduler (2.4.14 patch): per-CPU queues and locks, published max_na_goodness, lockless remote scan and trylock steal",
  tunables: [...common],
  create: (v) => new Mqs('mqs', v),
};

export const pmqsPolicy: PolicyEntry = {
  name: 'pmqs',
  description: 'Pooled MQS (ALS 2001): remote scans bounded to pools of CPUs, non-idle bitmap, balancers lboff/ip/lbc/lbp',
  tunables: [
    ...common,
    { name: 'poolsize', default: 4, unit: 'count', min: 1, max: 65536, meaning: 'CPUs per pool (consecutive ids; numaq16: 4 = one pool per node)' },
    { name: 'lb', default: 'lboff', unit: 'choice', choices: ['lboff', 'ip', 'lbc', 'lbp'], meaning: 'load balancer: none, initial placement, CPU-level, pool-level (our definitions, see docs)' },
    { name: 'lbPct', default: 10, unit: 'percent', meaning: 'lbp: imbalance between pools tolerated (lbp-10, lbp-45)' },
    { name: 'lbPeriod', default: 600_000_000, unit: 'ns', meaning: 'period of the lbc/lbp balancer (600 ms in the paper)' },
    { name: 'wakerPool', default: 0, unit: 'bool', meaning: "PMQS reschedule_idle searches the woken task's pool (0: the design note's 'stronger affinity within their local pool') or the waking CPU's (1) [unverified]" },
    { name: 'spill', default: 'between', unit: 'choice', choices: SPILLS, meaning: "how reschedule_idle uses the non-idle bitmap: between = an idle CPU in the pool, else one outside it, else a preemption in the pool; first = an idle CPU anywhere before the pool's search; last = outside the pool only when the pool's search finds no CPU; never = pools never spill [our readings, unverified]" },
  ],
  create: (v) => new Mqs('pmqs', v),
};
