/**
 * Turns a finished kernel's counters into the Metrics object of a run result. Locks of one class (per-CPU runqueue
 * locks "rq[3].lock") are summed into one row "rq[*].lock" with the instance count and the busiest instance's
 * utilisation; lockmeter's conventions: contention = contended / acquisitions, mean wait over contended
 * acquisitions, utilisation = hold time / run length.
 */
import { B_IDLE, B_KERNEL, B_SCHED, B_SPIN, B_USER } from '../kernel/cpu.js';
import type { Kernel } from '../kernel/kernel.js';

export interface LockRow {
  name: string;
  instances: number;
  acquisitions: number;
  contention: number;
  meanHoldNs: number;
  meanWaitNs: number;
  maxHoldNs: number;
  maxWaitNs: number;
  utilization: number;
  maxUtilization: number;
  spinCpus: number;
  trylockFailures: number;
  /** Test-and-set locks (machine spinlocks: tas): acquisitions by the CPU that had just released the lock, ahead of its waiters. */
  captures: number;
}

export interface Metrics {
  contextSwitches: number;
  contextSwitchesPerSec: number;
  migrations: { total: number; smt: number; llc: number; node: number; remote: number };
  wakeups: number;
  ipis: number;
  ticks: number;
  forks: number;
  wakeupLatencyNs: { count: number; mean: number; p50: number; p99: number; p999: number; max: number };
  utilization: { user: number; kernel: number; sched: number; spin: number; idle: number };
  schedNsPerSwitch: number;
  locks: LockRow[];
  idleWhileRunnableFraction: number;
  /** Time-averaged number of runnable tasks waiting for a CPU (machine-wide). */
  meanWaitingTasks: number;
  /** Jain's index over every task's CPU time, with the spread of per-task CPU time (ns). */
  fairness: { jain: number; tasks: number; minCpuNs: number; meanCpuNs: number; maxCpuNs: number };
  runqueueInspectionsPerSec: number;
  tasksExaminedPerSec: number;
  /** Of the task structures examined one by one (2.4's goodness scans), the fraction that missed the CPU's cache. */
  taskExamineMissRatio: number;
  /**
   * Loopback TCP (docs/workloads.md): data segments sent; with 2.4's rules (chat:nagle=1) also the writes Nagle held,
   * the pure ACKs sent and how many of them the delayed-ACK timer sent, and the segments that waited in a prequeue.
   */
  tcp: { segments: number; heldWrites: number; pureAcks: number; timerAcks: number; prequeued: number; sockLockSleeps: number };
}

const r4 = (x: number): number => Math.round(x * 1e4) / 1e4;
const r1 = (x: number): number => Math.round(x * 10) / 10;

export function collectMetrics(k: Kernel, simNs: number): Metrics {
  const sec = simNs / 1e9;
  const total = simNs * k.nCpus;
  const acc = [0, 0, 0, 0, 0];
  for (const c of k.cpus) for (let b = 0; b < 5; b++) acc[b]! += c.acc[b]!;
  const groups = new Map<string, LockRow & { waitSum: number; holdSum: number }>();
  for (const l of k.locks) {
    const name = l.name.replace(/\[\d+\]/g, '[*]');
    let g = groups.get(name);
    if (!g) {
      g = { name, instances: 0, acquisitions: 0, contention: 0, meanHoldNs: 0, meanWaitNs: 0, maxHoldNs: 0, maxWaitNs: 0, utilization: 0, maxUtilization: 0, spinCpus: 0, trylockFailures: 0, captures: 0, waitSum: 0, holdSum: 0 };
      groups.set(name, g);
    }
    g.instances++;
    g.acquisitions += l.acquisitions;
    g.contention += l.contended;
    g.holdSum += l.holdNs;
    g.waitSum += l.waitNs;
    g.maxHoldNs = Math.max(g.maxHoldNs, l.maxHoldNs);
    g.maxWaitNs = Math.max(g.maxWaitNs, l.maxWaitNs);
    g.maxUtilization = Math.max(g.maxUtilization, l.holdNs / simNs);
    g.trylockFailures += l.trylockFailures;
    g.captures += l.captures;
  }
  const locks: LockRow[] = [...groups.values()].map((g) => ({
    name: g.name,
    instances: g.instances,
    acquisitions: g.acquisitions,
    contention: g.acquisitions ? r4(g.contention / g.acquisitions) : 0,
    meanHoldNs: g.acquisitions ? r1(g.holdSum / g.acquisitions) : 0,
    meanWaitNs: g.contention ? r1(g.waitSum / g.contention) : 0,
    maxHoldNs: r1(g.maxHoldNs),
    maxWaitNs: r1(g.maxWaitNs),
    utilization: r4(g.holdSum / simNs / g.instances),
    maxUtilization: r4(g.maxUtilization),
    spinCpus: r4(g.waitSum / simNs),
    trylockFailures: g.trylockFailures,
    captures: g.captures,
  }));
  let s1 = 0;
  let s2 = 0;
  let n = 0;
  let mn = Infinity;
  let mx = 0;
  for (const t of k.allTasks) {
    if (t.kthread) continue;
    s1 += t.sumExecNs;
    s2 += t.sumExecNs * t.sumExecNs;
    if (t.sumExecNs < mn) mn = t.sumExecNs;
    if (t.sumExecNs > mx) mx = t.sumExecNs;
    n++;
  }
  const m = k.migrations;
  const h = k.latency;
  return {
    contextSwitches: k.contextSwitches,
    contextSwitchesPerSec: Math.round(k.contextSwitches / sec),
    migrations: { total: m[1]! + m[2]! + m[3]! + m[4]!, smt: m[1]!, llc: m[2]!, node: m[3]!, remote: m[4]! },
    wakeups: k.wakeups,
    ipis: k.ipis,
    ticks: k.ticks,
    forks: k.forks,
    wakeupLatencyNs: { count: h.count, mean: r1(h.mean()), p50: h.quantile(0.5), p99: h.quantile(0.99), p999: h.quantile(0.999), max: h.count ? h.max : 0 },
    utilization: { user: r4(acc[B_USER]! / total), kernel: r4(acc[B_KERNEL]! / total), sched: r4(acc[B_SCHED]! / total), spin: r4(acc[B_SPIN]! / total), idle: r4(acc[B_IDLE]! / total) },
    schedNsPerSwitch: k.contextSwitches ? r1((acc[B_SCHED]! + acc[B_SPIN]!) / k.contextSwitches) : 0,
    locks,
    idleWhileRunnableFraction: r4(k.idleWhileRunnableNs / total),
    meanWaitingTasks: r1(k.waitingIntegral / simNs),
    fairness: { jain: n > 0 && s2 > 0 ? r4((s1 * s1) / (n * s2)) : 1, tasks: n, minCpuNs: n ? Math.round(mn) : 0, meanCpuNs: n ? Math.round(s1 / n) : 0, maxCpuNs: Math.round(mx) },
    runqueueInspectionsPerSec: Math.round(k.inspected / sec),
    tasksExaminedPerSec: Math.round(k.examined / sec),
    taskExamineMissRatio: k.tasksExamined ? r4(1 - k.taskHits / k.tasksExamined) : 0,
    tcp: { segments: k.tcpSegments, heldWrites: k.tcpHeldWrites, pureAcks: k.tcpPureAcks, timerAcks: k.tcpTimerAcks, prequeued: k.tcpPrequeued, sockLockSleeps: k.sockLockSleeps },
  };
}
