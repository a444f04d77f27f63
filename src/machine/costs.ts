/**
 * Cost presets: what the machine charges for the things that decide scheduler scaling. Each preset is a declared
 * table; every entry names its source in docs/machines.md (and in the `sources` field below). All values are ns
 * unless the name says otherwise.
 *
 * How the kernel core uses them (docs/design.md has the whole model):
 * - a lock handoff to another CPU costs one cache-line transfer for the distance between the two CPUs;
 * - a critical section costs `lockNs` plus the work the policy declares: tasks examined x `taskExamineNs`,
 *   runqueues inspected x `rqInspectNs`, plus the path's base cost;
 * - a migrated task refills its working set: lines(ws) x latency(source of the lines) / `refillMlp`;
 * - compute on a node other than the task's memory node is stretched by `remoteMemSlowdown` x (distance excess).
 */
export interface CostTable {
  readonly name: string;
  readonly description: string;
  /** Direct context switch between threads of one process (no address-space change), incl. the schedule() tail. */
  readonly ctxSwitchThreadNs: number;
  /** Context switch with an address-space change (CR3 write, TLB refill). */
  readonly ctxSwitchProcessNs: number;
  /** Cache-line transfer between SMT siblings of one core. */
  readonly lineSmtNs: number;
  /** Cache-line transfer between cores sharing a last-level cache. */
  readonly lineLlcNs: number;
  /** Cache-line transfer between cores of one NUMA node that share no cache (other LLC or other die on the node). */
  readonly lineNodeNs: number;
  /** Cache-line transfer between nodes at the machine's reference remote distance `remoteRefDistance`. */
  readonly lineRemoteNs: number;
  /** SLIT distance at which `lineRemoteNs` and `remoteMemSlowdown` hold; other distances scale linearly above 10. */
  readonly remoteRefDistance: number;
  /** Uncontended spinlock acquire plus release when the line is already local (one atomic RMW). */
  readonly lockNs: number;
  /** Reschedule IPI from send to the handler running on the target. */
  readonly ipiNs: number;
  /** Exit from the idle state (halt) on the target, added to a wakeup of an idle CPU. */
  readonly idleExitNs: number;
  /** One task examined in a scheduler scan (a goodness() call): cache-miss bound on old machines. */
  readonly taskExamineNs: number;
  /** One remote runqueue inspected (a read of another CPU's runqueue summary line). */
  readonly rqInspectNs: number;
  /** Fixed cost of a schedule() call's lock-held part besides the declared work (bookkeeping, accounting). */
  readonly schedBaseNs: number;
  /** Fixed cost of a wakeup (try_to_wake_up) inside the runqueue lock. */
  readonly wakeupBaseNs: number;
  /** Timer tick handler on a busy CPU (accounting, class tick), excluding lock costs. */
  readonly tickNs: number;
  /** System call entry and exit. */
  readonly syscallNs: number;
  /** Kernel work of one pipe read or write besides entry and copy (locking the pipe, waitqueue checks). */
  readonly pipeOpNs: number;
  /** Kernel work of one AF_UNIX stream send or receive besides entry and copy (skb alloc/free, queueing). */
  readonly sockOpNs: number;
  /** Kernel work of one loopback TCP send or receive besides entry and copy (TCP/IP processing of both ends). */
  readonly tcpOpNs: number;
  /**
   * Cache lines of a pipe's or socket's shared state (lock, ring or queue head, waitqueue, buffer) that a read or
   * write pulls from the CPU that touched the channel last; each costs a line transfer for that distance.
   */
  readonly ipcLines: number;
  /** Copying data through a pipe or socket, per KiB. */
  readonly copyNsPerKb: number;
  /** fork()/clone() of a process (page-table copy of a small process); a thread clone costs a quarter. */
  readonly forkNs: number;
  /** execve() of a small static binary. */
  readonly execNs: number;
  /** exit() including address-space teardown. */
  readonly exitNs: number;
  /** One copy-on-write fault after fork. */
  readonly cowFaultNs: number;
  /** Last-level cache hit latency (refill source for a migration inside an LLC domain is cheaper: SMT shares L2). */
  readonly llcHitNs: number;
  /** Local DRAM latency. */
  readonly dramNs: number;
  /** Memory-level parallelism during a refill (lines in flight). */
  readonly refillMlp: number;
  /** Cache line size in bytes. */
  readonly lineBytes: number;
  /**
   * Cache a CPU keeps task working sets in (its L2, or its share of a shared LLC), KiB. A task switched back in after
   * other tasks loaded this much finds its working set evicted and refills it from memory (the indirect cost of a
   * context switch).
   */
  readonly cacheKb: number;
  /** Extra fraction of compute time per unit of (distance/10 - 1) when memory is remote, for a memory-bound task. */
  readonly remoteMemSlowdown: number;
  /**
   * Associativity of that cache. With Linux 2.4's i386 layout (each task structure at the base of its 8 KB kernel
   * stack) the scheduler's lines of every task fall into cacheKb / 8 set positions of `cacheWays` ways each: at most
   * cacheKb / 8 tasks' lines can be cached at once (docs/design.md, "Task-structure copies").
   */
  readonly cacheWays: number;
  /** Where each figure comes from. */
  readonly sources: string;
}

/** Pentium III SMP and NUMA-Q class machines of 2001 (450-700 MHz, P6 front-side bus, 512 KB-2 MB L2). */
export const P3_2001: CostTable = {
  name: 'p3-2001',
  description: 'Pentium III era SMP/NUMA-Q (~2001): 450-700 MHz, shared FSB, off-chip L2, slow IPIs',
  ctxSwitchThreadNs: 1_200,
  ctxSwitchProcessNs: 1_600,
  lineSmtNs: 0,
  lineLlcNs: 0,
  lineNodeNs: 250,
  lineRemoteNs: 2_500,
  remoteRefDistance: 40,
  lockNs: 60,
  ipiNs: 4_000,
  idleExitNs: 2_000,
  taskExamineNs: 180,
  rqInspectNs: 250,
  schedBaseNs: 400,
  wakeupBaseNs: 400,
  tickNs: 1_000,
  syscallNs: 500,
  pipeOpNs: 1_500,
  sockOpNs: 4_000,
  tcpOpNs: 6_000,
  ipcLines: 4,
  copyNsPerKb: 1_500,
  forkNs: 90_000,
  execNs: 150_000,
  exitNs: 40_000,
  cowFaultNs: 4_000,
  llcHitNs: 20,
  dramNs: 180,
  refillMlp: 2,
  lineBytes: 32,
  cacheKb: 512,
  remoteMemSlowdown: 0.5,
  cacheWays: 4,
  sources:
    'Initial estimates for the P6 bus era, to be fitted in docs/calibration.md: context switch ~1.2-1.6 us from the O(1) ' +
    'announcement loop_yield figures (977K/s on 2 CPUs ~ 2.0 us per switch incl. the yield syscall); DRAM ~180 ns for ' +
    '440BX/ServerWorks chipsets; task scan cache-miss bound (Yamamura et al. FREENIX 2002: 65-100% L2 misses); FSB ' +
    'cache-to-cache transfer ~250 ns; NUMA-Q remote line ~2.5 us (IQ-Link, estimate); 32-byte lines (P6); 512 KB L2 ' +
    '(NUMA-Q quads; the 8-way Xeons had 2 MB, the 2-way box unknown); pipe and ' +
    'AF_UNIX operation costs scaled from lmbench-era pipe latencies (~10-20 us round trip on 500 MHz P6, estimate).',
};

/** Entries that are CPU-bound (scale with the clock); the others are memory, bus or interconnect latencies. */
export const CPU_BOUND_KEYS = [
  'ctxSwitchThreadNs',
  'ctxSwitchProcessNs',
  'lockNs',
  'schedBaseNs',
  'wakeupBaseNs',
  'tickNs',
  'syscallNs',
  'pipeOpNs',
  'sockOpNs',
  'tcpOpNs',
  'copyNsPerKb',
  'forkNs',
  'execNs',
  'exitNs',
  'cowFaultNs',
] as const;

/** A cost table whose CPU-bound entries are multiplied by `factor` (a faster or slower CPU of the same era). */
export function scaleCpu(base: CostTable, factor: number, name: string, description: string, sources: string, extra: Partial<CostTable> = {}): CostTable {
  const t: Record<string, unknown> = { ...base };
  for (const k of CPU_BOUND_KEYS) t[k] = Math.round((base[k] as number) * factor);
  return { ...(t as unknown as CostTable), ...extra, name, description, sources };
}

/**
 * Fitted values (docs/calibration.md; `npm run calibrate` recomputes them):
 * - FIT_2WAY, FIT_8WAY: CPU-bound scale factors of the O(1) announcement's 2-way and 8-way boxes, fitted so that an
 *   O(1)-shaped yield loop (per-CPU locks, constant-time pick: the `rr` policy) gives 977,5xx and 6,12x,xxx context
 *   switches per second with 4 and 16 loop_yield tasks.
 * - FIT_EXAMINE_NS: one goodness() evaluation that misses the cache (taskExamineNs), fitted to Yamamura et al.'s
 *   runqueue_lock mean hold times of 2.4.4 on Chat 30/300 with 2, 4, 6 and 8 CPUs (least squares on the logarithms).
 * - FIT_LINE_NS: a modified cache line moved between two CPUs on the Pentium III front-side bus (a lock handoff, a
 *   task structure last written by the other CPU), fitted so that 2.4 (`dss`) gives 241K switches/s on the 2-way box
 *   with 4 tasks and FIT_EXAMINE_NS (the two are fitted in turn, twice). Every other figure is held out.
 */
export const FIT_2WAY = 0.7612;
export const FIT_8WAY = 0.4797;
export const FIT_LINE_NS = 975;
export const FIT_EXAMINE_NS = 100;

/** A modern two-socket x86 server (Zen 4 / Sapphire Rapids class, 2.4-3.7 GHz). */
export const X86_2023: CostTable = {
  name: 'x86-2023',
  description: 'modern x86 server (~2023, Zen 4 class): SMT2, 32 MB LLC per 8-core CCX, 2 sockets',
  ctxSwitchThreadNs: 1_500,
  ctxSwitchProcessNs: 2_500,
  lineSmtNs: 8,
  lineLlcNs: 20,
  lineNodeNs: 100,
  lineRemoteNs: 200,
  remoteRefDistance: 32,
  lockNs: 20,
  ipiNs: 1_500,
  idleExitNs: 1_000,
  taskExamineNs: 15,
  rqInspectNs: 60,
  schedBaseNs: 200,
  wakeupBaseNs: 200,
  tickNs: 500,
  syscallNs: 100,
  pipeOpNs: 400,
  sockOpNs: 1_000,
  tcpOpNs: 2_000,
  ipcLines: 4,
  copyNsPerKb: 100,
  forkNs: 40_000,
  execNs: 100_000,
  exitNs: 20_000,
  cowFaultNs: 1_000,
  llcHitNs: 15,
  dramNs: 110,
  refillMlp: 8,
  lineBytes: 64,
  cacheKb: 2048,
  remoteMemSlowdown: 0.6,
  cacheWays: 16,
  sources:
    'shared/reference/modern-schedulers.md section 7 (context switch 1.5/2.5 us from lmbench lat_ctx and futex ' +
    'ping-pong; IPI 1.5 us after Shinjuku NSDI 2019; C1 exit 1 us; line transfers 8/20/100/200 ns from AnandTech and ' +
    'chipsandcheese core-to-core data; uncontended lock 20 ns; runqueue inspection 50-150 ns; L3 15 ns, DRAM 110 ns; ' +
    'refill MLP 8) and section 7.1 (EPYC 9654; SLIT 10/32); cacheKb: 1 MB L2 + a 1/16 share of a 32 MB L3. Pipe/socket operation costs: estimates chosen so that ' +
    'perf bench sched pipe gives a few us per round trip on one CPU, as commonly measured on such servers.',
};

/** AMD Opteron 6272 (Bulldozer, 2011), the Wasted Cores paper's machine. */
export const OPTERON_2012: CostTable = {
  ...X86_2023,
  name: 'opteron-2012',
  description: 'AMD Opteron 6272 era (2011-2012): 2.1 GHz, HyperTransport 3.0, 8 dies of 8 cores',
  ctxSwitchThreadNs: 2_000,
  ctxSwitchProcessNs: 3_000,
  lineSmtNs: 15,
  lineLlcNs: 40,
  lineNodeNs: 40,
  lineRemoteNs: 200,
  remoteRefDistance: 22,
  ipiNs: 2_000,
  idleExitNs: 2_000,
  taskExamineNs: 25,
  rqInspectNs: 100,
  dramNs: 100,
  llcHitNs: 25,
  sources:
    'shared/reference/modern-schedulers.md section 7.2 (Lozi et al. EuroSys 2016 machine: 8 nodes, SLIT 10/16/22 ' +
    '[unverified], cross-node line transfer ~100-200 ns [estimate]); other entries scaled from x86-2023 for a 2.1 GHz ' +
    'core.',
};

const FIT_NOTE = 'CPU-bound entries scaled from p3-2001 by a factor fitted to the O(1) announcement (docs/calibration.md)';

/** The O(1) announcement's 2-way box (CPU model unstated); also used for the uniprocessor. */
export const P3_2WAY: CostTable = scaleCpu({ ...P3_2001, lineNodeNs: FIT_LINE_NS, taskExamineNs: FIT_EXAMINE_NS }, FIT_2WAY, 'p3-2way', 'Pentium III 2-way box of the O(1) announcement (fitted)', `${FIT_NOTE}: 977K switches/s with 4 x loop_yield; lineNodeNs fitted to 2.4's 241K; taskExamineNs to Yamamura's Chat 30/300 hold times.`);

/** The O(1) announcement's 8-way box; also the 8-way Pentium III Xeons of the PMQS paper and Yamamura et al. */
export const P3_8WAY: CostTable = scaleCpu({ ...P3_2001, lineNodeNs: FIT_LINE_NS, taskExamineNs: FIT_EXAMINE_NS, cacheKb: 2048 }, FIT_8WAY, 'p3-8way', 'Pentium III Xeon 8-way box of the O(1) announcement (fitted)', `${FIT_NOTE}: 6.12M switches/s with 16 x loop_yield; lineNodeNs from the 2-way fit; taskExamineNs fitted to Yamamura's Chat 30/300 hold times.`);

/**
 * The PMQS paper's 16-way NUMA-Q: 450 MHz quads; the 8-way fit scaled by clock (700/450). Remote memory is 4 times
 * local (SLIT 40: Sequent quoted "three or four times as long to reach remote memory as local memory" for NUMA-Q),
 * and a modified line moved between quads costs the front-side-bus transfer plus that extra memory latency:
 * lineRemoteNs = lineNodeNs + 3 x dramNs.
 */
export const P3_NUMAQ: CostTable = scaleCpu(
  { ...P3_2001, lineNodeNs: FIT_LINE_NS, lineRemoteNs: FIT_LINE_NS + 3 * P3_2001.dramNs, taskExamineNs: FIT_EXAMINE_NS },
  (FIT_8WAY * 700) / 450,
  'p3-numaq',
  'IBM NUMA-Q quads of 4 x Pentium III 450 MHz (estimated from the 8-way fit)',
  `${FIT_NOTE}: the 8-way factor scaled by clock 700/450 MHz; remote memory 4x local (Sequent: "three or four times"), a line between quads = lineNodeNs + 3 x dramNs.`,
);

export const COST_PRESETS: readonly CostTable[] = [P3_2001, P3_2WAY, P3_8WAY, P3_NUMAQ, X86_2023, OPTERON_2012];

export function findCostPreset(name: string): CostTable | undefined {
  return COST_PRESETS.find((c) => c.name === name);
}
