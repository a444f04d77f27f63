/**
 * The task: what the core knows of a process or thread (the generic half of task_struct). A policy keeps its own
 * per-task data in the object it stores in `sd`, and may link tasks into its queues through `qNext`/`qPrev`
 * (an intrusive list like task_struct's run_list: a task sits in at most one policy list at a time).
 *
 * States (the core's; a policy never changes them):
 *   RUNNABLE  on a runqueue, waiting for a CPU          RUNNING  current on a CPU (task.cpu)
 *   BLOCKED   sleeping (channel, timer, child)          ZOMBIE   exited, not reaped      DEAD  reaped
 * A task that blocks stays current on its CPU until that CPU's schedule() dequeues it; a wakeup in that window just
 * makes it RUNNING again (as try_to_wake_up does for a task still on_rq).
 */
import type { Program } from '../workloads/program.js';

export const TASK_RUNNABLE = 0;
export const TASK_RUNNING = 1;
export const TASK_BLOCKED = 2;
export const TASK_ZOMBIE = 3;
export const TASK_DEAD = 4;
export const TASK_STATE_NAMES = ['runnable', 'running', 'blocked', 'zombie', 'dead'] as const;

/** Scheduling classes (policy field), numbered as in Linux. */
export const SCHED_NORMAL = 0;
export const SCHED_FIFO = 1;
export const SCHED_RR = 2;
export const SCHED_BATCH = 3;
export const SCHED_IDLE = 5;

/** What a blocked task waits for. */
export const WAIT_NONE = 0;
export const WAIT_READ = 1;
export const WAIT_WRITE = 2;
export const WAIT_TIMER = 3;
export const WAIT_CHILD = 4;
/** set_cpus_allowed()'s wait_for_completion(): the migration thread moves the task, then completes the request. */
export const WAIT_MIGRATION = 5;
/** A kernel thread with nothing to do (the migration thread on an empty migration queue). */
export const WAIT_KTHREAD = 6;
/** A TCP socket another task owns (2.4's __lock_sock: TASK_UNINTERRUPTIBLE until release_sock wakes it). */
export const WAIT_SOCKLOCK = 7;

export class Task {
  readonly id: number;
  /** Process id = thread group leader's id for threads. */
  tgid: number;
  /** Address space id; 0 for kernel threads. Tasks with the same mm are threads of one process. */
  mm: number;
  name: string;
  /** A kernel thread the core created (the migration threads): left out of the workload's task counts and metrics. */
  kthread = false;
  state = TASK_RUNNABLE;
  /** Nice value -20..19. */
  nice = 0;
  /** Scheduling class: SCHED_NORMAL, SCHED_FIFO, SCHED_RR, SCHED_BATCH or SCHED_IDLE. */
  policy = SCHED_NORMAL;
  /** Real-time priority 1..99 for FIFO/RR, 0 otherwise. */
  rtPriority = 0;
  /** Affinity: bitmask words over CPU ids, or null for all CPUs. */
  allowed: Uint32Array | null = null;
  /** CPU whose runqueue holds the task, or where it runs or last ran (task_cpu()). */
  cpu = 0;
  /** CPU it last ran on, or -1 if it never ran (for migration distance and refill). */
  lastRanCpu = -1;
  /** NUMA node its memory lives on (first touch: the node it first computed on), -1 before that. */
  memNode = -1;
  parent: Task | null;
  /** Live children (not yet reaped). */
  nChildren = 0;
  /** Zombie children waiting to be reaped: zombies[zombieHead..] (a queue without shifts). */
  zombies: Task[] | null = null;
  zombieHead = 0;

  /** Policy-owned per-task scheduling data. */
  sd: unknown = null;
  /** Intrusive links for the policy's queues. */
  qNext: Task | null = null;
  qPrev: Task | null = null;

  // Program interpretation
  prog: Program;
  pc = 0;
  loops: Int32Array;
  fds: Int32Array;
  cursor = 0;
  /**
   * CPUs holding a valid copy of the lines schedulers read in this task's structure (bit i: CPU i, CPUs 0-31 only).
   * A write (switch in or out, wakeup, recalculation) leaves the writer's copy only; a scan adds the scanner's; the
   * CPU's cache evicts it (Kernel.taskCacheTouch).
   */
  cachedOn = 0;
  /** CPU that last wrote those lines (-1: none since creation); its copy is modified while it is the only one. */
  writer = -1;
  /** Nodes (0-31) holding a valid copy of those lines in some cache (a CPU's, or a NUMA-Q quad's remote cache). */
  nodesOn = 0;
  /** Remaining ns of the COMPUTE instruction at pc (0: not started), at the memory speed memMilli stands for. */
  remainingNs = 0;
  /** The remote-memory stretch (x1000) remainingNs was computed with: a resume on another node rescales it. */
  memMilli = 1000;
  /** The CPU's loadedBytes right after this task last started running there (what it has evicted since). */
  cacheMark = 0;
  /** User time owed to cache refill (after a migration, or after others evicted it), added when it next computes. */
  refillDebtNs = 0;
  waitKind = WAIT_NONE;
  /** Incremented every time the task blocks; a wakeup carries the generation it was meant for. */
  blockGen = 0;
  /** Link in a channel's wait queue. */
  waitNext: Task | null = null;
  /** Woken from a socket lock's wait queue and not yet owner: sleeping on it again keeps the head (Kernel's SockLock). */
  lockRetry = false;

  // Accounting
  /** User CPU time received. */
  sumExecNs = 0;
  /** Time it became runnable by a wakeup or fork (for wakeup latency), or -1. */
  wakeAt = -1;
  createdAt: number;
  exitedAt = -1;
  nrSwitches = 0;
  nrMigrations = 0;
  /** Copy-on-write after a fork: the other side, the address space shared at the fork, pages still to fault. */
  cowPeer: Task | null = null;
  cowMm = 0;
  cowPending = 0;
  /** sched_balance_exec: the affinity mask to restore once the exec-time move is done (undefined: none pending). */
  execMask: Uint32Array | null | undefined = undefined;


  constructor(id: number, prog: Program, parent: Task | null, mm: number, now: number, fds: Int32Array) {
    this.id = id;
    this.tgid = id;
    this.prog = prog;
    this.parent = parent;
    this.mm = mm;
    this.name = prog.name;
    this.loops = new Int32Array(prog.loopSlots);
    this.fds = fds;
    this.createdAt = now;
  }

  /** True if the task may run on `cpu`. */
  allowedOn(cpu: number): boolean {
    const m = this.allowed;
    return m === null || (m[cpu >>> 5]! & (1 << (cpu & 31))) !== 0;
  }

  isRealtime(): boolean {
    return this.policy === SCHED_FIFO || this.policy === SCHED_RR;
  }
}

/** Builds an affinity mask from a list of CPU ids. */
export function cpuMask(nCpus: number, cpus: Iterable<number>): Uint32Array {
  const m = new Uint32Array((nCpus + 31) >>> 5);
  for (const c of cpus) m[c >>> 5]! |= 1 << (c & 31);
  return m;
}

/** The affinity mask of CPUs lo .. hi - 1. */
export function rangeMask(nCpus: number, lo: number, hi: number): Uint32Array {
  const m = new Uint32Array((nCpus + 31) >>> 5);
  for (let c = lo; c < hi; c++) m[c >>> 5]! |= 1 << (c & 31);
  return m;
}
