/**
 * The workload interface: a benchmark builds its programs, channels and initial tasks into the kernel, and after
 * the run turns the kernel's counters into its native throughput and, where a real tool exists, lines printed the
 * way that tool prints them.
 */
import type { Kernel } from '../kernel/kernel.js';
import type { TunableDecl, TunableValues } from '../kernel/sched-class.js';

export interface WorkloadOutcome {
  /** Throughput in the workload's native unit. */
  throughput: number;
  unit: string;
  /** Extra figures for --json (numbers or strings). */
  extra: Record<string, number | string>;
  /** Lines as the real tool would print them. */
  lines: string[];
}

export interface WorkloadInstance {
  /** Called after the run; `simNs` is the simulated length (shorter than asked if every task exited). */
  outcome(k: Kernel, simNs: number, finished: boolean): WorkloadOutcome;
}

export interface WorkloadEntry {
  readonly name: string;
  readonly description: string;
  readonly params: readonly TunableDecl[];
  /** Builds the workload into a fresh kernel at time 0. */
  setup(k: Kernel, v: TunableValues): WorkloadInstance;
}

/** Parses a nice list like "0/5/19" (cycled over tasks). */
export function parseNiceList(text: string): number[] | string {
  const out: number[] = [];
  for (const part of text.split('/')) {
    const n = Number(part);
    if (!Number.isInteger(n) || n < -20 || n > 19) return `"${part}" is not a nice value (-20..19); write e.g. nice=0/5/19`;
    out.push(n);
  }
  return out;
}
