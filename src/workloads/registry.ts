/** The workload registry: names to benchmarks. */
import { chat } from './chat.js';
import { hackbench } from './hackbench.js';
import { hogs } from './hogs.js';
import { latProc } from './lat-proc.js';
import { loopYield } from './loop-yield.js';
import { mkbench } from './mkbench.js';
import { pipe } from './pipe.js';
import { taskset } from './taskset.js';
import type { WorkloadEntry } from './workload.js';

export const WORKLOADS: readonly WorkloadEntry[] = [loopYield, pipe, hackbench, hogs, chat, mkbench, latProc, taskset];

export function findWorkload(name: string): WorkloadEntry | undefined {
  return WORKLOADS.find((w) => w.name === name);
}
