/**
 * rr: the reference policy, the smallest complete example of the policy interface. Round-robin over per-CPU FIFO
 * queues, each under its own lock, with idle CPUs stealing work.
 *
 * Rules
 * 1. Placement (selectCpu): a new task goes to the first idle allowed CPU from the forking CPU upward (priced as the
 *    idle bitmap's words), else to the least loaded allowed CPU (a scan of every runqueue, priced as one inspection
 *    per CPU; ties go to the first found from the forking CPU on). A waking task goes to its previous CPU
 *    if that CPU is idle, else to the first idle allowed CPU found from there upward (priced as the idle bitmap's
 *    words), else back to its previous CPU.
 * 2. A woken task preempts nothing: checkPreempt reschedules the target only when it is idle.
 * 3. The running task keeps its CPU until it blocks, yields or has used `slice` (checked at the tick) while others
 *    wait on its queue; then it goes to the tail of its queue.
 * 4. A CPU about to go idle (nothing local, prev not runnable) steals. Runqueues with waiting tasks are marked in a
 *    shared "overloaded" bitmap (like the root domain's rto_mask of the RT class); the CPU searches it from the next
 *    CPU upward (priced as the bitmap's words), and for the first marked runqueue whose waiting tasks include one it
 *    may run (one task examined each), trylocks that runqueue and takes that task (the one that waited longest).
 *    It gives up after one failed trylock.
 * 5. sched_yield puts the caller at the tail of its queue if others wait there.
 *
 * No priorities, no nice: every task is equal. Not a Linux scheduler; it exists to exercise and document the
 * interface, and as a baseline.
 */
import { CpuMask } from '../kernel/cpumask.js';
import type { SpinLock } from '../kernel/lock.js';
import { TaskList } from '../kernel/tasklist.js';
import { WF_FORK, type KernelView, type PolicyEntry, type SchedCtx, type SchedPolicy, type TunableValues } from '../kernel/sched-class.js';
import type { Task } from '../kernel/task.js';

interface RrTask {
  sliceLeft: number;
}

class RrQueue extends TaskList {
  constructor(readonly lock: SpinLock) {
    super();
  }
}

class RoundRobin implements SchedPolicy {
  readonly name = 'rr';
  readonly globalQueue = false;
  readonly hz: number;
  private readonly sliceNs: number;
  private k!: KernelView;
  private rqs: RrQueue[] = [];
  private queued = 0;
  private overloaded!: CpuMask;

  constructor(v: TunableValues) {
    this.sliceNs = v.slice as number;
    this.hz = v.hz as number;
  }

  attach(k: KernelView): void {
    this.k = k;
    this.rqs = Array.from({ length: k.nCpus }, (_, c) => new RrQueue(k.newLock(`rq[${c}].lock`)));
    this.overloaded = new CpuMask(k.nCpus);
  }

  initTask(t: Task): void {
    const d: RrTask = { sliceLeft: this.sliceNs };
    t.sd = d;
  }

  rqLock(cpu: number): SpinLock {
    return this.rqs[cpu]!.lock;
  }

  tickLock(cpu: number): SpinLock | null {
    return this.rqs[cpu]!.lock;
  }

  private load(cpu: number): number {
    return this.rqs[cpu]!.n + (this.k.curr(cpu) !== null ? 1 : 0);
  }

  selectCpu(t: Task, wakerCpu: number, flags: number, ctx: SchedCtx): number {
    const k = this.k;
    const n = k.nCpus;
    if (flags & WF_FORK) {
      ctx.inspect((n + 31) >>> 5);
      const idle = k.findIdleCpu(t, wakerCpu);
      if (idle >= 0) return idle;
      let best = -1;
      let bestLoad = Infinity;
      for (let i = 0; i < n; i++) {
        const c = (wakerCpu + i) % n;
        if (!t.allowedOn(c)) continue;
        const l = this.load(c);
        if (l < bestLoad) {
          bestLoad = l;
          best = c;
          if (l === 0) break;
        }
      }
      ctx.inspect(n);
      return best;
    }
    const prev = t.cpu;
    if (t.allowedOn(prev) && k.isIdle(prev)) return prev;
    ctx.inspect((n + 31) >>> 5);
    const idle = k.findIdleCpu(t, prev);
    if (idle >= 0) return idle;
    if (t.allowedOn(prev)) return prev;
    for (let c = 0; c < n; c++) if (t.allowedOn(c)) return c;
    return prev;
  }

  enqueue(cpu: number, t: Task): void {
    this.push(cpu, t);
  }

  dequeue(cpu: number, t: Task): void {
    // the running task is not in the queue; a waiting one is
    if (t.qNext !== null || t.qPrev !== null || this.rqs[cpu]!.head === t) this.remove(cpu, t);
  }

  private push(cpu: number, t: Task): void {
    const q = this.rqs[cpu]!;
    q.pushTail(t);
    this.queued++;
    if (q.n === 1) this.overloaded.set(cpu);
  }

  private remove(cpu: number, t: Task): void {
    const q = this.rqs[cpu]!;
    q.remove(t);
    this.queued--;
    if (q.n === 0) this.overloaded.clear(cpu);
  }

  checkPreempt(cpu: number): number {
    return this.k.isIdle(cpu) ? cpu : -1;
  }

  balance(cpu: number, prev: Task | null, ctx: SchedCtx): void {
    if (prev !== null || this.rqs[cpu]!.n > 0 || this.queued === 0) return;
    const n = this.k.nCpus;
    const mask = this.overloaded;
    ctx.inspect(mask.nWords);
    // the marked runqueues from the next CPU upward (wrapping), until one holds a task this CPU may run
    let c = mask.findFrom(cpu + 1 === n ? 0 : cpu + 1);
    for (let seen = 0; c >= 0 && seen < mask.count; seen++) {
      const q = this.rqs[c]!;
      for (let t = q.head; t !== null; t = t.qNext) {
        ctx.examine(1);
        if (t.allowedOn(cpu)) {
          if (ctx.trylock(q.lock)) ctx.migrate(t, cpu);
          return;
        }
      }
      c = mask.findFrom(c + 1 === n ? 0 : c + 1);
    }
  }

  pickNext(cpu: number, prev: Task | null): Task | null {
    const q = this.rqs[cpu]!;
    if (prev !== null && (q.n === 0 || (prev.sd as RrTask).sliceLeft > 0)) return prev;
    const t = q.head;
    if (t === null) return prev;
    this.remove(cpu, t);
    return t;
  }

  putPrev(cpu: number, prev: Task): void {
    (prev.sd as RrTask).sliceLeft = this.sliceNs;
    this.push(cpu, prev);
  }

  tick(cpu: number, curr: Task): boolean {
    const d = curr.sd as RrTask;
    d.sliceLeft -= this.k.tickNs;
    if (d.sliceLeft > 0) return false;
    if (this.rqs[cpu]!.n > 0) return true;
    d.sliceLeft = this.sliceNs;
    return false;
  }

  yieldTask(cpu: number, curr: Task): boolean {
    if (this.rqs[cpu]!.n === 0) return false;
    (curr.sd as RrTask).sliceLeft = 0;
    return true;
  }

  countQueued(): number {
    return this.queued;
  }
}

export const rrPolicy: PolicyEntry = {
  name: 'rr',
  description: 'reference round-robin: per-CPU FIFO queues and locks, idle CPUs steal, no priorities',
  tunables: [
    { name: 'slice', default: 10_000_000, unit: 'ns', meaning: 'time a task runs before the next waiting task on its CPU gets a turn' },
    { name: 'hz', default: 250, unit: 'count', min: 1, max: 10000, meaning: 'timer ticks per second', kernelName: 'CONFIG_HZ' },
  ],
  create: (v) => new RoundRobin(v),
};
