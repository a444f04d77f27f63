/**
 * Reproductions: published results rerun in the simulator, side by side. A reproduction is data: the runs it needs
 * (plain RunSpecs) and rows that pair a published figure with the simulated one. Absolute speeds of 2001 hardware are
 * not the point, so every row may name a baseline row: the published ratio (row / baseline) is compared with the
 * simulated ratio, and `agreement` = simulated ratio / published ratio (1 is perfect). A row without a baseline
 * compares absolute figures (agreement = simulated / published), which is meaningful for percentages and times of the
 * same kind. A row whose published figure is not known (NaN) shows the simulated figure only. Qualitative findings of
 * the source are checks that pass or fail.
 *
 * runReproduction(r) runs every RunSpec once (in the order listed) and evaluates rows and checks: a pure function of
 * the reproduction apart from wall-clock figures. With `seeds` = N > 1 every RunSpec is run with N consecutive seeds
 * from its own: a row's simulated figure is the mean of its N values (with their range), a ratio is that of the
 * means, and each finding is checked on every seed's results (it holds only if it holds on all of them). Chat runs
 * are fixed programs unless `jitter` > 0 draws their user work from the seed (withJitter).
 */
import { runExperiment, type RunResult, type RunSpec } from './run.js';

export interface ReproRow {
  label: string;
  /** Published figure and its unit (in the source's terms). */
  published: number;
  unit: string;
  /** Simulated figure in the same unit, from the run results. */
  simulated: (r: Results) => number;
  /** Label of the row this one is compared against (ratios); omit for rows that only set a baseline. */
  baseline?: string;
  note?: string;
}

export interface ReproCheck {
  /** The finding, as the source states it. */
  finding: string;
  holds: (r: Results) => boolean;
}

export interface Reproduction {
  name: string;
  title: string;
  /** Citation: who, where, when. */
  source: string;
  /** Machine and conditions of the published runs, and how the simulation maps them. */
  conditions: string;
  runs: Record<string, RunSpec>;
  rows: ReproRow[];
  checks: ReproCheck[];
  /** Which published figures were used to fit cost presets (so they are not evidence), if any. */
  fitted?: string[];
}

export type Results = Record<string, RunResult>;

export interface ReproRowResult {
  label: string;
  published: number;
  simulated: number;
  unit: string;
  baseline: string | null;
  publishedRatio: number | null;
  simulatedRatio: number | null;
  agreement: number | null;
  fitted: boolean;
  note: string | null;
  /** Smallest and largest of the per-seed values (null with one seed). */
  simulatedMin: number | null;
  simulatedMax: number | null;
}

export interface ReproResult {
  name: string;
  title: string;
  source: string;
  conditions: string;
  rows: ReproRowResult[];
  /** holds: on every seed; holdsOn: on how many of `seeds`. */
  checks: { finding: string; holds: boolean; holdsOn: number }[];
  seeds: number;
  /** chat's user-work jitter (percent) applied to every chat run; 0: the specs as written (or no chat run). */
  jitter: number;
  /** Parameters set over the reproduction's own (--set), by workload or policy name: only those some run used. */
  overrides: Record<string, Record<string, string | number>>;
  /** One entry per RunSpec: throughput is the mean over the seeds, wall time and events the sums. */
  runs: Record<string, { spec: RunSpec; throughput: number; unit: string; wallMs: number; events: number }>;
}

/**
 * A run's spec as the reproduction runs it: with `jitter` > 0, chat's user work per message is drawn around its mean
 * (chat's `jitter` parameter), so chat runs, which are otherwise fixed programs, differ from seed to seed.
 */
export function withJitter(spec: RunSpec, jitter: number): RunSpec {
  if (jitter <= 0 || spec.workload !== 'chat') return spec;
  return { ...spec, workloadParams: { ...spec.workloadParams, jitter } };
}

/**
 * Parameters set over a reproduction's runs (`schedlab reproduce --set`): for each workload or policy name, values
 * that replace or add to those of every run of that workload or policy; under "machine", machine options (MACHINE_OPTIONS)
 * for every run. The published figures stay what they were,
 * so the comparison then answers "what if", not "does the model reproduce the source".
 */
export type Overrides = Record<string, Record<string, string | number>>;

/** The --set name whose values go to every run's machine (MACHINE_OPTIONS in run.ts): `--set machine:spinlocks=tas`. */
export const MACHINE_SET = 'machine';

/** A run's spec with the overrides that apply to it; `used` collects the names that applied. */
export function withOverrides(spec: RunSpec, overrides: Overrides, used?: Set<string>): RunSpec {
  let out = spec;
  const w = overrides[spec.workload];
  if (w !== undefined) {
    out = { ...out, workloadParams: { ...out.workloadParams, ...w } };
    used?.add(spec.workload);
  }
  const p = overrides[spec.sched];
  if (p !== undefined) {
    out = { ...out, schedParams: { ...out.schedParams, ...p } };
    used?.add(spec.sched);
  }
  const m = overrides[MACHINE_SET];
  if (m !== undefined) {
    out = { ...out, machineOptions: { ...out.machineOptions, ...m } };
    used?.add(MACHINE_SET);
  }
  return out;
}

export function runReproduction(r: Reproduction, onRun?: (key: string, i: number, n: number) => void, seeds = 1, jitter = 0, overrides: Overrides = {}): ReproResult {
  if (!Number.isSafeInteger(seeds) || seeds < 1) throw new RangeError(`seeds must be a whole number of at least 1, not ${seeds}`);
  if (!(jitter >= 0 && jitter <= 100)) throw new RangeError(`jitter must be a percentage from 0 to 100, not ${jitter}`);
  const keys = Object.keys(r.runs);
  const used = new Set<string>();
  const specs = keys.map((key) => withJitter(withOverrides(r.runs[key]!, overrides, used), jitter));
  const perSeed: Results[] = [];
  for (let s = 0; s < seeds; s++) {
    const results: Results = {};
    keys.forEach((key, i) => {
      onRun?.(seeds > 1 ? `${key}, seed +${s}` : key, s * keys.length + i, seeds * keys.length);
      const spec = specs[i]!;
      results[key] = runExperiment(s === 0 ? spec : { ...spec, seed: spec.seed + s });
    });
    perSeed.push(results);
  }
  const byLabel = new Map<string, { pub: number; sim: number }>();
  const rows: ReproRowResult[] = r.rows.map((row) => {
    const vals = perSeed.map((res) => row.simulated(res));
    const sim = vals.reduce((a, b) => a + b, 0) / vals.length;
    byLabel.set(row.label, { pub: row.published, sim });
    let pr: number | null = null;
    let sr: number | null = null;
    if (row.baseline !== undefined) {
      const b = byLabel.get(row.baseline);
      if (!b) throw new Error(`reproduction ${r.name}: row "${row.label}" names baseline "${row.baseline}" before it is defined`);
      pr = row.published / b.pub;
      sr = sim / b.sim;
    }
    return {
      label: row.label,
      published: row.published,
      simulated: sim,
      unit: row.unit,
      baseline: row.baseline ?? null,
      publishedRatio: pr,
      simulatedRatio: sr,
      agreement: pr !== null && sr !== null ? (pr !== 0 && Number.isFinite(pr) ? sr / pr : null) : Number.isFinite(row.published) && row.published !== 0 ? sim / row.published : null,
      fitted: r.fitted?.includes(row.label) ?? false,
      note: row.note ?? null,
      simulatedMin: seeds > 1 ? Math.min(...vals) : null,
      simulatedMax: seeds > 1 ? Math.max(...vals) : null,
    };
  });
  const runs: ReproResult['runs'] = {};
  keys.forEach((k, i) => {
    const xs = perSeed.map((res) => res[k]!);
    runs[k] = {
      spec: specs[i]!,
      throughput: xs.reduce((a, x) => a + x.workload.throughput, 0) / seeds,
      unit: xs[0]!.workload.unit,
      wallMs: Math.round(xs.reduce((a, x) => a + x.sim.wallMs, 0) * 10) / 10,
      events: xs.reduce((a, x) => a + x.sim.events, 0),
    };
  });
  return {
    name: r.name,
    title: r.title,
    source: r.source,
    conditions: r.conditions,
    rows,
    checks: r.checks.map((c) => {
      const holdsOn = perSeed.filter((res) => c.holds(res)).length;
      return { finding: c.finding, holds: holdsOn === seeds, holdsOn };
    }),
    seeds,
    jitter: keys.some((k) => r.runs[k]!.workload === 'chat') ? jitter : 0,
    overrides: Object.fromEntries([...used].map((n) => [n, overrides[n]!])),
    runs,
  };
}

/** Helpers for rows. */
export const tp = (key: string) => (r: Results): number => r[key]!.workload.throughput;
export const metric = (key: string, f: (x: RunResult) => number) => (r: Results): number => f(r[key]!);
