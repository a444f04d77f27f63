/**
 * The simulated kernel core: tasks, CPUs, the kernel paths schedulers drive (schedule, wakeup, tick, fork, exit,
 * wait, yield, sleep), reschedule IPIs, locks as timed resources, and time accounting. The core never names a
 * policy: it calls the hooks of kernel/sched-class.ts and checks what they return.
 *
 * Event kinds: EV_CPU (a CPU's continuation), EV_TICK (a jiffy: every busy CPU's tick), EV_IPI (reschedule IPI arrives),
 * EV_GRANT (a lock passes to the next spinning CPU), EV_TIMER (a sleeping task's timer).
 *
 * Protocol of a locked kernel path ("step") on CPU c at time now:
 * 1. Lockless work before the lock (selectCpu) is priced but charged after the critical section.
 * 2. c requests the path's lock (policy.rqLock). Free: granted at now + the lock line's transfer from its last
 *    holder. Busy: c spins in FIFO order until the holder's section ends, then the line moves to c.
 * 3. At the grant the critical section runs with the state as of then: the policy decides and declares its work;
 *    the hold time is lockNs + the path's base cost + the priced work. Its effects (enqueue, pick) become visible at
 *    the grant, i.e. up to one hold time early to lockless readers: the error this model accepts.
 * 4. After the release, c pays what follows (context switch, the lockless pre-work, deferred interrupts) and
 *    continues at a known time. Nothing touches shared state at a future time: every later interaction is an event.
 *
 * Other rules:
 * - A syscall's own cost (entry, copy) is charged before the wakeups it causes (pipe_write copies, then wakes).
 * - need_resched is honoured at the next preemption point: at once for a CPU in user mode (IPI or tick return), at
 *   the end of the current kernel path otherwise (no kernel preemption, as in 2.4 and non-PREEMPT kernels).
 * - An idle CPU takes no ticks (tickless) unless the policy defines idleTick; a woken idle CPU pays the IPI latency
 *   and the idle exit.
 * - Wakeups from timers and the workload's initial spawns run in interrupt context: they take locks without
 *   queueing (waiting until the lock is free) and their time is charged to no CPU.
 * - Ticks on a busy CPU steal time from what runs there; their lock is taken without queueing.
 *
 * Follows the structure of Linux kernel/sched/core.c (__schedule, try_to_wake_up, scheduler_tick, do_sched_yield,
 * wake_up_new_task) as common ground of the 2.4, 2.6 and modern kernels; the policy hooks carry the differences.
 */
import { EventQueue } from '../engine/event-queue.js';
import { Rng } from '../engine/rng.js';
import { Histogram } from '../metrics/histogram.js';
import type { Machine } from '../machine/topology.js';
import {
  OP_COMPUTE,
  OP_COMPUTE_EXP,
  OP_COMPUTE_UNIF,
  OP_COUNT,
  OP_EXEC,
  OP_EXIT,
  OP_FORK,
  OP_LOOP,
  OP_MARK,
  OP_MIGRATION,
  OP_NAMES,
  OP_POLL,
  OP_RECV,
  OP_SEND,
  OP_SEND_RR,
  OP_SETAFFINITY,
  OP_SLEEP,
  OP_WAIT,
  OP_YIELD,
  ProgramBuilder,
  type Program,
} from '../workloads/program.js';
import {
  ACCT_STRIDE,
  B_IDLE,
  B_KERNEL,
  B_SCHED,
  B_SPIN,
  B_USER,
  Cpu,
  PH_NONE,
  PH_RESUME,
  PH_SCHED,
  PH_USER_END,
  STEP_AFFINITY,
  STEP_MIGRATE,
  STEP_NONE,
  STEP_SCHED,
  STEP_TAIL,
  STEP_WAKE,
  STEP_YIELD,
} from './cpu.js';
import { CpuMask } from './cpumask.js';
import { Channel, SockLock, TCP_LOOPBACK_MSS, TCP_RCV_MSS } from './ipc.js';
import { SpinLock } from './lock.js';
import {
  DEQ_EXIT,
  DEQ_MIGRATE,
  DEQ_SLEEP,
  ENQ_MIGRATE,
  ENQ_NEW,
  ENQ_WAKEUP,
  WF_FORK,
  WF_SYNC,
  WF_IRQ,
  type KernelView,
  type SchedCtx,
  type SchedPolicy,
} from './sched-class.js';
import {
  SCHED_FIFO,
  SCHED_NORMAL,
  TASK_BLOCKED,
  TASK_DEAD,
  TASK_RUNNABLE,
  TASK_RUNNING,
  TASK_ZOMBIE,
  Task,
  WAIT_CHILD,
  WAIT_KTHREAD,
  WAIT_MIGRATION,
  WAIT_NONE,
  WAIT_READ,
  WAIT_SOCKLOCK,
  WAIT_TIMER,
  WAIT_WRITE,
  rangeMask,
} from './task.js';

const EV_CPU = 1;
const EV_TICK = 2; // one per jiffy for the whole machine
const EV_IPI = 3;
const EV_GRANT = 4;
const EV_TIMER = 5;
const EV_ACK = 6; // a TCP receiver's delayed-ACK timer (target: the channel)

/** Optional observers (traces); they never steer the run. */
export interface KernelObserver {
  onSwitch?(cpu: number, prev: Task | null, next: Task | null, t: number): void;
  onWakeup?(task: Task, targetCpu: number, wakerCpu: number, t: number): void;
  onMigrate?(task: Task, fromCpu: number, toCpu: number, t: number): void;
  onFork?(parent: Task | null, child: Task, t: number): void;
  onExit?(task: Task, t: number): void;
}

export interface KernelOptions {
  machine: Machine;
  policy: SchedPolicy;
  seed: number;
  /** Overrides the policy's HZ. */
  hz?: number;
  /** Check invariants after every event (tests; slow). */
  checkInvariants?: boolean;
  observer?: KernelObserver;
}

export interface SpawnOptions {
  name?: string;
  nice?: number;
  policy?: number;
  rtPriority?: number;
  allowed?: Uint32Array | null;
  /** Channel ids behind the task's file descriptors. */
  fds?: number[];
  /** Address-space group: tasks spawned with the same key are threads of one process. */
  mmKey?: string;
  /** CPU the spawning parent runs on (where the task is created; its memory node). */
  cpu?: number;
}

/** Thrown for errors in the simulated world that are the input's fault (a program that never advances time). */
export class ModelError extends Error {}

class Ctx implements SchedCtx {
  cpu = 0;
  start = 0;
  cost = 0;
  spin = 0;
  /** Priced work done outside the path's lock. */
  outside = 0;
  /**
   * CPUs to reschedule when the path ends: reschedTo[0, nResched). The array is reused and its length only grows
   * (setting an array's length is a call into the runtime, on every path).
   */
  private readonly reschedTo: number[] = [];
  private nResched = 0;
  private readonly nested: SpinLock[] = [];
  private readonly nestedAt: number[] = [];
  private nNested = 0;
  /** The lock the path itself holds (taking it again would deadlock). */
  primary: SpinLock | null = null;

  constructor(private readonly k: Kernel) {}

  begin(cpu: number, t: number): void {
    this.cpu = cpu;
    this.start = t;
    this.cost = 0;
    this.spin = 0;
    this.outside = 0;
    this.nResched = 0;
    this.nNested = 0;
    this.primary = null;
  }

  get now(): number {
    return this.start + this.cost;
  }

  examine(n: number): void {
    this.cost += n * this.k.machine.examineNs[this.cpu]!;
    this.k.examined += n;
  }

  examineTask(t: Task): void {
    const cpu = this.cpu;
    const k = this.k;
    const m = k.machine;
    const bit = cpu < 32 ? 1 << cpu : 0;
    const held = t.cachedOn;
    k.tasksExamined++;
    if ((held & bit) !== 0) {
      k.taskHits++;
      this.cost += k.cost.llcHitNs;
    } else {
      const w = t.writer;
      const node = m.cpuNode[cpu]!;
      if (w >= 0 && w !== cpu && (w >= 32 || held === 1 << w)) {
        // modified in the writer's cache only: a miss plus the line's transfer from there
        this.cost += m.examineNs[cpu]! + m.lineNs(w, cpu);
      } else if (node < 32 && (t.nodesOn & (1 << node)) !== 0) {
        // a clean copy on this CPU's node (another CPU's cache; on a NUMA-Q the quad's remote cache): local latency
        this.cost += k.cost.taskExamineNs;
      } else this.cost += m.examineNs[cpu]!;
      if (node < 32) t.nodesOn |= 1 << node;
    }
    k.taskCacheTouch(t, cpu);
    k.examined++;
  }

  writeTask(t: Task): void {
    this.k.taskWritten(t, this.cpu);
  }

  inspect(n: number): void {
    this.cost += n * this.k.cost.rqInspectNs;
    this.k.inspected += n;
  }

  addNs(ns: number): void {
    this.cost += ns;
  }

  line(from: number): void {
    this.cost += this.k.machine.lineNs(from, this.cpu);
  }

  lock(l: SpinLock): void {
    if (l === this.primary) throw new Error(`lock ${l.name} is already held by this path (self-deadlock)`);
    // taken again later in the same path (released and re-taken in the kernel): already ours until the path ends
    for (let i = 0; i < this.nNested; i++) if (this.nested[i] === l) return;
    const t = this.start + this.cost;
    const wait = l.busyUntil > t ? l.busyUntil - t : 0;
    const xfer = l.lastCpu >= 0 ? this.k.machine.lineNs(l.lastCpu, this.cpu) : 0;
    l.acquisitions++;
    if (wait > 0 || l.qLen > 0) {
      l.contended++;
      l.recordWait(wait + xfer);
      this.spin += wait;
    }
    this.cost += wait + xfer + this.k.cost.lockNs;
    l.lastCpu = this.cpu;
    l.busyUntil = Infinity; // held until finish()
    this.nested[this.nNested] = l;
    this.nestedAt[this.nNested] = this.start + this.cost;
    this.nNested++;
  }

  trylock(l: SpinLock): boolean {
    if (!l.freeAt(this.start + this.cost)) {
      l.trylockFailures++;
      return false;
    }
    this.lock(l);
    return true;
  }

  migrate(t: Task, toCpu: number): void {
    this.k.migrateQueued(t, toCpu, this);
  }

  inspectUnlocked(n: number): void {
    this.outside += n * this.k.cost.rqInspectNs;
    this.k.inspected += n;
  }

  resched(cpu: number): void {
    if (!(cpu >= 0 && cpu < this.k.nCpus)) throw new Error(`policy ${this.k.policy.name}: resched of CPU ${cpu}`);
    this.reschedTo[this.nResched++] = cpu;
  }

  /** Sends the reschedules the path asked for, from `fromCpu` (-1: interrupt context) at time `at`. */
  flushResched(fromCpu: number, at: number): void {
    const r = this.reschedTo;
    const n = this.nResched;
    this.nResched = 0;
    for (let i = 0; i < n; i++) this.k.resched(r[i]!, fromCpu, at);
  }

  /** Releases the nested locks at `end`. */
  finish(end: number): void {
    for (let i = 0; i < this.nNested; i++) {
      const l = this.nested[i]!;
      l.busyUntil = end;
      l.recordHold(end - this.nestedAt[i]!);
      this.k.lockReleased(l);
    }
    this.nNested = 0;
  }
}

export class Kernel implements KernelView {
  readonly machine: Machine;
  readonly policy: SchedPolicy;
  readonly nCpus: number;
  readonly cost: Machine['cost'];
  readonly hz: number;
  readonly tickNs: number;
  readonly seed: number;
  readonly q: EventQueue;
  readonly cpus: Cpu[];
  readonly locks: SpinLock[] = [];
  readonly channels: Channel[] = [];
  readonly programs: Program[] = [];
  /** Descriptor tables a FORK instruction can give a child. */
  readonly fdTables: Int32Array[] = [];
  /** (id, time) pairs recorded by MARK instructions, flat. */
  readonly marks: number[] = [];
  /** Live tasks (not reaped), in no particular order. */
  readonly tasks: Task[] = [];
  /** Every task ever created, by id. */
  readonly allTasks: Task[] = [];
  readonly latency = new Histogram();
  readonly observer: KernelObserver | null;
  private readonly check: boolean;
  private readonly ctx: Ctx;
  private readonly rngs = new Map<string, Rng>();
  private readonly workRng: Rng;
  /** Wakeups that found their task still current on its CPU (blocking, not yet dequeued) and made it running there. */
  onCpuWakeups = 0;
  /** Machine `spinlocks: tas`: test-and-set hand-over (lock.ts, point 5). */
  private readonly tasLocks: boolean;
  /** Its random stream (the seed's "spinlocks" stream); null with FIFO locks. */
  private readonly lockRng: Rng | null;
  /** Machine `wakeups: locked`: a wakeup of a task still current on its CPU takes that CPU's runqueue lock. */
  private readonly lockedWakeups: boolean;
  private readonly idleMask: CpuMask;
  /** CPUs whose tick is armed, and the pending jiffy event. */
  private readonly tickArmed: CpuMask;
  private tickEv = -1;
  /** Cache (bytes) a CPU keeps working sets in. */
  private readonly cacheBytes: number;
  /** The policy's kernel ticks on idle CPUs too (not tickless). */
  private readonly idleTicks: boolean;
  private nextMm = 1;
  private readonly mmKeys = new Map<string, number>();
  private taskIndex: Int32Array = new Int32Array(1024);
  /** Per CPU: the migration thread (created at the first request) and its queue of requests (newest last). */
  private readonly migThreads: (Task | null)[];
  private readonly migQueues: (Task[] | null)[];
  private migProgram: Program | null = null;

  now = 0;
  /** Runnable tasks waiting for a CPU (state RUNNABLE). */
  nrWaiting = 0;
  nrIdle: number;
  /** Tasks alive (not zombie or dead); the run ends when it drops to 0 after tasks existed. */
  nrLive = 0;
  finishedAt = -1;

  // statistics
  events = 0;
  contextSwitches = 0;
  readonly migrations = new Float64Array(5);
  ipis = 0;
  wakeups = 0;
  ticks = 0;
  examined = 0;
  /** Task structures examined one by one (ctx.examineTask), and how many of them were cache hits. */
  tasksExamined = 0;
  taskHits = 0;
  inspected = 0;
  forks = 0;
  /** Loopback TCP: data segments sent, writes Nagle held, pure ACKs sent (by the delayed-ACK timer), segments prequeued. */
  tcpSegments = 0;
  tcpHeldWrites = 0;
  tcpPureAcks = 0;
  tcpTimerAcks = 0;
  tcpPrequeued = 0;
  /** Socket locks (channels with sockLock): calls that found their socket owned and slept (__lock_sock). */
  sockLockSleeps = 0;
  /** set_cpus_allowed() calls that had to move the task off its CPU, and how many of them a migration thread did. */
  affinityMoves = 0;
  migrationThreadMoves = 0;
  /** Per-CPU caches of task scheduler lines (CPUs 0-31): sets x ways task ids, most recent first, -1 empty. */
  private taskCache!: Int32Array;
  private tcSets = 1;
  private readonly tcWays: number;
  throughput = 0;
  private wasteNs = 0;
  private wasteT = 0;
  /** Integral of the number of waiting tasks over time (ns x tasks). */
  waitingIntegral = 0;

  constructor(opts: KernelOptions) {
    this.machine = opts.machine;
    this.policy = opts.policy;
    this.nCpus = opts.machine.nCpus;
    this.cost = opts.machine.cost;
    this.hz = opts.hz ?? opts.policy.hz;
    this.tickNs = Math.round(1e9 / this.hz);
    this.seed = opts.seed;
    this.check = opts.checkInvariants ?? false;
    this.observer = opts.observer ?? null;
    const acct = new Float64Array(this.nCpus * ACCT_STRIDE); // the CPUs' time accounting, one block each
    this.cpus = Array.from({ length: this.nCpus }, (_, i) => new Cpu(i, acct));
    this.migThreads = new Array<Task | null>(this.nCpus).fill(null);
    this.migQueues = new Array<Task[] | null>(this.nCpus).fill(null);
    this.q = new EventQueue(4096, this.nCpus); // lane c: CPU c's continuation
    this.idleMask = new CpuMask(this.nCpus);
    this.tickArmed = new CpuMask(this.nCpus);
    this.cacheBytes = Math.max(1, this.cost.cacheKb * 1024);
    this.tcWays = Math.max(1, this.cost.cacheWays);
    this.setTaskColours(1);
    for (let c = 0; c < this.nCpus; c++) this.idleMask.set(c);
    this.nrIdle = this.nCpus;
    this.ctx = new Ctx(this);
    this.workRng = this.rng('workload');
    this.tasLocks = this.machine.spinlocks === 'tas';
    this.lockRng = this.tasLocks ? this.rng('spinlocks') : null;
    this.lockedWakeups = this.machine.wakeups === 'locked';
    this.policy.attach(this);
    this.idleTicks = this.policy.idleTick !== undefined;
    if (this.idleTicks) for (let c = 0; c < this.nCpus; c++) this.armTick(c);
  }

  // ---------------------------------------------------------------- KernelView

  curr(cpu: number): Task | null {
    return this.cpus[cpu]!.curr;
  }

  /** Idle and not already woken for a queued task (Linux's available_idle_cpu()). */
  isIdle(cpu: number): boolean {
    const c = this.cpus[cpu]!;
    return c.idle && !c.needResched;
  }

  findIdleCpu(t: Task, from: number): number {
    const mask = this.idleMask;
    let c = mask.findFrom(from);
    if (t.allowed === null) return c;
    for (let seen = 0; c >= 0 && seen < mask.count; seen++) {
      if (t.allowedOn(c)) return c;
      c = mask.findFrom(c + 1 === this.nCpus ? 0 : c + 1);
    }
    return -1;
  }

  newLock(name: string): SpinLock {
    const l = new SpinLock(this.locks.length, name, this.nCpus);
    this.locks.push(l);
    return l;
  }

  rng(name: string): Rng {
    let r = this.rngs.get(name);
    if (!r) {
      r = new Rng(this.seed, name);
      this.rngs.set(name, r);
    }
    return r;
  }

  // ---------------------------------------------------------------- world building

  addProgram(p: Program): number {
    this.programs.push(p);
    return this.programs.length - 1;
  }

  addFdTable(fds: number[]): number {
    this.fdTables.push(Int32Array.from(fds));
    return this.fdTables.length - 1;
  }

  /**
   * Adds a channel of the given capacity in payload bytes: a pipe, an AF_UNIX stream socket, a loopback TCP
   * connection (one direction: its reader is woken from the network softirq, WF_IRQ), or an in-process queue between
   * threads (a mutex and condition variable: priced like a pipe, woken without the sync hint, as LinuxThreads'
   * signal-based condition variables were). Pipes and sockets wake with WF_SYNC if the policy's kernel did.
   */
  addChannel(capacity: number, kind: 'pipe' | 'socket' | 'tcp' | 'queue' = 'pipe', nagle = false, sockLock = false): number {
    const k = this.cost;
    const opNs = kind === 'socket' ? k.sockOpNs : kind === 'tcp' ? k.tcpOpNs : k.pipeOpNs;
    const sync = (kind === 'pipe' || kind === 'socket') && this.policy.syncIpcWakeups !== false;
    const ch = new Channel(this.channels.length, capacity, opNs, sync ? WF_SYNC : kind === 'tcp' ? WF_IRQ : 0, kind === 'tcp' ? 0.5 : 0, kind === 'tcp' && nagle);
    if (kind === 'tcp' && sockLock) {
      // each direction's two endpoints; pairChannels makes the writer's endpoint the partner's reader endpoint
      ch.rdLock = new SockLock();
      ch.wrLock = new SockLock();
    }
    this.channels.push(ch);
    return ch.id;
  }

  /**
   * Makes two TCP channels the two directions of one connection: each endpoint has one wait queue for its readers
   * and writers (2.4's sk->sleep), so a wakeup for one also wakes the other (Channel.partner).
   */
  pairChannels(a: number, b: number): void {
    const x = this.channels[a];
    const y = this.channels[b];
    if (x === undefined || y === undefined || x === y) throw new ModelError(`pairChannels: channels ${a} and ${b} must be two existing channels`);
    x.partner = y;
    y.partner = x;
    if (x.rdLock !== null && y.rdLock !== null) {
      x.wrLock = y.rdLock;
      y.wrLock = x.rdLock;
    }
  }

  /** Creates a task at the current time with no parent and wakes it (wake_up_new_task), in interrupt context. */
  spawn(program: number, o: SpawnOptions = {}): Task {
    const cpu = o.cpu ?? 0;
    let mm: number;
    if (o.mmKey !== undefined) {
      mm = this.mmKeys.get(o.mmKey) ?? this.nextMm++;
      this.mmKeys.set(o.mmKey, mm);
    } else mm = this.nextMm++;
    const t = this.createTask(this.programs[program]!, null, mm, cpu, Int32Array.from(o.fds ?? []));
    if (o.name) t.name = o.name;
    t.nice = o.nice ?? 0;
    t.policy = o.policy ?? SCHED_NORMAL;
    t.rtPriority = o.rtPriority ?? 0;
    t.allowed = o.allowed ?? null;
    if (!t.allowedOn(t.cpu)) t.cpu = this.firstAllowed(t);
    this.ctx.begin(cpu, this.now);
    this.policy.initTask(t, null, this.ctx);
    this.ctx.flushResched(-1, this.now);
    this.observer?.onFork?.(null, t, this.now);
    this.wakeInterrupt(t, WF_FORK);
    return t;
  }

  private createTask(prog: Program, parent: Task | null, mm: number, cpu: number, fds: Int32Array): Task {
    const t = new Task(this.allTasks.length, prog, parent, mm, this.now, fds);
    if (parent && parent.mm === mm) t.tgid = parent.tgid;
    t.cpu = cpu;
    // memory is placed by first touch: a thread shares its parent's, a process's pages land where it first runs
    t.memNode = parent !== null && parent.mm === mm ? parent.memNode : -1;
    t.state = TASK_BLOCKED; // TASK_NEW until its first wakeup
    t.blockGen++;
    this.allTasks.push(t);
    if (this.taskIndex.length <= t.id) {
      const ni = new Int32Array(this.taskIndex.length * 2);
      ni.set(this.taskIndex);
      this.taskIndex = ni;
    }
    this.taskIndex[t.id] = this.tasks.length;
    this.tasks.push(t);
    this.nrLive++;
    this.forks++;
    return t;
  }

  private removeTask(t: Task): void {
    const i = this.taskIndex[t.id]!;
    const last = this.tasks.pop()!;
    if (last !== t) {
      this.tasks[i] = last;
      this.taskIndex[last.id] = i;
    }
  }

  private firstAllowed(t: Task): number {
    for (let c = 0; c < this.nCpus; c++) if (t.allowedOn(c)) return c;
    throw new ModelError(`task ${t.name} (${t.id}) may run on no CPU of this ${this.nCpus}-CPU machine`);
  }

  // ---------------------------------------------------------------- the loop

  /** Runs events up to and including time `until`; stops early when every task has exited. */
  run(until: number): void {
    const q = this.q;
    while (this.finishedAt < 0 && q.popUntil(until)) {
      if (q.time < this.now) throw new Error(`time went backwards: ${q.time} < ${this.now}`);
      this.now = q.time;
      this.events++;
      const target = q.target;
      switch (q.kind) {
        case EV_CPU:
          this.onCpuEvent(this.cpus[target]!);
          break;
        case EV_TICK:
          this.onJiffy();
          break;
        case EV_IPI:
          this.onIpi(this.cpus[target]!);
          break;
        case EV_GRANT:
          this.onGrant(this.locks[target]!);
          break;
        case EV_TIMER:
          this.onTimer(this.allTasks[target]!);
          break;
        case EV_ACK: {
          const ch = this.channels[target]!;
          if (ch.ackTimerAt === this.now) this.onAckTimer(ch);
          break;
        }
      }
      if (this.check) this.checkInvariants();
    }
    if (this.finishedAt < 0 && until !== Infinity && this.now < until) this.now = until;
  }

  private setEvent(c: Cpu, t: number, phase: number): void {
    c.phase = phase;
    c.ev = 1;
    this.q.setLane(c.id, t, EV_CPU);
  }

  private onCpuEvent(c: Cpu): void {
    const phase = c.phase;
    c.ev = -1;
    c.phase = PH_NONE;
    if (phase === PH_USER_END) {
      const t = c.curr!;
      const ran = this.now - c.userFrom;
      c.commit(B_USER, ran);
      t.sumExecNs += ran;
      t.remainingNs = 0;
      t.pc++;
      this.resume(c);
    } else if (phase === PH_RESUME) {
      this.resume(c);
    } else if (phase === PH_SCHED) {
      c.commit(B_IDLE, this.now - c.cursor);
      this.requestStep(c, STEP_SCHED, this.policy.rqLock(c.id));
    }
  }

  /** The CPU is at a preemption point at `now` with its time committed up to now: decide what it does next. */
  private resume(c: Cpu): void {
    if (c.step !== STEP_NONE) {
      this.requestLock(c, c.stepLock!);
      return;
    }
    if (c.pendingWake()) {
      this.wakeStep(c);
      return;
    }
    if (c.wakeTail > 0) c.clearWakes();
    if (c.needResched || c.curr === null || c.curr.state !== TASK_RUNNING) {
      this.requestStep(c, STEP_SCHED, this.policy.rqLock(c.id));
      return;
    }
    this.runOps(c, c.curr);
  }

  /** The CPU continues at time t >= now (its time committed up to t). */
  private continueAt(c: Cpu, t: number): void {
    if (t <= this.now) {
      this.resume(c);
      return;
    }
    const task = c.curr;
    if (task !== null && !c.pendingWake() && !c.needResched && task.state === TASK_RUNNING && c.step === STEP_NONE) {
      const op = this.runPureOps(task, t);
      if (op === OP_COMPUTE || op === OP_COMPUTE_EXP || op === OP_COMPUTE_UNIF) {
        this.startCompute(c, task, t);
        return;
      }
    }
    this.setEvent(c, t, PH_RESUME);
  }

  /**
   * Executes the instructions that touch no shared state (LOOP, COUNT, MARK) at time t, ahead of the event that
   * would reach them, and returns the opcode now at pc. Saves an event per loop iteration; COUNT and MARK keep
   * their exact time (MARK records t; a COUNT is visible up to one instruction early).
   */
  private runPureOps(task: Task, t: number): number {
    const p = task.prog;
    for (let guard = 0; guard < 1000; guard++) {
      const pc = task.pc;
      const op = p.op[pc]!;
      if (op === OP_LOOP) {
        const slot = p.c[pc]!;
        const count = p.b[pc]!;
        const n = ++task.loops[slot]!;
        if (count < 0 || n < count) task.pc = p.a[pc]!;
        else {
          task.loops[slot] = 0;
          task.pc++;
        }
      } else if (op === OP_COUNT) {
        this.throughput += p.a[pc]!;
        task.pc++;
      } else if (op === OP_MARK) {
        this.marks.push(p.a[pc]!, t);
        task.pc++;
      } else return op;
    }
    return -1;
  }

  /**
   * Copy-on-write faults after a fork, charged as kernel time before the task's next compute: a page copy
   * (cowFaultNs) while the other side still shares the address space, a quarter of it (reuse, no copy) once the
   * other side has exec'd or exited. This is what makes child-runs-first pay (lat_proc).
   */
  private cowFaults(c: Cpu, task: Task): number {
    const peer = task.cowPeer!;
    const shared = peer.state < TASK_ZOMBIE && peer.mm === peer.cowMm && task.mm === task.cowMm;
    const cost = task.cowPending * (shared ? this.cost.cowFaultNs : Math.round(this.cost.cowFaultNs / 4));
    task.cowPending = 0;
    task.cowPeer = null;
    c.commit(B_KERNEL, cost);
    return cost;
  }

  private startCompute(c: Cpu, task: Task, t: number): void {
    if (task.cowPending > 0) t += this.cowFaults(c, task);
    let d = task.remainingNs;
    if (d <= 0) {
      const p = task.prog;
      const pc = task.pc;
      const op = p.op[pc]!;
      if (op === OP_COMPUTE) d = p.a[pc]!;
      else if (op === OP_COMPUTE_EXP) d = this.workRng.exp(p.a[pc]!);
      else d = this.workRng.uniform(p.a[pc]!, p.b[pc]!);
      if (task.memNode < 0) task.memNode = this.machine.cpuNode[c.id]!; // first touch
      task.memMilli = 1000; // a new segment's time is at local memory speed
    }
    // the segment, new or resumed after preemption (perhaps on another node), runs at this CPU's memory speed
    const f = task.memNode < 0 ? 1000 : this.machine.memSlowdownMilli(c.id, task.memNode);
    if (f !== task.memMilli) {
      d = Math.round((d * f) / task.memMilli);
      task.memMilli = f;
    }
    // the refill owed since the task last computed (a migration, or other tasks' evictions), new segment or resumed
    if (task.refillDebtNs > 0) {
      d += task.refillDebtNs;
      task.refillDebtNs = 0;
    }
    if (d < 1) d = 1;
    task.remainingNs = d;
    c.userFrom = t;
    c.segEnd = t + d;
    this.setEvent(c, t + d, PH_USER_END);
  }

  // ---------------------------------------------------------------- task programs

  /** Wakes every reader blocked on the channel (they retry their read); from a CPU's path, or from a timer (null). */
  private wakeReaders(c: Cpu | null, ch: Channel): void {
    const head = ch.readersHead;
    ch.readersHead = ch.readersTail = null;
    this.wakeWaitList(c, head, ch.wakeFlags);
  }

  /** Wakes every writer blocked on the channel (they retry their write). */
  private wakeWriters(c: Cpu | null, ch: Channel): void {
    const head = ch.writersHead;
    ch.writersHead = ch.writersTail = null;
    this.wakeWaitList(c, head, ch.wakeFlags);
  }

  /** Wakes a wait list already detached from its channel (linked through waitNext). */
  private wakeWaitList(c: Cpu | null, head: Task | null, flags: number): void {
    let t = head;
    while (t !== null) {
      const nx: Task | null = t.waitNext;
      t.waitNext = null;
      if (c !== null) c.pushWake(t, flags, t.blockGen);
      else this.wakeBlockedFromIrq(t, flags);
      t = nx;
    }
  }

  /** A blocked task woken from interrupt context (a timer): running again if still on its CPU, else a wakeup. */
  private wakeBlockedFromIrq(t: Task, flags: number): void {
    if (t.state !== TASK_BLOCKED) return;
    if (this.isOnCpu(t)) {
      t.state = TASK_RUNNING;
      t.waitKind = WAIT_NONE;
    } else this.wakeInterrupt(t, flags);
  }

  // ------------------------------------------------------- loopback TCP with Nagle, delayed ACKs and the prequeue
  // Linux 2.4.17 net/ipv4/tcp.c (tcp_sendmsg, tcp_recvmsg, cleanup_rbuf), tcp_input.c (tcp_event_data_recv,
  // __tcp_ack_snd_check), tcp_output.c (tcp_send_delayed_ack, tcp_event_data_sent), tcp_timer.c (tcp_delack_timer),
  // include/net/tcp.h (tcp_nagle_check with Minshall's rule, tcp_prequeue). A channel is one direction; its sender
  // endpoint reads `partner`, its receiver endpoint sends on `partner`.

  /** The jiffy `ticks` jiffies after the current one, as a time (2.4 timers fire on ticks). */
  private jiffyAfter(ticks: number): number {
    return (Math.floor(this.now / this.tickNs) + ticks) * this.tickNs;
  }

  private armAckTimer(ch: Channel, at: number): void {
    ch.ackTimerAt = at;
    this.q.schedule(at, EV_ACK, ch.id);
  }

  /**
   * The sender endpoint of ch transmits a data segment of n bytes (tcp_transmit_skb). It carries an ACK of what the
   * endpoint has processed of the other direction (tcp_event_ack_sent), and a reply within the ACK timeout of the
   * last data received puts the endpoint in interactive mode (tcp_event_data_sent).
   */
  private tcpTransmit(c: Cpu | null, ch: Channel, n: number): void {
    const rev = ch.partner;
    let acks = false;
    if (rev !== null) {
      if (rev.lrcv >= 0 && this.now - rev.lrcv < this.tcpAtoNs()) rev.pingpong = true;
      if (rev.rcvSinceAck > 0) {
        this.tcpAckSent(rev);
        acks = true;
      }
    }
    ch.unacked = true;
    this.tcpSegments++;
    this.tcpArrive(c, ch, n, acks);
  }

  /** TCP_ATO_MIN (HZ/25), the delayed-ACK timeout a busy connection converges to. */
  private tcpAtoNs(): number {
    return this.tickNs * Math.max(1, Math.floor(this.hz / 25));
  }

  /** The receiver endpoint of ch sent an ACK (tcp_event_ack_sent): nothing is due, the timer is cleared. */
  private tcpAckSent(ch: Channel): void {
    ch.rcvSinceAck = 0;
    ch.ackTimerAt = -1;
    if (ch.quick > 0) ch.quick--; // tcp_dec_quickack_mode
  }

  /**
   * A segment reaches the receiver endpoint of ch: n data bytes (0: a pure ACK) and, if `acks`, an ACK for the data
   * the endpoint sent on ch.partner. While a reader of ch waits in recv the segment goes to the prequeue (tcp_v4_rcv,
   * tcp_prequeue): the first one wakes the endpoint's wait queue and, unless an ACK is already due, sets the
   * delayed-ACK timer to 3 x TCP_RTO_MIN / 4; TCP processes them when the reader runs. Otherwise TCP processes the
   * segment now and data wakes the endpoint's queue (sock_def_readable).
   */
  private tcpArrive(c: Cpu | null, ch: Channel, n: number, acks: boolean): void {
    if (n > 0) ch.bytes += n;
    if (ch.ucopy) {
      this.tcpPrequeued++;
      ch.preRcv += n;
      if (acks) ch.preAckPartner = true;
      if (++ch.preCount === 1) {
        this.wakeEndpoint(c, ch);
        if (ch.rcvSinceAck === 0) this.armAckTimer(ch, this.jiffyAfter(Math.max(1, Math.floor((3 * this.hz) / 20))));
      }
      return;
    }
    if (acks && ch.partner !== null) this.tcpAckArrives(c, ch.partner);
    if (n > 0) {
      this.tcpRcvData(c, ch, n);
      this.wakeEndpoint(c, ch);
    }
  }

  /** Wakes the wait queue of the endpoint that reads ch: its readers and the writers of ch.partner. */
  private wakeEndpoint(c: Cpu | null, ch: Channel): void {
    this.wakeReaders(c, ch);
    if (ch.partner !== null) this.wakeWriters(c, ch.partner);
  }

  /**
   * The receiver endpoint of ch processes n data bytes (tcp_event_data_recv, __tcp_ack_snd_check): ACK at once if
   * more than TCP_MIN_RCVMSS bytes are unacknowledged (every segment of chat is smaller, so rcv_mss stays at 536) or
   * in quick-ACK mode, else a delayed ACK. A gap longer than the RTO (TCP_RTO_MIN) restarts quick ACKs.
   */
  private tcpRcvData(c: Cpu | null, ch: Channel, n: number): void {
    if (ch.lrcv < 0) ch.quick = 16; // the first data: tcp_incr_quickack (rcv_wnd / (2 x 536) capped at TCP_MAX_QUICKACKS)
    else if (this.now - ch.lrcv > this.tickNs * Math.max(1, Math.floor(this.hz / 5))) ch.quick = 16;
    ch.lrcv = this.now;
    ch.rcvSinceAck += n;
    if (ch.rcvSinceAck > TCP_RCV_MSS || (ch.quick > 0 && !ch.pingpong)) this.tcpSendAck(c, ch);
    else this.tcpDelayedAck(c, ch);
  }

  /**
   * tcp_send_delayed_ack: the timer fires TCP_ATO_MIN after the current jiffy; a timer already set keeps its earlier
   * time, and one due within ato/4 (a jiffy) means an ACK now.
   */
  private tcpDelayedAck(c: Cpu | null, ch: Channel): void {
    const ato = Math.max(1, Math.floor(this.hz / 25));
    const at = this.jiffyAfter(ato);
    if (ch.ackTimerAt >= 0) {
      if (ch.ackTimerAt <= this.jiffyAfter(ato >> 2)) {
        this.tcpSendAck(c, ch);
        return;
      }
      if (ch.ackTimerAt <= at) return;
    }
    this.armAckTimer(ch, at);
  }

  /** The receiver endpoint of ch sends a pure ACK (tcp_send_ack); it reaches ch's sender endpoint. */
  private tcpSendAck(c: Cpu | null, ch: Channel): void {
    this.tcpPureAcks++;
    this.tcpAckSent(ch);
    const rev = ch.partner;
    if (rev === null) this.tcpAckProcess(c, ch);
    else this.tcpArrive(c, rev, 0, true);
  }

  /** An ACK for ch's data reaches ch's sender endpoint and is processed (not prequeued). */
  private tcpAckArrives(c: Cpu | null, ch: Channel): void {
    this.tcpAckProcess(c, ch);
  }

  /** tcp_ack: the small segment in flight is acknowledged; what Nagle held leaves as one segment. */
  private tcpAckProcess(c: Cpu | null, ch: Channel): void {
    ch.unacked = false;
    if (ch.held > 0) {
      const h = ch.held;
      ch.held = 0;
      this.tcpTransmit(c, ch, h);
    }
  }

  /** tcp_prequeue_process: the reader endpoint of ch processes what waited in its prequeue, in order. */
  private tcpPrequeueProcess(c: Cpu | null, ch: Channel): void {
    const n = ch.preRcv;
    const acks = ch.preAckPartner;
    ch.preCount = 0;
    ch.preRcv = 0;
    ch.preAckPartner = false;
    if (acks && ch.partner !== null) this.tcpAckArrives(c, ch.partner);
    if (n > 0) this.tcpRcvData(c, ch, n);
  }

  /**
   * tcp_delack_timer: the prequeue is processed first (the reader did not run in time), then a due ACK is sent; a
   * connection in interactive mode leaves it (pingpong = 0), so that its next drained read ACKs at once.
   */
  private onAckTimer(ch: Channel): void {
    ch.ackTimerAt = -1;
    if (ch.preCount > 0) this.tcpPrequeueProcess(null, ch);
    if (ch.rcvSinceAck > 0) {
      ch.pingpong = false;
      this.tcpTimerAcks++;
      this.tcpSendAck(null, ch);
    }
  }

  /** Runs the task's next instruction at `now`: pure ones first, then a compute segment or one system call. */
  private runOps(c: Cpu, task: Task): void {
    const p = task.prog;
    const k = this.cost;
    {
      const op = this.runPureOps(task, this.now);
      if (op < 0) throw new ModelError(`program "${p.name}" of task ${task.id} loops without computing, sleeping or blocking`);
      const pc = task.pc;
      if (op === OP_COMPUTE || op === OP_COMPUTE_EXP || op === OP_COMPUTE_UNIF) {
        this.startCompute(c, task, this.now);
        return;
      }
      // Kernel entry: the syscall runs at now, its own cost is committed, then wakeups / schedule() follow.
      let cost = k.syscallNs;
      // the TCP socket the call owns until it ends (lock_sock), if the channel models socket locks
      let own: SockLock | null = null;
      switch (op) {
        case OP_SEND:
        case OP_SEND_RR: {
          const bytes = p.b[pc]!;
          const fd = op === OP_SEND ? p.a[pc]! : p.a[pc]! + (task.cursor % p.c[pc]!);
          const ch = this.channels[task.fds[fd]!]!;
          if (ch === undefined) throw new ModelError(`program "${p.name}": fd ${fd} is not open`);
          if (this.sockLockSleep(task, ch.wrLock)) break;
          own = ch.wrLock;
          if (ch.bytes + ch.held + bytes > ch.capacity) {
            task.state = TASK_BLOCKED;
            task.blockGen++;
            task.waitKind = WAIT_WRITE;
            ch.addWriter(task);
            break;
          }
          ch.messages++;
          cost += ch.opNs + Math.round((bytes * k.copyNsPerKb) / 1024) + this.channelLines(ch, c.id);
          if (op === OP_SEND_RR) task.cursor++;
          task.pc++;
          if (ch.nagle) {
            // tcp_nagle_check: a small segment waits while earlier data is unacknowledged, and later writes join it
            if (!ch.unacked) this.tcpTransmit(c, ch, bytes);
            else {
              this.tcpHeldWrites++;
              ch.held += bytes;
              if (ch.held >= TCP_LOOPBACK_MSS) {
                // a full-sized segment passes Nagle's test
                const h = ch.held;
                ch.held = 0;
                this.tcpTransmit(c, ch, h);
              }
            }
            break;
          }
          ch.bytes += bytes;
          if (ch.wakeFlags === WF_IRQ) this.tcpSegments++; // loopback TCP without Nagle: every write is a segment
          // sock_def_readable / pipe_write: wake the readers (and, for TCP, everyone on that endpoint's queue)
          this.wakeReaders(c, ch);
          if (ch.partner !== null) this.wakeWriters(c, ch.partner);
          break;
        }
        case OP_RECV: {
          const bytes = p.b[pc]!;
          const ch = this.channels[task.fds[p.a[pc]!]!]!;
          if (ch === undefined) throw new ModelError(`program "${p.name}": fd ${p.a[pc]} is not open`);
          if (this.sockLockSleep(task, ch.rdLock)) break;
          own = ch.rdLock;
          // tcp_recvmsg: the reader owns the socket (lock_sock), so what arrives meanwhile is not prequeued (2.4 puts it
          // on the backlog for release_sock; the model processes it at once); a reader that waited processes its
          // endpoint's prequeue first
          if (ch.nagle) ch.ucopy = false;
          if (ch.preCount > 0) this.tcpPrequeueProcess(c, ch);
          if (ch.bytes < bytes) {
            task.state = TASK_BLOCKED;
            task.blockGen++;
            task.waitKind = WAIT_READ;
            ch.addReader(task);
            if (ch.nagle) ch.ucopy = true; // tcp_data_wait with ucopy.task set
            break;
          }
          ch.bytes -= bytes;
          if (ch.nagle) {
            // cleanup_rbuf: a due ACK goes now if more than rcv_mss is unacknowledged, or if this read drained the
            // queue of a connection not in interactive mode (chat's small segments are PSH segments: TCP_ACK_PUSHED)
            if (ch.rcvSinceAck > 0 && (ch.rcvSinceAck > TCP_RCV_MSS || (!ch.pingpong && ch.bytes === 0))) this.tcpSendAck(c, ch);
          }
          cost += ch.opNs + Math.round((bytes * k.copyNsPerKb) / 1024) + this.channelLines(ch, c.id);
          task.pc++;
          // a writer waits (SOCK_NOSPACE): TCP wakes it once tcp_wspace >= tcp_min_write_space, with the readers of
          // the same endpoint
          if (ch.writersHead === null) break;
          const queued = ch.bytes + ch.held;
          if (ch.capacity - queued < queued * ch.writeWakeRatio) break;
          this.wakeWriters(c, ch);
          if (ch.partner !== null) this.wakeReaders(c, ch.partner);
          break;
        }
        case OP_POLL: {
          const ch = this.channels[task.fds[p.a[pc]!]!]!;
          if (ch === undefined) throw new ModelError(`program "${p.name}": fd ${p.a[pc]} is not open`);
          if (ch.bytes === 0) {
            task.state = TASK_BLOCKED;
            task.blockGen++;
            task.waitKind = WAIT_READ;
            ch.addReader(task);
          } else task.pc++;
          break;
        }
        case OP_YIELD:
          task.pc++;
          c.commit(B_KERNEL, cost);
          this.requestStep(c, STEP_YIELD, this.policy.rqLock(c.id), this.now + cost);
          return;
        case OP_SLEEP:
          task.pc++;
          task.state = TASK_BLOCKED;
          task.blockGen++;
          task.waitKind = WAIT_TIMER;
          this.q.schedule(this.now + cost + p.a[pc]!, EV_TIMER, task.id);
          break;
        case OP_FORK: {
          const flags = p.b[pc]!;
          const thread = (flags & 1) !== 0;
          const ft = p.c[pc]!;
          const child = this.createTask(this.programs[p.a[pc]!]!, task, thread ? task.mm : this.nextMm++, c.id, ft >= 0 ? this.fdTables[ft]! : task.fds);
          child.nice = task.nice;
          child.policy = task.policy;
          child.rtPriority = task.rtPriority;
          child.allowed = task.allowed;
          task.nChildren++;
          this.ctx.begin(c.id, this.now);
          this.policy.initTask(child, task, this.ctx);
          if ((flags & 2) === 0) cost += thread ? Math.round(k.forkNs / 4) : k.forkNs;
          cost += this.ctx.cost + this.ctx.outside;
          this.ctx.flushResched(c.id, this.now);
          if (!thread) {
            // copy-on-write: both sides fault on the pages they write next; a copy while the other still shares
            task.cowPeer = child;
            child.cowPeer = task;
            task.cowMm = task.mm;
            child.cowMm = child.mm;
            task.cowPending = task.prog.cowPages;
            child.cowPending = child.prog.cowPages;
            child.memNode = task.memNode; // the pages are the parent's until copied
          }
          this.observer?.onFork?.(task, child, this.now);
          task.pc++;
          c.pushWake(child, WF_FORK, child.blockGen);
          break;
        }
        case OP_SETAFFINITY: {
          const first = p.a[pc]!;
          const lo = Math.max(0, first);
          const hi = Math.min(this.nCpus, first + p.b[pc]!);
          if (hi <= lo)
            throw new ModelError(`program "${p.name}": setaffinity to CPUs ${first}-${first + p.b[pc]! - 1}, none of which this ${this.nCpus}-CPU machine has`);
          task.pc++;
          c.stepTask = task;
          c.stepMask = lo === 0 && hi === this.nCpus ? null : rangeMask(this.nCpus, lo, hi);
          c.commit(B_KERNEL, cost);
          this.requestStep(c, STEP_AFFINITY, this.policy.rqLock(c.id), this.now + cost);
          return;
        }
        case OP_MIGRATION:
          // a kernel thread: no system call entry
          this.requestStep(c, STEP_MIGRATE, this.policy.rqLock(c.id));
          return;
        case OP_EXEC:
          if (task.execMask !== undefined) {
            // back from sched_balance_exec's move (the same execve): sched_migrate_task restores the mask
            task.allowed = task.execMask;
            task.execMask = undefined;
            cost = 0;
          } else if (this.policy.balanceExec !== undefined) {
            const ctx = this.ctx;
            ctx.begin(c.id, this.now);
            const to = this.policy.balanceExec(c.id, task, ctx);
            cost += ctx.cost + ctx.outside;
            if (to >= 0 && to !== c.id && task.allowedOn(to)) {
              // sched_migrate_task(): set_cpus_allowed(p, cpumask_of_cpu(to)), then the old mask back; the exec
              // itself runs on the new CPU (this instruction again)
              task.execMask = task.allowed;
              c.stepTask = task;
              c.stepMask = rangeMask(this.nCpus, to, to + 1);
              c.commit(B_KERNEL, cost);
              this.requestStep(c, STEP_AFFINITY, this.policy.rqLock(c.id), this.now + cost);
              return;
            }
          }
          cost += k.execNs;
          task.prog = this.programs[p.a[pc]!]!;
          task.name = task.prog.name;
          task.loops = new Int32Array(task.prog.loopSlots);
          task.pc = 0;
          task.cursor = 0;
          task.mm = this.nextMm++;
          task.memNode = -1; // a new address space: first touch again
          c.commit(B_KERNEL, cost);
          this.continueAt(c, this.now + cost);
          return;
        case OP_EXIT: {
          cost += k.exitNs;
          task.state = TASK_ZOMBIE;
          task.exitedAt = this.now;
          this.nrLive--;
          this.observer?.onExit?.(task, this.now);
          const parent = task.parent;
          if (parent !== null && parent.state !== TASK_ZOMBIE && parent.state !== TASK_DEAD) {
            (parent.zombies ??= []).push(task);
            if (parent.state === TASK_BLOCKED && parent.waitKind === WAIT_CHILD) c.pushWake(parent, 0, parent.blockGen);
          }
          // without a live parent the task is reaped when its CPU switches away (finishSchedule); its own zombie
          // children are reaped now (those still current on a CPU, at their switch)
          const zs = task.zombies;
          if (zs !== null) {
            for (let i = task.zombieHead; i < zs.length; i++) if (!this.isOnCpu(zs[i]!)) this.reap(zs[i]!, null);
            task.zombies = null;
          }
          if (this.nrLive === 0) this.finishedAt = this.now + cost;
          break;
        }
        case OP_WAIT: {
          const z = task.zombies;
          if (z !== null && task.zombieHead < z.length) {
            this.reap(z[task.zombieHead++]!, task);
            if (task.zombieHead === z.length) {
              z.length = 0;
              task.zombieHead = 0;
            }
            task.pc++;
          } else if (task.nChildren === 0) {
            task.pc++;
          } else {
            task.state = TASK_BLOCKED;
            task.blockGen++;
            task.waitKind = WAIT_CHILD;
          }
          break;
        }
        default:
          throw new ModelError(`program "${p.name}": unknown instruction ${op} (${OP_NAMES[op] ?? '?'}) at ${pc}`);
      }
      if (own !== null) this.sockLockOwn(c, task, own, this.now + cost);
      c.commit(B_KERNEL, cost);
      if (task.state !== TASK_RUNNING) c.needResched = true;
      this.continueAt(c, this.now + cost);
      return;
    }
  }

  /**
   * lock_sock: if another task owns the socket (a call of its has not ended), the task sleeps on the lock's wait
   * queue (__lock_sock) and this returns true; unless a waiter's wakeup is already queued for this ownership, the
   * owner's CPU will wake the first waiter when its call ends. False (no lock, or a free one): the call goes on.
   */
  private sockLockSleep(task: Task, l: SockLock | null): boolean {
    if (l === null || l.until <= this.now) return false;
    task.state = TASK_BLOCKED;
    task.blockGen++;
    task.waitKind = WAIT_SOCKLOCK;
    l.add(task, task.lockRetry);
    task.lockRetry = true;
    this.sockLockSleeps++;
    if (!l.wakeArmed) {
      const oc = this.cpus[l.cpu]!;
      this.sockLockArm(oc, l);
      this.kick(oc); // run the wake list when the call ends, before the compute it may have started ahead
    }
    return true;
  }

  /**
   * The task on c owns l until `until` (lock_sock ... release_sock around its TCP call). If tasks sleep on the lock,
   * release_sock wakes the first one (exclusive) from c's wake list at the call's end.
   */
  private sockLockOwn(c: Cpu, task: Task, l: SockLock, until: number): void {
    l.until = until;
    l.cpu = c.id;
    l.wakeArmed = false;
    task.lockRetry = false;
    if (l.head !== null) this.sockLockArm(c, l);
  }

  /** release_sock's wake_up of the first waiter, queued on the owner's CPU c for the end of its call. */
  private sockLockArm(c: Cpu, l: SockLock): void {
    const w = l.shift()!;
    c.pushWake(w, 0, w.blockGen);
    l.wakeArmed = true;
  }

  /** Cost of pulling a channel's shared lines to `cpu` from the CPU that touched it last. */
  private channelLines(ch: Channel, cpu: number): number {
    const last = ch.lastCpu;
    ch.lastCpu = cpu;
    if (last < 0 || last === cpu) return 0;
    return this.cost.ipcLines * this.machine.lineNs(last, cpu);
  }

  private reap(z: Task, reaper: Task | null): void {
    z.state = TASK_DEAD;
    if (reaper !== null) reaper.nChildren--;
    this.policy.taskDead?.(z, reaper);
    this.removeTask(z);
  }

  // ---------------------------------------------------------------- locked steps

  private requestStep(c: Cpu, step: number, lock: SpinLock, at = this.now): void {
    c.step = step;
    c.stepLock = lock;
    if (at > this.now) {
      // the step starts after work already committed: resume() requests the lock then
      this.setEvent(c, at, PH_RESUME);
      return;
    }
    this.requestLock(c, lock);
  }

  private requestLock(c: Cpu, lock: SpinLock): void {
    if (this.tasLocks && lock.lastCpu === c.id && lock.grantEv >= 0 && lock.busyUntil <= this.now && this.now < lock.grantAt) {
      // test-and-set: this CPU released the lock and still holds its line; the waiters have not seen it free yet
      lock.captures++;
      this.runCS(c, lock, this.now, this.now, false);
      return;
    }
    if (lock.freeAt(this.now)) {
      this.runCS(c, lock, this.now + this.lineFromHolder(lock, c.id), this.now, false);
      return;
    }
    c.spinLock = lock;
    c.spinFrom = this.now;
    lock.push(c.id);
    if (lock.grantEv < 0 && lock.qLen === 1) this.scheduleGrant(lock);
    else if (this.tasLocks) this.tasEarlier(lock, c.id);
  }

  /** Test-and-set: a waiter nearer the holder than those queued before it sees the release first; bring the race forward. */
  private tasEarlier(lock: SpinLock, cpu: number): void {
    if (lock.grantEv < 0 || lock.busyUntil === Infinity || lock.lastCpu < 0) return;
    const t = Math.max(lock.busyUntil, this.now) + this.lineFromHolder(lock, cpu);
    if (t < lock.grantAt) {
      this.q.reschedule(lock.grantEv, t);
      lock.grantAt = t;
    }
  }

  /** The transfer of the lock's line from the CPU that held it last to `cpu` (0 if none held it, or `cpu` did). */
  private lineFromHolder(lock: SpinLock, cpu: number): number {
    return lock.lastCpu >= 0 ? this.machine.lineNs(lock.lastCpu, cpu) : 0;
  }

  private scheduleGrant(lock: SpinLock): void {
    let xfer: number;
    if (!this.tasLocks) xfer = this.lineFromHolder(lock, lock.head());
    else {
      // test-and-set: the race starts when the nearest spinner sees the release; onGrant draws the winner then
      xfer = Infinity;
      for (let i = 0; i < lock.qLen; i++) xfer = Math.min(xfer, this.lineFromHolder(lock, lock.at(i)));
    }
    const at = Math.max(lock.busyUntil, this.now) + xfer;
    lock.grantAt = at;
    lock.grantEv = this.q.schedule(at, EV_GRANT, lock.id);
  }

  /**
   * Test-and-set hand-over: the waiter that wins the race for the released line, drawn from the seed's "spinlocks"
   * stream among the waiters on the releasing CPU's node (the line reaches them first), or among all if none is there.
   */
  private tasPick(lock: SpinLock): number {
    const n = lock.qLen;
    if (n === 1) return lock.head();
    const m = this.machine;
    const node = lock.lastCpu >= 0 ? m.cpuNode[lock.lastCpu]! : -1;
    let near = 0;
    for (let i = 0; i < n; i++) if (m.cpuNode[lock.at(i)] === node) near++;
    const r = this.lockRng!.int(near > 0 ? near : n);
    if (near === 0) return lock.at(r);
    for (let i = 0, j = 0; i < n; i++) {
      const cpu = lock.at(i);
      if (m.cpuNode[cpu] === node && j++ === r) return cpu;
    }
    throw new Error('tasPick: no waiter drawn');
  }

  /** A lock's section ended (nested release): pass it on if CPUs wait. */
  lockReleased(lock: SpinLock): void {
    if (lock.qLen > 0 && lock.grantEv < 0) this.scheduleGrant(lock);
    else if (this.tasLocks && lock.qLen > 0) for (let i = 0; i < lock.qLen; i++) this.tasEarlier(lock, lock.at(i));
  }

  private onGrant(lock: SpinLock): void {
    lock.grantEv = -1;
    if (lock.busyUntil > this.now) {
      this.scheduleGrant(lock);
      return;
    }
    if (this.tasLocks) {
      const cpu = this.tasPick(lock);
      lock.remove(cpu);
      const c = this.cpus[cpu]!;
      c.spinLock = null;
      this.runCS(c, lock, Math.max(this.now, lock.busyUntil + this.lineFromHolder(lock, cpu)), c.spinFrom, true);
      return;
    }
    const c = this.cpus[lock.shift()]!;
    c.spinLock = null;
    this.runCS(c, lock, this.now, c.spinFrom, true);
  }

  /** Runs c's pending step under `lock`, granted at g (>= now) after being requested at `requested`. */
  private runCS(c: Cpu, lock: SpinLock, g: number, requested: number, contended: boolean): void {
    const k = this.cost;
    lock.acquisitions++;
    if (contended) {
      lock.contended++;
      lock.recordWait(g - requested);
      c.commit(B_SPIN, g - requested);
    } else {
      c.commit(B_SCHED, g - requested);
    }
    const ctx = this.ctx;
    ctx.begin(c.id, g);
    ctx.primary = lock;
    ctx.addNs(k.lockNs);
    const step = c.step;
    c.step = STEP_NONE;
    let post = 0;
    let reschedCpu = -1;
    let next: Task | null = null;
    let prev: Task | null = null;
    let yieldResched = false;
    if (step === STEP_SCHED) {
      ctx.addNs(k.schedBaseNs);
      prev = c.curr;
      next = this.csSchedule(c, prev, ctx);
    } else if (step === STEP_WAKE) {
      ctx.addNs(k.wakeupBaseNs);
      reschedCpu = this.csWake(c.stepTask!, c.stepCpu, c.id, c.stepFlags, c.stepGen, ctx);
      c.stepTask = null;
    } else if (step === STEP_YIELD) {
      yieldResched = this.policy.yieldTask(c.id, c.curr!, ctx);
    } else if (step === STEP_TAIL) {
      reschedCpu = this.policy.scheduleTail!(c.id, c.stepTask!, ctx);
      c.stepTask = null;
    } else if (step === STEP_AFFINITY) {
      this.csSetAffinity(c, c.stepTask!, c.stepMask, ctx);
      c.stepTask = null;
      c.stepMask = null;
    } else if (step === STEP_MIGRATE) {
      reschedCpu = this.csMigrate(c, ctx);
    }
    const hold = ctx.cost;
    const end = g + hold;
    lock.busyUntil = end;
    lock.lastCpu = c.id;
    lock.recordHold(hold);
    ctx.finish(end);
    c.commit(B_SPIN, ctx.spin);
    c.commit(B_SCHED, hold - ctx.spin);
    if (lock.qLen > 0 && lock.grantEv < 0) this.scheduleGrant(lock);
    // after the release
    post = c.stepPreNs + c.deferredNs + ctx.outside;
    c.stepPreNs = 0;
    c.deferredNs = 0;
    ctx.flushResched(c.id, end);
    if (step === STEP_SCHED) {
      this.finishSchedule(c, prev, next, end, post);
      return;
    }
    c.commit(B_SCHED, post);
    if ((step === STEP_WAKE || step === STEP_TAIL || step === STEP_MIGRATE) && reschedCpu >= 0) this.resched(reschedCpu, c.id, end);
    if (step === STEP_YIELD && yieldResched) c.needResched = true;
    this.continueAt(c, end + post);
  }

  // ---------------------------------------------------------------- wakeup

  /** Takes the next pending wakeup of c: lockless CPU choice, then the target runqueue's lock. */
  private wakeStep(c: Cpu): void {
    const i = c.wakeHead++;
    const p = c.wakeQ[i]!;
    const flags = c.wakeFlags[i]!;
    const gen = c.wakeGens[i]!;
    if (p.state !== TASK_BLOCKED || p.blockGen !== gen) {
      // woken meanwhile, or this wakeup is for an earlier sleep than the one the task is in now
      this.resume(c);
      return;
    }
    if (this.isOnCpu(p) && !this.lockedWakeups) {
      // still current on its CPU (blocking, not yet dequeued): just make it running again
      this.onCpuWakeups++;
      p.state = TASK_RUNNING;
      p.waitKind = WAIT_NONE;
      c.commit(B_SCHED, this.cost.wakeupBaseNs);
      this.continueAt(c, this.now + this.cost.wakeupBaseNs);
      return;
    }
    let target: number;
    if (this.isOnCpu(p)) {
      // (wakeups: locked) try_to_wake_up locks the task's runqueue; csWake finds it not yet dequeued and marks it
      // running, unless its CPU's schedule() got the lock first and switched it out
      target = p.cpu;
      c.stepPreNs = 0;
    } else {
      const ctx = this.ctx;
      ctx.begin(c.id, this.now);
      target = this.policy.selectCpu(p, c.id, flags, ctx);
      this.checkCpuChoice(p, target, 'selectCpu');
      c.stepPreNs = ctx.cost + ctx.outside;
      ctx.flushResched(c.id, this.now);
    }
    c.stepTask = p;
    c.stepFlags = flags;
    c.stepGen = gen;
    c.stepCpu = target;
    c.step = STEP_WAKE;
    c.stepLock = this.policy.rqLock(target);
    this.requestLock(c, c.stepLock);
  }

  // ---------------------------------------------------------------- affinity and the migration thread

  /**
   * set_cpus_allowed(t, mask) for the task running on c, under c's runqueue lock (2.6.0 kernel/sched.c). If t's CPU
   * stays allowed, that is all. Otherwise, with a migration thread (policy.migrationThread), t's request goes on the
   * runqueue's migration_queue (list_add: the newest is served first), the thread is woken and t sleeps in
   * wait_for_completion(); without one, t is marked for rescheduling and csSchedule moves it.
   */
  private csSetAffinity(c: Cpu, t: Task, mask: Uint32Array | null, ctx: Ctx): void {
    t.allowed = mask;
    if (t.allowedOn(c.id)) return;
    this.affinityMoves++;
    c.needResched = true;
    if (this.policy.migrationThread !== true) return;
    const kt = this.migrationThreadOf(c.id, ctx);
    (this.migQueues[c.id] ??= []).push(t);
    t.state = TASK_BLOCKED;
    t.blockGen++;
    t.waitKind = WAIT_MIGRATION;
    if (kt.state === TASK_BLOCKED) c.pushWake(kt, 0, kt.blockGen);
  }

  /**
   * CPU cpu's migration thread, "migration/N": SCHED_FIFO at MAX_RT_PRIO-1 (rt_priority 99), bound to its CPU, no
   * address space. Linux starts one per CPU at boot; the core creates it asleep at the first request, so runs that
   * never need it keep their task ids and figures. It is not counted among the workload's live tasks.
   */
  private migrationThreadOf(cpu: number, ctx: Ctx): Task {
    let kt = this.migThreads[cpu]!;
    if (kt !== null) return kt;
    this.migProgram ??= new ProgramBuilder('migration', 0).migration().loop(0, -1).build();
    kt = this.createTask(this.migProgram, null, 0, cpu, new Int32Array(0));
    this.nrLive--;
    this.forks--;
    kt.kthread = true;
    kt.name = `migration/${cpu}`;
    kt.policy = SCHED_FIFO;
    kt.rtPriority = 99;
    kt.allowed = rangeMask(this.nCpus, cpu, cpu + 1);
    kt.waitKind = WAIT_KTHREAD;
    this.policy.initTask(kt, null, ctx);
    this.migThreads[cpu] = kt;
    return kt;
  }

  /**
   * One round of migration_thread() on c (2.6.0), under c's runqueue lock and, nested, the destination's
   * (double_rq_lock): take the newest request; unless the task has already left c, move it to any_online_cpu(its
   * mask), the lowest allowed CPU (move_task_away: set_task_cpu, and if it is queued, deactivate here, activate there
   * and preempt the destination's current task if it is outranked); then complete() wakes the requester. With no
   * request the thread sleeps. The thread's unlock between taking the request and double_rq_lock is not modelled.
   */
  private csMigrate(c: Cpu, ctx: Ctx): number {
    const kt = c.curr!;
    const q = this.migQueues[c.id]!;
    if (q === null || q.length === 0) {
      kt.state = TASK_BLOCKED;
      kt.blockGen++;
      kt.waitKind = WAIT_KTHREAD;
      c.needResched = true;
      return -1;
    }
    kt.pc++;
    const p = q.pop()!;
    let r = -1;
    if (p.cpu === c.id) {
      const dest = this.firstAllowed(p);
      const l = this.policy.rqLock(dest);
      if (l !== ctx.primary) ctx.lock(l);
      this.migrationThreadMoves++;
      this.taskWritten(p, c.id);
      if (p.state === TASK_RUNNABLE) {
        this.migrateQueued(p, dest, ctx);
        r = this.policy.checkPreempt(dest, p, c.id, 0, ctx);
      } else this.setTaskCpu(p, dest);
    }
    if (p.state === TASK_BLOCKED && p.waitKind === WAIT_MIGRATION) c.pushWake(p, 0, p.blockGen);
    return r;
  }

  private isOnCpu(p: Task): boolean {
    return this.cpus[p.cpu]!.curr === p;
  }

  /** Under the target's runqueue lock: enqueue and ask for preemption. Returns the CPU to reschedule or -1. */
  /**
   * CPU `cpu` wrote the lines of t's structure that schedulers read (switch in or out, wakeup, 2.4's recalculation):
   * its copy is now the only valid one, modified (CPUs 0-31 are tracked; a write by a higher CPU leaves no tracked copy).
   */
  taskWritten(t: Task, cpu: number): void {
    t.cachedOn = 0;
    t.writer = cpu;
    const node = this.machine.cpuNode[cpu]!;
    t.nodesOn = node < 32 ? 1 << node : 0;
    this.taskCacheTouch(t, cpu);
  }

  /**
   * Task t's scheduler lines are now in CPU cpu's cache (CPUs 0-31), the most recently used of their cache set; the
   * least recently used task of a full set loses its copy. Linux 2.4 on i386 puts each task structure at the base of
   * its 8 KB kernel stack, so the lines goodness() reads sit at the same offset in every task and fall into
   * cacheKb / 8 / ways sets of `ways` ways (Yamamura et al.: 65-100% L2 misses in the runqueue traversal). Task
   * structures allocated one after another take consecutive 8 KB blocks: the set is t.id mod sets. `colours`
   * (setTaskColours) spreads them over that many more sets, as Yamamura's task-structure colouring patch did.
   */
  taskCacheTouch(t: Task, cpu: number): void {
    if (cpu >= 32) return;
    t.cachedOn |= 1 << cpu;
    const ways = this.tcWays;
    const tc = this.taskCache;
    const base = (cpu * this.tcSets + (t.id % this.tcSets)) * ways;
    let i = 0;
    while (i < ways && tc[base + i] !== t.id) i++;
    if (i === ways) {
      i = ways - 1;
      const ev = tc[base + i]!;
      if (ev >= 0) this.allTasks[ev]!.cachedOn &= ~(1 << cpu);
    }
    for (; i > 0; i--) tc[base + i] = tc[base + i - 1]!;
    tc[base] = t.id;
  }

  /**
   * Task-structure colouring (Yamamura et al., FREENIX 2002): task structures placed at `colours` different offsets
   * within their 8 KB blocks use that many times more cache sets, up to every set of the cache.
   */
  setTaskColours(colours: number): void {
    const ways = this.tcWays;
    const conflictSets = Math.max(1, Math.floor(this.cost.cacheKb / 8 / ways));
    const allSets = Math.max(1, Math.floor((this.cost.cacheKb * 1024) / this.cost.lineBytes / ways));
    this.tcSets = Math.min(allSets, conflictSets * Math.max(1, colours));
    this.taskCache = new Int32Array(Math.min(32, this.nCpus) * this.tcSets * ways).fill(-1);
    for (const t of this.allTasks) t.cachedOn = 0;
  }

  private csWake(p: Task, target: number, wakerCpu: number, flags: number, gen: number, ctx: SchedCtx): number {
    if (p.state !== TASK_BLOCKED || p.blockGen !== gen) return -1; // woken meanwhile by someone else
    if (this.isOnCpu(p)) {
      this.onCpuWakeups++;
      p.state = TASK_RUNNING;
      p.waitKind = WAIT_NONE;
      return -1;
    }
    this.wakeups++;
    p.waitKind = WAIT_NONE;
    this.taskWritten(p, wakerCpu >= 0 ? wakerCpu : target);
    if (p.cpu !== target) this.setTaskCpu(p, target);
    p.state = TASK_RUNNABLE;
    this.addWaiting(1);
    p.wakeAt = this.now;
    this.policy.enqueue(target, p, ((flags & WF_FORK) !== 0 ? ENQ_NEW : ENQ_WAKEUP) | (flags & (WF_SYNC | WF_FORK | WF_IRQ)), ctx);
    this.observer?.onWakeup?.(p, target, wakerCpu, this.now);
    const r = this.policy.checkPreempt(target, p, wakerCpu, flags, ctx);
    if (r >= this.nCpus) throw new Error(`policy ${this.policy.name}: checkPreempt returned CPU ${r}`);
    return r;
  }

  /** Wakeup in interrupt context (timer, initial spawn): locks without queueing, time charged to no CPU. */
  private wakeInterrupt(p: Task, flags: number): void {
    const ctx = this.ctx;
    const from = p.cpu;
    ctx.begin(from, this.now);
    const target = this.policy.selectCpu(p, from, flags | WF_IRQ, ctx);
    this.checkCpuChoice(p, target, 'selectCpu');
    ctx.lock(this.policy.rqLock(target));
    ctx.addNs(this.cost.wakeupBaseNs);
    const r = this.csWake(p, target, from, flags | WF_IRQ, p.blockGen, ctx);
    ctx.finish(ctx.now);
    ctx.flushResched(-1, ctx.now);
    if (r >= 0) this.resched(r, -1, ctx.now);
  }

  private onTimer(p: Task): void {
    if (p.waitKind === WAIT_TIMER) this.wakeBlockedFromIrq(p, 0);
  }

  private checkCpuChoice(p: Task, cpu: number, hook: string): void {
    if (!(cpu >= 0 && cpu < this.nCpus) || !p.allowedOn(cpu))
      throw new Error(`policy ${this.policy.name}: ${hook} chose CPU ${cpu} for task ${p.id}, which may not run there`);
  }

  /** Sets need_resched on `target` and, if it is remote, sends a reschedule IPI at time `at`. */
  resched(target: number, fromCpu: number, at: number): void {
    const tc = this.cpus[target]!;
    if (tc.needResched) return;
    tc.needResched = true;
    if (tc.idle) this.idleMask.clear(target); // no longer available to other wakers
    if (target === fromCpu) return; // checked when the current path returns
    this.ipis++;
    this.q.schedule(at + this.cost.ipiNs, EV_IPI, target);
  }

  private onIpi(c: Cpu): void {
    if (!c.needResched) return;
    if (c.curr === null && c.ev < 0 && c.spinLock === null && c.step === STEP_NONE) {
      const start = this.now >= c.idleFrom ? this.now + this.cost.idleExitNs : c.idleFrom;
      this.setEvent(c, start, PH_SCHED);
      return;
    }
    this.kick(c);
  }

  /** Makes a busy CPU honour need_resched at its next preemption point. */
  private kick(c: Cpu): void {
    if (c.spinLock !== null || c.ev < 0 || c.phase !== PH_USER_END) return; // checked when the path returns
    const task = c.curr!;
    this.q.clearLane(c.id);
    c.ev = -1;
    if (this.now >= c.userFrom) {
      const ran = this.now - c.userFrom;
      c.commit(B_USER, ran);
      task.sumExecNs += ran;
      task.remainingNs = c.segEnd - this.now;
      if (task.remainingNs <= 0) {
        task.remainingNs = 0;
        task.pc++;
      }
      this.setEvent(c, this.now, PH_RESUME);
    } else {
      // still in the kernel work before the segment (or a tick's interrupt inside it): what is left of the compute
      task.remainingNs = c.segEnd - c.userFrom;
      this.setEvent(c, c.userFrom, PH_RESUME);
    }
  }

  // ---------------------------------------------------------------- schedule()

  /** Under rqLock(c): deactivate a blocked prev, balance, pick. Returns next (null: idle). */
  private csSchedule(c: Cpu, prev: Task | null, ctx: Ctx): Task | null {
    const pol = this.policy;
    let prevRunnable = false;
    if (prev !== null) {
      if (prev.state === TASK_RUNNING) prevRunnable = true;
      else pol.dequeue(c.id, prev, prev.state >= TASK_ZOMBIE ? DEQ_EXIT : DEQ_SLEEP, ctx);
    }
    c.needResched = false;
    if (prevRunnable && !prev!.allowedOn(c.id) && !(pol.globalQueue && pol.scheduleTail !== undefined)) {
      // set_cpus_allowed() took this CPU out of the running task's mask and the policy has no migration thread: the
      // core moves it to the lowest allowed CPU now, as a stopper would. (2.4's single runqueue keeps it on the list:
      // other CPUs see it, and schedule_tail offers it to them.)
      const to = this.firstAllowed(prev!);
      const l = pol.rqLock(to);
      if (l !== ctx.primary) ctx.lock(l);
      pol.dequeue(c.id, prev!, DEQ_MIGRATE, ctx);
      prev!.state = TASK_RUNNABLE;
      prev!.wakeAt = -1;
      this.addWaiting(1);
      this.setTaskCpu(prev!, to);
      pol.enqueue(to, prev!, ENQ_MIGRATE, ctx);
      const r = pol.checkPreempt(to, prev!, c.id, 0, ctx);
      if (r >= 0) ctx.resched(r);
      else if (this.isIdle(to)) ctx.resched(to);
      prevRunnable = false;
    }
    const pr = prevRunnable ? prev : null;
    pol.balance?.(c.id, pr, ctx);
    const next = pol.pickNext(c.id, pr, ctx);
    if (next !== null && next !== prev) {
      if (next.state !== TASK_RUNNABLE)
        throw new Error(`policy ${pol.name}: pickNext on CPU ${c.id} returned task ${next.id} in state ${next.state}`);
      if (!next.allowedOn(c.id)) throw new Error(`policy ${pol.name}: pickNext returned task ${next.id} not allowed on CPU ${c.id}`);
      if (next.cpu !== c.id) {
        if (!pol.globalQueue)
          throw new Error(`policy ${pol.name}: pickNext on CPU ${c.id} returned task ${next.id} queued on CPU ${next.cpu}`);
        this.setTaskCpu(next, c.id);
      }
    }
    if (prevRunnable && next !== prev) {
      pol.putPrev(c.id, prev!, ctx);
      prev!.state = TASK_RUNNABLE;
      prev!.wakeAt = -1;
      this.addWaiting(1);
    }
    if (next !== null && next !== prev) {
      next.state = TASK_RUNNING;
      this.addWaiting(-1);
    }
    return next;
  }

  private finishSchedule(c: Cpu, prev: Task | null, next: Task | null, end: number, post: number): void {
    const k = this.cost;
    let t = end + post;
    c.commit(B_SCHED, post);
    if (next !== prev) {
      const sw = next === null || prev === null || next.mm === prev.mm || next.mm === 0 ? k.ctxSwitchThreadNs : k.ctxSwitchProcessNs;
      c.commit(B_SCHED, sw);
      t += sw;
      this.contextSwitches++;
      c.nrSwitches++;
      if (next !== null) this.taskWritten(next, c.id);
      if (prev !== null) {
        this.taskWritten(prev, c.id);
        prev.lastRanCpu = c.id;
        prev.nrSwitches++;
        if (prev.state === TASK_ZOMBIE && (prev.parent === null || prev.parent.state >= TASK_ZOMBIE)) this.reap(prev, null);
      }
      this.observer?.onSwitch?.(c.id, prev, next, this.now);
      c.curr = next;
      if (next === null) {
        this.setIdle(c, true);
        c.idleFrom = t;
        // 2.4's __schedule_tail runs in the idle task too; a runnable prev leaves its CPU idle only when its mask no
        // longer allows that CPU (set_cpus_allowed): offer it to the others now (priced as interrupt work, on no CPU)
        if (prev !== null && prev.state === TASK_RUNNABLE && prev.cpu === c.id && this.policy.wantsScheduleTail?.(c.id, prev)) this.idleTail(c, prev);
        return;
      }
      if (c.idle) this.setIdle(c, false);
      if (next.wakeAt >= 0) {
        this.latency.record(t - next.wakeAt);
        next.wakeAt = -1;
      }
      next.refillDebtNs += this.cacheRefill(c, next);
      if (!this.tickArmed.has(c.id)) this.armTick(c.id);
      // (a prev the core has just moved to another runqueue for its affinity mask is not offered again)
      if (prev !== null && prev.state <= TASK_RUNNING && prev.cpu === c.id && this.policy.wantsScheduleTail?.(c.id, prev)) {
        c.stepTask = prev;
        this.requestStep(c, STEP_TAIL, this.policy.rqLock(c.id), t);
        return;
      }
    } else if (next === null) {
      // stayed idle (woken for nothing): available again
      c.idleFrom = t;
      if (!c.needResched) this.idleMask.set(c.id);
      return;
    }
    this.continueAt(c, t);
  }

  private idleTail(c: Cpu, prev: Task): void {
    const ctx = this.ctx;
    ctx.begin(c.id, this.now);
    ctx.lock(this.policy.rqLock(c.id));
    const r = this.policy.scheduleTail!(c.id, prev, ctx);
    ctx.finish(ctx.now);
    ctx.flushResched(c.id, ctx.now);
    if (r >= 0) this.resched(r, c.id, ctx.now);
  }

  /**
   * What a task pays to get its working set back into cache when it starts running on c: after a migration, all of
   * it from the old CPU's caches or memory (Machine.refillNs); on the same CPU, the part other tasks have evicted
   * since it last ran, from memory, with LRU replacement: nothing until the bytes they loaded exceed the cache less
   * our working set, then linearly up to all of it. Then its own working set counts as loaded on c.
   */
  private cacheRefill(c: Cpu, t: Task): number {
    const ws = t.prog.wsBytes;
    let ns = 0;
    if (t.lastRanCpu >= 0 && ws > 0) {
      if (t.lastRanCpu !== c.id) ns = this.machine.refillNs(t.lastRanCpu, c.id, ws);
      else {
        // LRU: nothing of ours is evicted until the others' loads exceed the room left beside our working set
        const over = c.loadedBytes - t.cacheMark - (this.cacheBytes - ws);
        if (over > 0) ns = Math.round((over >= ws ? 1 : over / ws) * this.memRefillNs(ws));
      }
    }
    c.loadedBytes += ws;
    t.cacheMark = c.loadedBytes;
    return ns;
  }

  /** Refilling ws bytes from local memory. */
  private memRefillNs(ws: number): number {
    const k = this.cost;
    return (Math.ceil(ws / k.lineBytes) * k.dramNs) / k.refillMlp;
  }

  private setIdle(c: Cpu, idle: boolean): void {
    this.accountWaste();
    c.idle = idle;
    if (idle) {
      if (!c.needResched) this.idleMask.set(c.id);
      this.nrIdle++;
    } else {
      this.idleMask.clear(c.id);
      this.nrIdle--;
    }
  }

  private addWaiting(d: number): void {
    this.accountWaste();
    this.nrWaiting += d;
  }

  private accountWaste(): void {
    const dt = this.now - this.wasteT;
    if (dt > 0) {
      const w = this.nrIdle < this.nrWaiting ? this.nrIdle : this.nrWaiting;
      this.wasteNs += w * dt;
      this.waitingIntegral += this.nrWaiting * dt;
      this.wasteT = this.now;
    }
  }

  private setTaskCpu(t: Task, to: number): void {
    const from = t.cpu;
    this.migrations[this.machine.distClass(from, to)]!++;
    t.nrMigrations++;
    t.cpu = to;
    this.observer?.onMigrate?.(t, from, to, this.now);
  }

  /** ctx.migrate: move a queued (runnable, not running) task to another runqueue. */
  migrateQueued(t: Task, to: number, ctx: SchedCtx): void {
    if (t.state !== TASK_RUNNABLE) throw new Error(`policy ${this.policy.name}: migrate of task ${t.id}, which is not waiting on a runqueue`);
    this.checkCpuChoice(t, to, 'migrate');
    this.policy.dequeue(t.cpu, t, DEQ_MIGRATE, ctx);
    this.setTaskCpu(t, to);
    this.policy.enqueue(to, t, ENQ_MIGRATE, ctx);
    // a task pushed to an idle CPU must not be stranded there; preempting a busy one is the policy's call
    if (to !== ctx.cpu && this.isIdle(to)) (ctx as Ctx).resched(to);
  }

  // ---------------------------------------------------------------- tick

  /** Arms cpu's tick: it will take the next jiffy's tick (ticks are aligned to multiples of the period). */
  private armTick(cpu: number): void {
    this.tickArmed.set(cpu);
    if (this.tickEv < 0) this.tickEv = this.q.schedule((Math.floor(this.now / this.tickNs) + 1) * this.tickNs, EV_TICK, 0);
  }

  /**
   * One jiffy: every CPU with an armed tick takes it, in ascending CPU order. A CPU found idle is disarmed (tickless
   * idle). One event per jiffy for the whole machine keeps the calendar small.
   */
  private onJiffy(): void {
    this.tickEv = -1;
    const mask = this.tickArmed;
    const words = mask.words;
    for (let w = 0; w < words.length; w++) {
      let bits = words[w]!;
      while (bits !== 0) {
        const low = bits & -bits;
        bits ^= low;
        const c = this.cpus[(w << 5) + (31 - Math.clz32(low))]!;
        if (c.curr !== null) this.onTick(c);
        else if (this.idleTicks) this.onIdleTick(c);
        else mask.clear(c.id);
      }
    }
    if (mask.count > 0) this.tickEv = this.q.schedule(this.now + this.tickNs, EV_TICK, 0);
  }

  /**
   * The tick of an idle CPU, for policies whose kernel is not tickless (2.6.0 balances from idle ticks). It runs the
   * policy's idleTick under the CPU's runqueue lock; if that leaves need_resched set (work was pulled), the CPU
   * schedules at the end of the tick (the timer interrupt already woke it: no IPI, no idle exit).
   */
  private onIdleTick(c: Cpu): void {
    if (c.ev >= 0 || c.spinLock !== null || c.step !== STEP_NONE || c.idleFrom > this.now || c.needResched) return;
    this.ticks++;
    const ctx = this.ctx;
    ctx.begin(c.id, this.now);
    ctx.addNs(this.cost.tickNs);
    ctx.lock(this.policy.rqLock(c.id));
    this.policy.idleTick!(c.id, ctx);
    const cost = ctx.cost + ctx.outside;
    ctx.finish(this.now + cost);
    c.commit(B_IDLE, this.now - c.cursor);
    c.commit(B_SCHED, cost);
    c.idleFrom = this.now + cost;
    ctx.flushResched(c.id, this.now + cost);
    if (c.needResched && c.curr === null && c.ev < 0) this.setEvent(c, this.now + cost, PH_SCHED);
  }

  private onTick(c: Cpu): void {
    const task = c.curr!;
    this.ticks++;
    const ctx = this.ctx;
    const pol = this.policy;
    ctx.begin(c.id, this.now);
    ctx.addNs(this.cost.tickNs);
    const tl = pol.tickLock(c.id);
    if (tl !== null) ctx.lock(tl);
    let resched = task.state === TASK_RUNNING && pol.tick(c.id, task, ctx);
    const bt = pol.balanceTicks ?? 0;
    if (bt > 0 && pol.periodicBalance && Math.round(this.now / this.tickNs) % bt === 0) {
      const rl = pol.rqLock(c.id);
      if (rl !== tl) ctx.lock(rl);
      pol.periodicBalance(c.id, ctx);
    }
    const cost = ctx.cost + ctx.outside;
    ctx.finish(this.now + cost);
    ctx.flushResched(c.id, this.now + cost);
    // charge the interrupt to what the CPU is doing
    if (c.spinLock !== null || c.ev < 0) {
      c.deferredNs += cost;
    } else if (c.phase === PH_USER_END && this.now >= c.userFrom) {
      const ran = this.now - c.userFrom;
      c.commit(B_USER, ran);
      task.sumExecNs += ran;
      c.commit(B_SCHED, cost);
      c.userFrom = this.now + cost;
      c.segEnd += cost;
      this.q.setLane(c.id, c.segEnd, EV_CPU);
    } else {
      c.commit(B_SCHED, cost);
      if (c.phase === PH_USER_END) {
        c.userFrom += cost;
        c.segEnd += cost;
        this.q.setLane(c.id, c.segEnd, EV_CPU);
      } else this.q.setLane(c.id, this.q.laneTime(c.id) + cost, EV_CPU);
    }
    if (resched && !c.needResched) {
      c.needResched = true;
      this.kick(c);
    }
  }

  // ---------------------------------------------------------------- end of run and checks

  /** Closes the accounting at time `end` (the run's end): open intervals are committed, future ones taken back. */
  finalize(end: number): void {
    this.now = Math.max(this.now, end);
    this.accountWaste();
    for (const c of this.cpus) {
      if (c.cursor < end) {
        const open = end - c.cursor;
        if (c.spinLock !== null) c.commit(B_SPIN, open);
        else if (c.curr === null) c.commit(B_IDLE, open);
        else if (c.phase === PH_USER_END && c.userFrom <= c.cursor) {
          c.commit(B_USER, open);
          c.curr.sumExecNs += open;
        } else c.commit(B_KERNEL, open);
      } else if (c.cursor > end) {
        const over = c.cursor - end;
        c.uncommit(over);
      }
    }
    for (const l of this.locks) if (l.busyUntil > end && l.busyUntil !== Infinity) l.holdNs -= l.busyUntil - end;
  }

  get idleWhileRunnableNs(): number {
    return this.wasteNs;
  }

  /** Throws if an invariant is broken. Cheap enough for small runs in tests. */
  checkInvariants(): void {
    let waiting = 0;
    for (const t of this.tasks) {
      if (t.state === TASK_RUNNABLE) waiting++;
      if (t.state === TASK_RUNNING && this.cpus[t.cpu]!.curr !== t)
        throw new Error(`invariant: task ${t.id} is running but not current on CPU ${t.cpu}`);
    }
    const seen = new Set<number>();
    for (const c of this.cpus) {
      const t = c.curr;
      if (t === null) continue;
      if (seen.has(t.id)) throw new Error(`invariant: task ${t.id} is current on two CPUs`);
      seen.add(t.id);
      if (t.cpu !== c.id) throw new Error(`invariant: CPU ${c.id} runs task ${t.id} whose cpu is ${t.cpu}`);
      // a zombie may be reaped (DEAD) by its parent before its CPU has switched away from it, as in Linux
      if (t.state === TASK_RUNNABLE) throw new Error(`invariant: CPU ${c.id} runs task ${t.id}, which is marked waiting`);
      if (c.idle) throw new Error(`invariant: CPU ${c.id} is marked idle but runs task ${t.id}`);
    }
    if (waiting !== this.nrWaiting) throw new Error(`invariant: ${waiting} tasks wait but the core counts ${this.nrWaiting}`);
    const q = this.policy.countQueued();
    if (q !== waiting) throw new Error(`invariant: policy ${this.policy.name} holds ${q} waiting tasks, ${waiting} are runnable`);
    let idle = 0;
    for (const c of this.cpus) if (c.idle) idle++;
    if (idle !== this.nrIdle) throw new Error(`invariant: ${idle} idle CPUs, counted ${this.nrIdle}`);
    // loopback TCP: a prequeue exists only while a reader waits in recv (else nobody would ever process it), and a
    // due ACK has its timer
    for (const ch of this.channels) {
      if (!ch.nagle) continue;
      if (ch.preCount > 0 && !ch.ucopy) throw new Error(`invariant: channel ${ch.id} holds ${ch.preCount} prequeued segments and no reader waits for them`);
      if (ch.rcvSinceAck > 0 && ch.ackTimerAt < this.now && ch.preCount === 0)
        throw new Error(`invariant: channel ${ch.id} owes an ACK for ${ch.rcvSinceAck} bytes and no timer will send it`);
    }
  }
}
