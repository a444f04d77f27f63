/**
 * The machine: a topology of sockets > NUMA nodes > last-level-cache (LLC) domains > cores > SMT threads, with dense
 * CPU ids, a SLIT-style node distance matrix and a cost table.
 *
 * CPU numbering: ids are dense and follow the hierarchy (socket-major, then node, LLC, core, thread), so SMT siblings
 * are adjacent. (Linux on x86 usually numbers all first threads before the second threads; the order only matters
 * for tie-breaking in ascending-id scans, and a hierarchical order keeps such scans local.)
 *
 * Distance classes between two CPUs, used to price cache-line transfers and migrations:
 *   0 same CPU, 1 SMT sibling, 2 same LLC, 3 same node, 4 other node.
 * Line transfer cost for class 4 scales with the SLIT distance d: lineNode + (lineRemote - lineNode) * (d - 10) /
 * (remoteRefDistance - 10), so the reference remote distance costs exactly lineRemoteNs.
 */
import type { CostTable } from './costs.js';

export const DIST_SELF = 0;
export const DIST_SMT = 1;
export const DIST_LLC = 2;
export const DIST_NODE = 3;
export const DIST_REMOTE = 4;
export const DIST_NAMES = ['self', 'smt', 'llc', 'node', 'remote'] as const;

export interface TopologySpec {
  name: string;
  description: string;
  sockets: number;
  nodesPerSocket: number;
  llcsPerNode: number;
  coresPerLlc: number;
  threadsPerCore: number;
  /** Node distance matrix (nNodes x nNodes, 10 on the diagonal). */
  nodeDistance: number[][];
  cost: CostTable;
  /**
   * Node whose memory holds the kernel's scheduler data (task structures, runqueues), or -1 when it is spread (each
   * CPU finds it at local cost). NUMA-Q under Linux 2.4.5 kept all kernel data on node 0 (PMQS paper, section 9.1).
   */
  kernelMemNode: number;
  /**
   * Where user memory lives: 'first-touch' (default; a task's pages on the node where it first computed, as Linux
   * 2.6+ allocates) or 'flat' (every address space spread evenly over all nodes, as Linux 2.4.5 on NUMA-Q treated
   * memory: PMQS paper, reference section 9.1): compute is then stretched by the mean over all nodes wherever it runs.
   */
  userMemory?: 'first-touch' | 'flat';
  /**
   * How a contended spinlock passes to its waiters: 'fifo' (default; ticket order, as x86 Linux since 2.6.25) or 'tas'
   * (test-and-set, as 2.4 and 2.6.0 on i386: a CPU that releases the lock and asks again before the nearest waiter
   * can see the release takes it back at once, since it still holds the line; otherwise a waiter drawn at random
   * from those waiting then on the releasing CPU's node, or from all if none is there).
   */
  spinlocks?: 'fifo' | 'tas';
  /**
   * A wakeup of a task that is blocking but still current on its CPU (its schedule() has not dequeued it yet):
   * 'direct' (default; made running at once, without a lock: a simplification) or 'locked' (the waker takes the task's
   * runqueue lock and marks it running there, as try_to_wake_up does in 2.4 and 2.6; if the task's CPU was already
   * waiting for that lock in schedule(), which of the two gets the lock first (FIFO order, or under tas a capture or the draw) decides whether the task is switched out).
   */
  wakeups?: 'direct' | 'locked';
}

export class Machine {
  readonly name: string;
  readonly description: string;
  readonly nCpus: number;
  readonly nNodes: number;
  readonly nLlcs: number;
  readonly nCores: number;
  readonly spec: TopologySpec;
  readonly cost: CostTable;
  readonly cpuSocket: Int32Array;
  readonly cpuNode: Int32Array;
  readonly cpuLlc: Int32Array;
  readonly cpuCore: Int32Array;
  /** nNodes x nNodes SLIT distances, row-major. */
  readonly slit: Int32Array;
  /** First CPU id and count of each node (CPUs of a node are contiguous). */
  readonly nodeFirstCpu: Int32Array;
  readonly nodeCpuCount: Int32Array;
  /** Line transfer ns by node pair (row-major), for class-4 pairs. */
  private readonly remoteLineNs: Float64Array;
  /** Refill latency per line for a migration, by distance class (0..3) and for class 4 by node pair. */
  private readonly remoteDramNs: Float64Array;
  /** Price of examining one task structure from each CPU: taskExamineNs scaled by the distance to kernelMemNode. */
  readonly examineNs: Float64Array;
  /** Where user memory lives (TopologySpec.userMemory). */
  readonly userMemory: 'first-touch' | 'flat';
  /** Spinlock hand-over (TopologySpec.spinlocks). */
  readonly spinlocks: 'fifo' | 'tas';
  /** Wakeups of a task still current on its CPU (TopologySpec.wakeups). */
  readonly wakeups: 'direct' | 'locked';
  /** Compute-time multiplier x1000 by (running node, memory node), row-major; with flat memory each row is its mean. */
  private readonly memMilli: Int32Array;

  constructor(spec: TopologySpec) {
    this.spec = spec;
    this.name = spec.name;
    this.description = spec.description;
    this.cost = spec.cost;
    const { sockets, nodesPerSocket, llcsPerNode, coresPerLlc, threadsPerCore } = spec;
    this.nNodes = sockets * nodesPerSocket;
    this.nLlcs = this.nNodes * llcsPerNode;
    this.nCores = this.nLlcs * coresPerLlc;
    this.nCpus = this.nCores * threadsPerCore;
    const n = this.nCpus;
    this.cpuSocket = new Int32Array(n);
    this.cpuNode = new Int32Array(n);
    this.cpuLlc = new Int32Array(n);
    this.cpuCore = new Int32Array(n);
    this.nodeFirstCpu = new Int32Array(this.nNodes);
    this.nodeCpuCount = new Int32Array(this.nNodes);
    for (let c = 0; c < n; c++) {
      const core = Math.floor(c / threadsPerCore);
      const llc = Math.floor(core / coresPerLlc);
      const node = Math.floor(llc / llcsPerNode);
      this.cpuCore[c] = core;
      this.cpuLlc[c] = llc;
      this.cpuNode[c] = node;
      this.cpuSocket[c] = Math.floor(node / nodesPerSocket);
      if (this.nodeCpuCount[node] === 0) this.nodeFirstCpu[node] = c;
      this.nodeCpuCount[node]!++;
    }
    const nn = this.nNodes;
    this.slit = new Int32Array(nn * nn);
    this.remoteLineNs = new Float64Array(nn * nn);
    this.remoteDramNs = new Float64Array(nn * nn);
    const k = this.cost;
    this.examineNs = new Float64Array(n);
    for (let c = 0; c < n; c++) {
      const km = spec.kernelMemNode;
      this.examineNs[c] = km >= 0 ? (k.taskExamineNs * spec.nodeDistance[this.cpuNode[c]!]![km]!) / 10 : k.taskExamineNs;
    }
    this.memMilli = new Int32Array(nn * nn);
    const ref = Math.max(11, k.remoteRefDistance);
    for (let a = 0; a < nn; a++) {
      for (let b = 0; b < nn; b++) {
        const d = spec.nodeDistance[a]![b]!;
        this.slit[a * nn + b] = d;
        const excess = (d - 10) / (ref - 10);
        this.remoteLineNs[a * nn + b] = k.lineNodeNs + (k.lineRemoteNs - k.lineNodeNs) * excess;
        this.remoteDramNs[a * nn + b] = k.dramNs * (d / 10);
        this.memMilli[a * nn + b] = d <= 10 ? 1000 : 1000 + Math.round(1000 * k.remoteMemSlowdown * (d / 10 - 1));
      }
    }
    this.userMemory = spec.userMemory ?? 'first-touch';
    this.spinlocks = spec.spinlocks ?? 'fifo';
    this.wakeups = spec.wakeups ?? 'direct';
    if (this.userMemory === 'flat') {
      for (let a = 0; a < nn; a++) {
        let sum = 0;
        for (let b = 0; b < nn; b++) sum += this.memMilli[a * nn + b]!;
        const mean = Math.round(sum / nn);
        for (let b = 0; b < nn; b++) this.memMilli[a * nn + b] = mean;
      }
    }
  }

  /** Distance class between two CPUs: 0 self, 1 SMT sibling, 2 same LLC, 3 same node, 4 other node. */
  distClass(a: number, b: number): number {
    if (a === b) return DIST_SELF;
    if (this.cpuCore[a] === this.cpuCore[b]) return DIST_SMT;
    if (this.cpuLlc[a] === this.cpuLlc[b]) return DIST_LLC;
    if (this.cpuNode[a] === this.cpuNode[b]) return DIST_NODE;
    return DIST_REMOTE;
  }

  /** SLIT distance between the nodes of two CPUs. */
  cpuDistance(a: number, b: number): number {
    return this.slit[this.cpuNode[a]! * this.nNodes + this.cpuNode[b]!]!;
  }

  /** Cost of moving one cache line from CPU `from` to CPU `to`. */
  lineNs(from: number, to: number): number {
    const k = this.cost;
    switch (this.distClass(from, to)) {
      case DIST_SELF:
        return 0;
      case DIST_SMT:
        return k.lineSmtNs;
      case DIST_LLC:
        return k.lineLlcNs;
      case DIST_NODE:
        return k.lineNodeNs;
      default:
        return this.remoteLineNs[this.cpuNode[from]! * this.nNodes + this.cpuNode[to]!]!;
    }
  }

  /**
   * Time to refill a working set of `wsBytes` on CPU `to` after it last ran on `from`: the lines come from the old
   * CPU's caches (SMT: shared, free; same LLC: LLC hits) or from memory (other LLC: local DRAM; other node: DRAM at
   * the SLIT distance), `refillMlp` lines in flight.
   */
  refillNs(from: number, to: number, wsBytes: number): number {
    if (wsBytes <= 0 || from < 0) return 0;
    const k = this.cost;
    const lines = Math.ceil(wsBytes / k.lineBytes);
    let lat: number;
    switch (this.distClass(from, to)) {
      case DIST_SELF:
      case DIST_SMT:
        return 0;
      case DIST_LLC:
        lat = k.llcHitNs;
        break;
      case DIST_NODE:
        lat = k.dramNs;
        break;
      default:
        lat = this.remoteDramNs[this.cpuNode[from]! * this.nNodes + this.cpuNode[to]!]!;
    }
    return Math.round((lines * lat) / k.refillMlp);
  }

  /** Multiplier (x1000, integer) on compute time of a task whose memory is on `memNode` while it runs on `cpu`. */
  memSlowdownMilli(cpu: number, memNode: number): number {
    return this.memMilli[this.cpuNode[cpu]! * this.nNodes + memNode]!;
  }

  /** One-line summary for reports. */
  summary(): string {
    const s = this.spec;
    return (
      `${this.nCpus} CPUs: ${s.sockets} socket(s) x ${s.nodesPerSocket} node(s) x ${s.llcsPerNode} LLC(s) x ` +
      `${s.coresPerLlc} core(s) x ${s.threadsPerCore} thread(s); costs ${this.cost.name}` +
      (this.userMemory === 'flat' && this.nNodes > 1 ? '; user memory flat over the nodes' : '') +
      (this.spinlocks === 'tas' ? '; test-and-set spinlocks' : '') +
      (this.wakeups === 'locked' ? '; wakeups of a blocking task take its runqueue lock' : '')
    );
  }
}
