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
 * the reproduction apart from wall-clock figures.
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
}

export interface ReproResult {
  name: string;
  title: string;
  source: string;
  conditions: string;
  rows: ReproRowResult[];
  checks: { finding: string; holds: boolean }[];
  runs: Record<string, { spec: RunSpec; throughput: number; unit: string; wallMs: number; events: number }>;
}

export function runReproduction(r: Reproduction, onRun?: (key: string, i: number, n: number) => void): ReproResult {
  const results: Results = {};
  const keys = Object.keys(r.runs);
  keys.forEach((key, i) => {
    onRun?.(key, i, keys.length);
    results[key] = runExperiment(r.runs[key]!);
  });
  const byLabel = new Map<string, { pub: number; sim: number }>();
  const rows: ReproRowResult[] = r.rows.map((row) => {
    const sim = row.simulated(results);
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
    };
  });
  const runs: ReproResult['runs'] = {};
  for (const k of keys) {
    const x = results[k]!;
    runs[k] = { spec: r.runs[k]!, throughput: x.workload.throughput, unit: x.workload.unit, wallMs: x.sim.wallMs, events: x.sim.events };
  }
  return {
    name: r.name,
    title: r.title,
    source: r.source,
    conditions: r.conditions,
    rows,
    checks: r.checks.map((c) => ({ finding: c.finding, holds: c.holds(results) })),
    runs,
  };
}

/** Helpers for rows. */
export const tp = (key: string) => (r: Results): number => r[key]!.workload.throughput;
export const metric = (key: string, f: (x: RunResult) => number) => (r: Results): number => f(r[key]!);
