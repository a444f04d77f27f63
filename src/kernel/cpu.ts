/**
 * Per-CPU state owned by the core: what the CPU runs, its pending continuation, the lock it spins on, its tick and
 * its time accounting. (Policies keep their per-CPU runqueue data in structures of their own.)
 *
 * Time accounting protocol. `cursor` is the time up to which this CPU's time has been classified into buckets
 * (user, kernel, sched, spin, idle). Work decided now but executed later (a critical section, a context switch, a
 * syscall's cost) is committed at once, moving the cursor into the future; the open interval from the cursor on
 * belongs to the CPU's current state (user segment, spinning, idle) and is committed when that state ends. At the
 * end of a run the part of the committed future beyond the end is taken back from the most recent commits (`ring`),
 * so every CPU's buckets add up to exactly the run's length.
 */
import type { SpinLock } from './lock.js';
import type { Task } from './task.js';

export const B_USER = 0;
export const B_KERNEL = 1;
export const B_SCHED = 2;
export const B_SPIN = 3;
export const B_IDLE = 4;
export const BUCKET_NAMES = ['user', 'kernel', 'sched', 'spin', 'idle'] as const;

/** What the CPU's pending event does. */
export const PH_NONE = 0;
/** A user compute segment [userFrom, segEnd) ends. */
export const PH_USER_END = 1;
/** Return from a kernel path: pending wakeups, need_resched, then the task's next instruction. */
export const PH_RESUME = 2;
/** The idle CPU was woken (IPI + idle exit): run schedule(). */
export const PH_SCHED = 3;

/** The locked step the CPU is executing or waiting to execute. */
export const STEP_NONE = 0;
export const STEP_SCHED = 1;
export const STEP_WAKE = 2;
export const STEP_YIELD = 3;
export const STEP_TAIL = 4;
/** set_cpus_allowed() on the current task, under its runqueue lock. */
export const STEP_AFFINITY = 5;
/** The migration thread takes a request and moves the task (double_rq_lock). */
export const STEP_MIGRATE = 6;

const RING = 16; // a power of two
/** A CPU's accounting block: 5 buckets, the cursor, 2 spare, then the ring of the last RING commits (bucket, ns). */
const A_CURSOR = 5;
const A_RING = 8;
export const ACCT_STRIDE = A_RING + 2 * RING;

export class Cpu {
  readonly id: number;
  curr: Task | null = null;
  /** Runs its idle task (curr === null) and is not in schedule(). */
  idle = true;
  needResched = false;
  /** 1 while the CPU's continuation event (its lane in the event queue) is pending, else -1; and what it does. */
  ev = -1;
  phase = PH_NONE;
  /** The current or next user compute segment. */
  userFrom = 0;
  segEnd = 0;
  /** When the CPU entered (or will enter) idle. */
  idleFrom = 0;
  /** Lock the CPU spins on, and since when. */
  spinLock: SpinLock | null = null;
  spinFrom = 0;
  /** The locked step in progress, and the lock it takes. */
  step = STEP_NONE;
  stepLock: SpinLock | null = null;
  stepTask: Task | null = null;
  stepFlags = 0;
  stepGen = 0;
  stepCpu = -1;
  /** STEP_AFFINITY: the new mask (null: every CPU). */
  stepMask: Uint32Array | null = null;
  /** Lockless work done before the step's lock (selectCpu), charged after the critical section. */
  stepPreNs = 0;
  /** Interrupt work (ticks) that arrived while spinning, charged after the critical section. */
  deferredNs = 0;
  /** Tasks to wake, in order, with their wake flags, before the CPU continues. */
  /** Pending wakeups [wakeHead, wakeTail) in reused arrays (their length only grows). */
  wakeQ: Task[] = [];
  wakeFlags: number[] = [];
  /** The block generation each wakeup is for (a wakeup for an earlier sleep is dropped). */
  wakeGens: number[] = [];
  wakeHead = 0;
  wakeTail = 0;

  // accounting
  /**
   * The accounting block at acct[base, base + ACCT_STRIDE): the kernel's CPUs share one array, so that a commit
   * touches no per-CPU object but the Cpu and a line or two of that array (with 1024 CPUs, per-CPU arrays and the
   * boxed double of a cursor field were cache misses on every event).
   */
  private readonly acct: Float64Array;
  private readonly base: number;
  /** The buckets (a view of acct). */
  readonly acc: Float64Array;
  private ringN = 0;
  private ringValid = 0;
  nrSwitches = 0;
  /** Bytes of working sets loaded into this CPU's cache so far (a clock of cache pollution). */
  loadedBytes = 0;

  /** `acct`: an array of ACCT_STRIDE doubles per CPU shared by the machine's CPUs (by default, one of its own). */
  constructor(id: number, acct?: Float64Array) {
    this.id = id;
    this.acct = acct ?? new Float64Array(ACCT_STRIDE);
    this.base = acct ? id * ACCT_STRIDE : 0;
    this.acc = this.acct.subarray(this.base, this.base + 5);
  }

  /** Time up to which this CPU's time is classified (see the accounting protocol above). */
  get cursor(): number {
    return this.acct[this.base + A_CURSOR]!;
  }

  /** Classifies the next `ns` of this CPU's time (from the cursor on) into `bucket`. */
  commit(bucket: number, ns: number): void {
    if (ns <= 0) return;
    const a = this.acct;
    const b = this.base;
    a[b + bucket]! += ns;
    a[b + A_CURSOR]! += ns;
    const i = b + A_RING + 2 * (this.ringN++ & (RING - 1));
    a[i] = bucket;
    a[i + 1] = ns;
    if (this.ringValid < RING) this.ringValid++;
  }

  /** Takes back the last `ns` committed (end of run). Throws if more than the ring remembers. */
  uncommit(ns: number): void {
    while (ns > 0) {
      if (this.ringValid === 0) throw new Error(`cpu ${this.id}: cannot take back ${ns} ns of committed time`);
      const a = this.acct;
      const b = this.base;
      const i = b + A_RING + 2 * ((this.ringN - 1) & (RING - 1));
      const take = Math.min(ns, a[i + 1]!);
      a[b + a[i]!]! -= take;
      a[i + 1]! -= take;
      a[b + A_CURSOR]! -= take;
      ns -= take;
      if (a[i + 1]! === 0) {
        this.ringN--;
        this.ringValid--;
      }
    }
  }

  /** Forgets the drained wakeups (no allocation: the arrays keep their length). */
  clearWakes(): void {
    this.wakeHead = this.wakeTail = 0;
  }

  pendingWake(): boolean {
    return this.wakeHead < this.wakeTail;
  }

  pushWake(t: Task, flags: number, gen: number): void {
    const i = this.wakeTail++;
    this.wakeQ[i] = t;
    this.wakeFlags[i] = flags;
    this.wakeGens[i] = gen;
  }
}
