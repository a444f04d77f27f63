/**
 * npm run bench: engine speed on three machine sizes, and memory per task. Writes docs/performance.md (the table
 * and the command that produced it) and prints the same table.
 *
 * Goals (issue 2), on the 2-core reference machine, single-threaded:
 *   - >= 2 million events/s on kilo1024 under hackbench with >= 4,000 tasks;
 *   - cost per event growing less than 1.5x from 8 to 1024 CPUs;
 *   - under 2 KB per task (100,000 tasks in well under 1 GB).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runExperiment, type RunSpec } from '../src/experiments/run.js';
import { Kernel } from '../src/kernel/kernel.js';
import { buildPreset } from '../src/machine/presets.js';
import { findPolicy } from '../src/policies/registry.js';
import { resolveParams } from '../src/experiments/params.js';
import { ProgramBuilder } from '../src/workloads/program.js';

interface Row {
  name: string;
  cpus: number;
  tasks: number;
  simMs: number;
  events: number;
  wallMs: number;
  eventsPerSec: number;
  nsPerEvent: number;
  csPerWallSec: number;
}

const quick = process.argv.includes('--quick');

const cases: [string, RunSpec][] = [
  ['hackbench smp8', { machine: 'smp8', sched: 'rr', workload: 'hackbench', workloadParams: { groups: 10 }, durationNs: quick ? 100e6 : 1e9, seed: 1 }],
  ['hackbench opteron6272 (64 CPUs)', { machine: 'opteron6272', sched: 'rr', workload: 'hackbench', workloadParams: { groups: 40 }, durationNs: quick ? 50e6 : 300e6, seed: 1 }],
  ['hackbench kilo1024', { machine: 'kilo1024', sched: 'rr', workload: 'hackbench', workloadParams: { groups: 100 }, durationNs: quick ? 20e6 : 150e6, seed: 1 }],
  ['loop_yield smp8', { machine: 'smp8', sched: 'rr', workload: 'loop_yield', workloadParams: { tasks: 16 }, durationNs: quick ? 50e6 : 500e6, seed: 1 }],
  ['loop_yield opteron6272 (64 CPUs)', { machine: 'opteron6272', sched: 'rr', workload: 'loop_yield', workloadParams: { tasks: 128 }, durationNs: quick ? 10e6 : 100e6, seed: 1 }],
  ['loop_yield kilo1024', { machine: 'kilo1024', sched: 'rr', workload: 'loop_yield', workloadParams: { tasks: 2048 }, durationNs: quick ? 2e6 : 10e6, seed: 1 }],
];

function runCase(name: string, spec: RunSpec): Row {
  const r = runExperiment(spec);
  return {
    name,
    cpus: r.machine.cpus,
    tasks: typeof r.workload.extra.tasks === 'number' ? r.workload.extra.tasks : r.metrics.fairness.tasks,
    simMs: r.sim.simulatedNs / 1e6,
    events: r.sim.events,
    wallMs: r.sim.wallMs,
    eventsPerSec: r.sim.eventsPerSec,
    nsPerEvent: (r.sim.wallMs * 1e6) / r.sim.events,
    csPerWallSec: (r.metrics.contextSwitches * 1000) / r.sim.wallMs,
  };
}

function memoryPerTask(n: number): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  const pe = findPolicy('rr')!;
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const k = new Kernel({ machine: buildPreset('kilo1024')!, policy: pe.create(resolveParams('rr', pe.tunables, {})), seed: 1 });
  const b = new ProgramBuilder('idle-task');
  b.sleep(1e12);
  const p = k.addProgram(b.build());
  for (let i = 0; i < n; i++) k.spawn(p, { cpu: i % k.nCpus });
  k.run(1e6); // every task ran once and sleeps
  gc?.();
  const after = process.memoryUsage().heapUsed;
  if (k.allTasks.length !== n) throw new Error('tasks missing');
  return (after - before) / n;
}

// warm the JIT so the first case is not measured cold
runExperiment({ machine: 'smp4', sched: 'rr', workload: 'hackbench', workloadParams: { groups: 2 }, durationNs: 50e6, seed: 9 });
runExperiment({ machine: 'smp4', sched: 'rr', workload: 'loop_yield', durationNs: 20e6, seed: 9 });

const rows = cases.map(([n, s]) => {
  const r = runCase(n, s);
  process.stderr.write(`${n}: ${Math.round(r.eventsPerSec)} events/s\n`);
  return r;
});
const perTask = memoryPerTask(100_000);

const f = (x: number, d = 0) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const lines: string[] = [];
lines.push('| case | CPUs | tasks | simulated | events | wall | events/s | ns/event | context switches per wall second |');
lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows)
  lines.push(`| ${r.name} | ${r.cpus} | ${f(r.tasks)} | ${f(r.simMs)} ms | ${f(r.events)} | ${f(r.wallMs / 1000, 2)} s | ${f(r.eventsPerSec)} | ${f(r.nsPerEvent)} | ${f(r.csPerWallSec)} |`);
const hb8 = rows[0]!;
const hb1024 = rows[2]!;
const ly8 = rows[3]!;
const ly1024 = rows[5]!;
const goals = [
  `- events/s on kilo1024 under hackbench (${f(hb1024.tasks)} tasks): ${f(hb1024.eventsPerSec)} (goal >= 2,000,000): ${hb1024.eventsPerSec >= 2e6 ? 'met' : 'NOT met'}`,
  `- cost per event, kilo1024 / smp8: hackbench ${(hb1024.nsPerEvent / hb8.nsPerEvent).toFixed(2)}x, loop_yield ${(ly1024.nsPerEvent / ly8.nsPerEvent).toFixed(2)}x (goal < 1.5x): ${hb1024.nsPerEvent / hb8.nsPerEvent < 1.5 && ly1024.nsPerEvent / ly8.nsPerEvent < 1.5 ? 'met' : 'NOT met'}`,
  `- memory per task with 100,000 sleeping tasks on kilo1024: ${f(perTask)} bytes (goal < 2,048): ${perTask < 2048 ? 'met' : 'NOT met'}`,
];
const table = lines.join('\n');
process.stdout.write(table + '\n\n' + goals.join('\n') + '\n');
if (!quick) {
  const doc = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'docs', 'performance.md');
  const header = `# Performance

Produced by \`npm run bench\` (which runs \`node --expose-gc dist/bench/bench.js\`) on the project's reference machine
(2 cores, Node ${process.version}, single-threaded), policy \`rr\`. Wall time is the event loop only (no setup, no
report). The figures vary by a few percent from run to run; the engine's output does not.

`;
  const notes = `

## Where the time goes, and the gaps

Profile: \`node --cpu-prof --max-inlined-bytecode-size=0 dist/src/cli/main.js run --machine kilo1024 --workload
hackbench:groups=100 --duration 60ms\` (inlining off so that self time lands on the functions). Measured on
2026-11-22: the event calendar's lane tree \`replay\` 20%, the task-program interpreter \`runOps\` 14%,
\`onCpuEvent\` 9%, CPU time accounting \`commit\` 6%, everything else under 4% each. The event path allocates
nothing; the garbage collector still takes 1-5% of the time depending on the policy (closures and arrays on rarer
paths, task creation).

- **Cost per event from 8 to 1024 CPUs (goal < 1.5x): not met** (see the table: 1.7-2x). The growth is the
  calendar's logarithm: the CPUs' continuations live in a tournament tree of one leaf per CPU (O(log2 CPUs) per
  update, with an early stop) and the other events in a 4-ary heap. Measured alone (\`/tmp\`-style micro benchmark:
  pop the minimum, set the same lane a few us later), the tree does 31.7M pop+set/s with 8 lanes and 9.4M with 1024,
  i.e. about 72 ns more per event, which is the whole difference between the smp8 and kilo1024 rows. Tried and
  measured without gain: keys stored inline in the tree nodes, a 4-ary tree (8.8M/s at 1024). Not tried yet: a
  calendar (bucket) queue, whose O(1) expected cost would remove the growth if bucket widths can be tuned robustly.
- **\`schedlab run --machine kilo1024 --sched rr --workload hackbench:groups=100 --duration 1s --json\` takes about
  85 s of wall time here (goal: well under a minute): not met.** Measured 2026-11-22: 16.1 million context switches,
  235 million events at 2.8 million events/s, CPUs 57% busy (22 rounds of perf's benchmark in the simulated second). Every pipe or socket operation is an event of its own (it
  touches shared state at its own time), so a 1024-CPU machine moving ~120 million messages per simulated second
  needs about two events per message; the rate of events is what a faster calendar would improve.
- Changes that paid, measured: keys stored inline in the heap (5.6M -> 7.1M pop+push/s at 3,000 events); a popped
  root left in place for the handler's next event (one sift instead of two); one tick event per jiffy for the whole
  machine instead of one per CPU (halves the calendar); CPU continuations in their own tree lanes; executing
  LOOP/COUNT/MARK instructions ahead (one event fewer per loop iteration).
`;
  writeFileSync(doc, header + table + '\n\nGoals:\n\n' + goals.join('\n') + '\n' + notes);
  process.stderr.write(`wrote ${doc}\n`);
}
