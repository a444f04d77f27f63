/**
 * Golden summaries: fixed runs whose key figures are committed in test/golden/summaries.json. A change in the model
 * that moves any of them fails here and must be looked at; regenerate on purpose with UPDATE_GOLDEN=1 npm test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runExperiment, type RunSpec } from '../src/experiments/run.js';

const file = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'test', 'golden', 'summaries.json');

const RUNS: Record<string, RunSpec> = {
  'rr smp2 loop_yield': { machine: 'smp2', sched: 'rr', workload: 'loop_yield', workloadParams: { tasks: 4 }, durationNs: 50e6, seed: 1 },
  'rr smp8 hackbench': { machine: 'smp8', sched: 'rr', workload: 'hackbench', workloadParams: { groups: 2, loops: 20, rounds: 1 }, durationNs: 1e9, seed: 1 },
  'rr numaq16 pipe ring': { machine: 'numaq16', sched: 'rr', workload: 'pipe', workloadParams: { tasks: 6, loops: 2000 }, durationNs: 1e9, seed: 1 },
  'rr opteron6272 hogs': { machine: 'opteron6272', sched: 'rr', workload: 'hogs', workloadParams: { tasks: 80, nice: '0/10' }, durationNs: 100e6, seed: 3 },
  'rr epyc hackbench threads': { machine: 'epyc9654-2s', sched: 'rr', workload: 'hackbench', workloadParams: { groups: 4, loops: 10, threads: 1, pipe: 1 }, durationNs: 20e6, seed: 2 },
};

function summary(spec: RunSpec) {
  const r = runExperiment(spec);
  const m = r.metrics;
  return {
    simulatedNs: r.sim.simulatedNs,
    events: r.sim.events,
    contextSwitches: m.contextSwitches,
    migrations: m.migrations,
    wakeups: m.wakeups,
    ipis: m.ipis,
    latency: m.wakeupLatencyNs,
    utilization: m.utilization,
    idleWhileRunnable: m.idleWhileRunnableFraction,
    jain: m.fairness.jain,
    throughput: r.workload.throughput,
    unit: r.workload.unit,
  };
}

test('golden summaries are unchanged', () => {
  const got: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(RUNS)) got[name] = summary(spec);
  if (process.env.UPDATE_GOLDEN || !existsSync(file)) {
    writeFileSync(file, JSON.stringify(got, null, 2) + '\n');
    if (!process.env.UPDATE_GOLDEN) assert.fail(`wrote ${file}: commit it and run again`);
    return;
  }
  const want = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  for (const name of Object.keys(RUNS)) assert.deepEqual(got[name], want[name], `golden run "${name}" changed`);
});
