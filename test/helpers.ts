/** Test helpers: build and run a kernel directly, so tests can look at per-CPU and per-task state. */
import { Kernel, type KernelObserver } from '../src/kernel/kernel.js';
import { buildPreset } from '../src/machine/presets.js';
import type { Machine } from '../src/machine/topology.js';
import { findPolicy } from '../src/policies/registry.js';
import { findWorkload } from '../src/workloads/registry.js';
import { resolveParams } from '../src/experiments/params.js';
import type { WorkloadInstance } from '../src/workloads/workload.js';

export interface Built {
  k: Kernel;
  wl: WorkloadInstance | null;
}

export function build(
  policy: string,
  machine: string | Machine,
  workload: string | null,
  wparams: Record<string, string | number> = {},
  pparams: Record<string, string | number> = {},
  seed = 1,
  observer?: KernelObserver,
): Built {
  const m = typeof machine === 'string' ? buildPreset(machine)! : machine;
  const pe = findPolicy(policy)!;
  const k = new Kernel({ machine: m, policy: pe.create(resolveParams(policy, pe.tunables, pparams)), seed, checkInvariants: true, observer });
  let wl: WorkloadInstance | null = null;
  if (workload !== null) {
    const we = findWorkload(workload)!;
    wl = we.setup(k, resolveParams(workload, we.params, wparams));
  }
  return { k, wl };
}

/** Runs to `durationNs` or until every task exits; closes the accounting; returns the simulated length. */
export function runFor(k: Kernel, durationNs: number): number {
  k.run(durationNs);
  const end = k.finishedAt >= 0 ? k.finishedAt : durationNs;
  k.finalize(end);
  return end;
}
