/**
 * runExperiment(spec) -> Result: a pure function of the spec (plain data) apart from the wall-clock figures under
 * `sim`. The same spec and seed give byte-identical results otherwise.
 *
 * Steps
 * 1. Resolve the machine (preset name or inline machine-file object), the policy and workload with their parameters
 *    (errors name the field and list what exists).
 * 2. Build the kernel, let the workload spawn its tasks at time 0.
 * 3. Run the event loop in slices of simulated time (progress callback between slices) until the duration or until
 *    every task has exited.
 * 4. Close the accounting at the end time and collect metrics.
 */
import { Kernel } from '../kernel/kernel.js';
import { buildPreset, machineFromObject, machinePresetNames } from '../machine/presets.js';
import { Machine, type TopologySpec } from '../machine/topology.js';
import { findPolicy, POLICIES } from '../policies/registry.js';
import { findWorkload, WORKLOADS } from '../workloads/registry.js';
import { collectMetrics, type Metrics } from '../metrics/collect.js';
import { ParamError, resolveParams } from './params.js';
import type { TunableDecl, TunableValues } from '../kernel/sched-class.js';
import type { WorkloadOutcome } from '../workloads/workload.js';

export interface RunSpec {
  /** A machine preset name, or a machine-file object (already parsed from YAML/JSON). */
  machine: string | Record<string, unknown>;
  sched: string;
  schedParams?: Record<string, string | number>;
  workload: string;
  workloadParams?: Record<string, string | number>;
  /** Kernel-core semantics set over the machine's own (MACHINE_OPTIONS; `schedlab reproduce --set machine:...`). */
  machineOptions?: Record<string, string | number>;
  durationNs: number;
  seed: number;
}

/** The machine-file fields a run can set over any machine, preset or file (docs/machines.md). */
export const MACHINE_OPTIONS: readonly TunableDecl[] = [
  { name: 'spinlocks', default: 'fifo', unit: 'choice', choices: ['fifo', 'tas'], meaning: 'hand-over of a contended spinlock: fifo (ticket order) or tas (test-and-set, Linux 2.4 and 2.6.0 on i386)' },
  { name: 'wakeups', default: 'direct', unit: 'choice', choices: ['direct', 'locked'], meaning: "a blocking task still current on its CPU: woken without a lock (direct) or under its runqueue lock (locked, as Linux's try_to_wake_up)" },
];

export interface RunResult {
  spec: {
    machine: string;
    sched: string;
    schedParams: TunableValues;
    workload: string;
    workloadParams: TunableValues;
    durationNs: number;
    seed: number;
    hz: number;
  };
  machine: { name: string; cpus: number; nodes: number; llcs: number; costs: string; summary: string };
  sim: { events: number; eventsPerSec: number; wallMs: number; simulatedNs: number; finished: boolean };
  metrics: Metrics;
  workload: { name: string; throughput: number; unit: string; extra: Record<string, number | string>; lines: string[] };
}

export interface RunOptions {
  /** Called between slices of simulated time. */
  onProgress?: (simNs: number, totalNs: number, events: number) => void;
  /** Check kernel invariants after every event (slow; tests). */
  checkInvariants?: boolean;
  /** Where a machine object came from, for error messages. */
  machineSource?: string;
  /** Number of progress slices. */
  slices?: number;
}

export function resolveMachine(m: RunSpec['machine'], source = 'machine file'): Machine {
  if (typeof m === 'string') {
    const p = buildPreset(m);
    if (!p) throw new ParamError(`unknown machine "${m}"; presets: ${machinePresetNames().join(', ')} (or give a YAML/JSON machine file)`);
    return p;
  }
  const r = machineFromObject(m, source);
  if (Array.isArray(r)) throw new ParamError(r.join('\n'));
  return r;
}

export function runExperiment(spec: RunSpec, opts: RunOptions = {}): RunResult {
  let machine = resolveMachine(spec.machine, opts.machineSource);
  const mo = spec.machineOptions;
  if (mo !== undefined && Object.keys(mo).length > 0) {
    const v = resolveParams('machine', MACHINE_OPTIONS, mo);
    // only the options given replace the machine's own (resolveParams has checked their names and values)
    const given = Object.fromEntries(Object.keys(mo).map((k) => [k, v[k]])) as Partial<TopologySpec>;
    machine = new Machine({ ...machine.spec, ...given });
  }
  const pe = findPolicy(spec.sched);
  if (!pe) throw new ParamError(`unknown policy "${spec.sched}"; policies: ${POLICIES.map((p) => p.name).join(', ')}`);
  const we = findWorkload(spec.workload);
  if (!we) throw new ParamError(`unknown workload "${spec.workload}"; workloads: ${WORKLOADS.map((w) => w.name).join(', ')}`);
  const sp = resolveParams(`policy ${pe.name}`, pe.tunables, spec.schedParams ?? {});
  const wp = resolveParams(`workload ${we.name}`, we.params, spec.workloadParams ?? {});
  if (!(spec.durationNs > 0)) throw new ParamError('the duration must be positive, e.g. --duration 1s');
  if (!Number.isSafeInteger(spec.seed) || spec.seed < 0) throw new ParamError('the seed must be a non-negative integer');
  const policy = pe.create(sp);
  const k = new Kernel({ machine, policy, seed: spec.seed, checkInvariants: opts.checkInvariants });
  const wl = we.setup(k, wp);

  const t0 = performance.now();
  const slices = opts.slices ?? 100;
  const end = spec.durationNs;
  for (let i = 1; i <= slices && k.finishedAt < 0; i++) {
    k.run(Math.floor((end * i) / slices));
    opts.onProgress?.(Math.min(k.now, end), end, k.events);
  }
  const wallMs = performance.now() - t0;
  const finished = k.finishedAt >= 0;
  const simNs = finished ? Math.max(1, k.finishedAt) : end;
  k.finalize(simNs);
  const metrics = collectMetrics(k, simNs);
  const out: WorkloadOutcome = wl.outcome(k, simNs, finished);
  return {
    spec: {
      machine: machine.name,
      sched: pe.name,
      schedParams: sp,
      workload: we.name,
      workloadParams: wp,
      durationNs: spec.durationNs,
      seed: spec.seed,
      hz: k.hz,
    },
    machine: {
      name: machine.name,
      cpus: machine.nCpus,
      nodes: machine.nNodes,
      llcs: machine.nLlcs,
      costs: machine.cost.name,
      summary: machine.summary(),
    },
    sim: {
      events: k.events,
      eventsPerSec: wallMs > 0 ? Math.round((k.events * 1000) / wallMs) : 0,
      wallMs: Math.round(wallMs * 10) / 10,
      simulatedNs: simNs,
      finished,
    },
    metrics,
    workload: { name: we.name, throughput: out.throughput, unit: out.unit, extra: out.extra, lines: out.lines },
  };
}
