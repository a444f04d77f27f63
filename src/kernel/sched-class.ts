/**
 * THE policy interface: a sched_class-like table of hooks that separates the kernel core from scheduling policies.
 * The core never names a policy; policies never move tasks or touch CPUs themselves: they return decisions (a CPU,
 * a task, a boolean, migrations through ctx.migrate) and the core carries them out and checks them.
 *
 * Locks and cost. Every hook that runs inside a kernel path receives the path's SchedCtx. The core has already taken
 * the lock the policy declared for that path (rqLock / tickLock); the hook prices the work it does with
 * ctx.examine() (task structures looked at), ctx.inspect() (remote runqueues read), ctx.addNs(), and may take further
 * locks with ctx.lock() / ctx.trylock(). The core turns that into hold time with the machine's cost table.
 *
 * Queue membership. enqueue/dequeue keep the set of runnable tasks (including running ones, as in Linux: a running
 * task stays "on the runqueue"). Whether a policy keeps the current task inside its own list (2.4, O(1)) or outside
 * (CFS's curr, rr) is the policy's affair; pickNext/putPrev tell it when the current task changes.
 *
 * Global queues. A policy with `globalQueue` (Linux 2.4, PLS) may return from pickNext a task whose task.cpu is
 * another CPU: the core then moves it (set_task_cpu). A per-CPU policy must only return tasks queued on this CPU
 * (task.cpu === cpu); pulls go through ctx.migrate in balance().
 */
import type { Machine } from '../machine/topology.js';
import type { Rng } from '../engine/rng.js';
import type { SpinLock } from './lock.js';
import type { Task } from './task.js';

/** Wake and enqueue flags (as Linux's WF_* / ENQUEUE_*). */
export const WF_SYNC = 1; // the waker will sleep soon (pipe/socket wakeups)
export const WF_FORK = 2; // a new task (wake_up_new_task)
export const WF_IRQ = 4; // woken from interrupt context (a timer, the network softirq), not by a task
export const ENQ_WAKEUP = 8;
export const ENQ_MIGRATE = 16;
export const ENQ_NEW = 32;
/** Dequeue flags. */
export const DEQ_SLEEP = 1;
export const DEQ_EXIT = 2;
export const DEQ_MIGRATE = 4;

/** What a policy may ask of the kernel (read-only views and lock creation). */
export interface KernelView {
  readonly machine: Machine;
  readonly nCpus: number;
  /** Current simulated time (ns). In a hook, use ctx.now instead: it includes the work done so far in the path. */
  readonly now: number;
  /** Tick period in ns (1e9 / HZ) and HZ. */
  readonly tickNs: number;
  readonly hz: number;
  /** Task currently running on cpu, or null when the CPU runs its idle task. */
  curr(cpu: number): Task | null;
  /** True if the CPU runs its idle task (or is about to). */
  isIdle(cpu: number): boolean;
  /** First idle CPU allowed for t, scanning upward from `from` and wrapping; -1 if none. Price it with ctx.inspect. */
  findIdleCpu(t: Task, from: number): number;
  /** Number of idle CPUs. */
  readonly nrIdle: number;
  /** All live tasks (not yet reaped), in no particular order; for policies that walk every task (2.4 recalculation). */
  readonly tasks: readonly Task[];
  /** Creates a lock owned by the policy (call in attach). */
  newLock(name: string): SpinLock;
  /** A named random stream derived from the run seed. */
  rng(name: string): Rng;
  /** Task-structure colouring: spread task structures over `colours` cache offsets (docs/design.md). Call in attach. */
  setTaskColours(colours: number): void;
}

/** The context of one kernel path on one CPU: pricing of work and nested locking. One instance, reused. */
export interface SchedCtx {
  /** CPU executing the path. */
  readonly cpu: number;
  /** Time inside the path: grant time plus the work priced so far. */
  readonly now: number;
  /** Priced: n task structures examined (a goodness() evaluation, a list walk step), each a cache miss. */
  examine(n: number): void;
  /**
   * Priced: task t's structure examined. A cache hit if this CPU read or wrote it since it was last written elsewhere
   * (CPUs 0-31 are tracked; others always miss); otherwise a cache miss, plus a cache-line transfer from the CPU t last
   * ran on when that is another CPU (the line is modified in that CPU's cache).
   */
  examineTask(t: Task): void;
  /** Unpriced bookkeeping: this CPU wrote task t's structure (2.4's recalculation), invalidating other copies. */
  writeTask(t: Task): void;
  /** Priced: n remote runqueue summaries read (lockless, a cache line each). */
  inspect(n: number): void;
  /** Priced: an explicit amount of ns. */
  addNs(ns: number): void;
  /** Priced: one cache line pulled from CPU `from`. */
  line(from: number): void;
  /** Takes another lock inside this path (spins until free, FIFO-free); it is held until the path ends. */
  lock(l: SpinLock): void;
  /** Takes another lock only if free now; returns false (and counts a failure) otherwise. */
  trylock(l: SpinLock): boolean;
  /** Asks the core to move runnable (not running) task t to `toCpu`'s runqueue now (dequeue, set_task_cpu, enqueue). */
  migrate(t: Task, toCpu: number): void;
  /** Priced, outside the lock: n remote summaries read before the path took its lock (e.g. 2.4's nr_pending scan). */
  inspectUnlocked(n: number): void;
  /** Asks the core to set need_resched on `cpu` when this path ends (with an IPI if it is another CPU). */
  resched(cpu: number): void;
}

export interface TunableDecl {
  /** Parameter name on the command line (`--sched o1:hz=1000`). */
  readonly name: string;
  readonly default: number | string;
  /** 'ns' (accepts durations like 10ms), 'count', 'bool' (0/1), 'percent', 'choice' ... */
  readonly unit: string;
  readonly meaning: string;
  /** The kernel's name for it, where there is one. */
  readonly kernelName?: string;
  /** Allowed values for unit 'choice'. */
  readonly choices?: readonly string[];
  /** Inclusive bounds for numeric values. */
  readonly min?: number;
  readonly max?: number;
}

export type TunableValues = Record<string, number | string>;

export interface SchedPolicy {
  readonly name: string;
  /** pickNext may return tasks queued for other CPUs (one global runqueue). */
  readonly globalQueue: boolean;
  /** HZ this kernel ran at (2.4 on i386: 100; 2.6: 1000; modern distributions: 250). */
  readonly hz: number;
  /**
   * Whether this kernel's pipes and AF_UNIX sockets wake readers and writers with the sync hint (modern kernels:
   * wake_up_interruptible_sync_poll). 2.4 and 2.6.0 used plain wake_up_interruptible on the normal path (the sync
   * variant only when the writer was about to block, not modelled). Default true.
   */
  readonly syncIpcWakeups?: boolean;

  /** Called once, before any task exists: create locks and per-CPU state. */
  attach(k: KernelView): void;

  /**
   * A task is created (parent null for tasks the workload spawns). Set t.sd. Called by the forking CPU without the
   * runqueue lock, before the new task is first enqueued; the policy may split the parent's slice here (fork).
   */
  initTask(t: Task, parent: Task | null, ctx: SchedCtx): void;

  /** The lock that guards `cpu`'s runqueue (a policy with one global queue returns the same lock for every CPU). */
  rqLock(cpu: number): SpinLock;

  /** The lock scheduler_tick takes on `cpu`, or null if the tick takes none (2.4). */
  tickLock(cpu: number): SpinLock | null;

  /**
   * Choose the runqueue for a waking or new task (select_task_rq). Called by the waking CPU `wakerCpu` with no
   * runqueue lock held (lockless reads; price them). Must return a CPU the task is allowed on.
   */
  selectCpu(t: Task, wakerCpu: number, flags: number, ctx: SchedCtx): number;

  /**
   * t becomes runnable on cpu's runqueue (wakeup, fork, migration arrival). Under rqLock(cpu). flags: ENQ_WAKEUP,
   * ENQ_NEW or ENQ_MIGRATE, with the wakeup's WF_SYNC / WF_FORK / WF_IRQ bits; ctx.cpu is the waking CPU.
   */
  enqueue(cpu: number, t: Task, flags: number, ctx: SchedCtx): void;

  /** t leaves cpu's runqueue (sleep, exit, migration departure). Under rqLock(cpu). t may be the running task. */
  dequeue(cpu: number, t: Task, flags: number, ctx: SchedCtx): void;

  /**
   * After enqueueing t on cpu at a wakeup or fork (under rqLock(cpu)): which CPU should reschedule? Return that CPU
   * (the core sets its need_resched and sends an IPI if it is remote), or -1. 2.4's reschedule_idle() lives here.
   */
  checkPreempt(cpu: number, t: Task, wakerCpu: number, flags: number, ctx: SchedCtx): number;

  /** Optional: before picking, pull work (newidle balance). Under rqLock(cpu); use ctx.lock/trylock and ctx.migrate. */
  balance?(cpu: number, prev: Task | null, ctx: SchedCtx): void;

  /**
   * Pick the task to run next on cpu, or null for idle. Under rqLock(cpu). `prev` is the current task if it is still
   * runnable (it may be chosen again), else null. The returned task must be runnable and allowed on cpu.
   */
  pickNext(cpu: number, prev: Task | null, ctx: SchedCtx): Task | null;

  /** The runnable task prev stops running on cpu (preempted or yielded) and waits again. Under rqLock(cpu). */
  putPrev(cpu: number, prev: Task, ctx: SchedCtx): void;

  /** Timer tick on a CPU running `curr` (scheduler_tick). Under tickLock(cpu) if any. Return true to reschedule. */
  tick(cpu: number, curr: Task, ctx: SchedCtx): boolean;

  /**
   * Periodic load balancing from the tick (rebalance_tick / trigger_load_balance) on a busy or idle CPU; under
   * rqLock(cpu). Optional.
   */
  periodicBalance?(cpu: number, ctx: SchedCtx): void;

  /**
   * Optional: the tick of an idle CPU (defining it makes idle CPUs tick: the kernel is not tickless). Under
   * rqLock(cpu). To wake the CPU (work was pulled to it), ctx.resched(cpu).
   */
  idleTick?(cpu: number, ctx: SchedCtx): void;

  /** How often periodicBalance runs on a busy CPU, in ticks (0: never). */
  readonly balanceTicks?: number;

  /**
   * Optional, lockless, right after a context switch away from a task that is still runnable or was yielding (2.4's
   * schedule_tail: clears the yield flag). Return true to run scheduleTail under rqLock(cpu).
   */
  wantsScheduleTail?(cpu: number, prev: Task): boolean;

  /** Under rqLock(cpu) after the switch: offer the preempted prev to other CPUs (2.4's reschedule_idle push). */
  scheduleTail?(cpu: number, prev: Task, ctx: SchedCtx): number;

  /** sched_yield() by curr on cpu. Under rqLock(cpu). Return true if schedule() should follow. */
  yieldTask(cpu: number, curr: Task, ctx: SchedCtx): boolean;

  /** Optional: a zombie t is reaped by `reaper` (release_task; 2.4 returns the child's counter to the parent). */
  taskDead?(t: Task, reaper: Task | null): void;

  /**
   * Optional: set_cpus_allowed() hands a task that must leave its CPU to that CPU's migration thread (Linux 2.6.0's
   * migration_thread: a SCHED_FIFO kernel thread at the top realtime priority, created by the core at the first
   * request); the caller sleeps until the thread has moved it. Without it, the core moves the task itself at its next
   * schedule() (no thread, no extra switches: how much a kernel without a migration thread paid is not modelled).
   */
  readonly migrationThread?: boolean;

  /**
   * Optional: sched_balance_exec() at an exec: the CPU to move the exec'ing task to before its new program loads, or
   * -1 to stay (2.6.0 on NUMA machines: sched_best_cpu()). Lockless, on the exec'ing CPU; price the reads.
   */
  balanceExec?(cpu: number, t: Task, ctx: SchedCtx): number;

  /** Runnable tasks the policy holds that are not currently running (for the invariant checker). */
  countQueued(): number;
}

/** A registered policy: a name, its tunables, and a factory. */
export interface PolicyEntry {
  readonly name: string;
  readonly description: string;
  readonly tunables: readonly TunableDecl[];
  create(values: TunableValues): SchedPolicy;
}
