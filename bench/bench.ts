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

// each case: one unmeasured run of the same machine and workload (a fifth of the time, another seed) so that the JIT
// has compiled that case's paths, then two measured runs; the faster is reported. (Until the fifth session of
// 2026-11-22 every case was measured once after a short smp4 warm-up, which left the first row, smp8 hackbench,
// partly cold: about 175 ns/event instead of about 118.)
const rows = cases.map(([n, s]) => {
  runExperiment({ ...s, durationNs: s.durationNs / 5, seed: s.seed + 100 });
  const a = runCase(n, s);
  const b = runCase(n, s);
  const r = a.wallMs <= b.wallMs ? a : b;
  process.stderr.write(`${n}: ${Math.round(r.eventsPerSec)} events/s (best of 2: ${Math.round(a.eventsPerSec)}, ${Math.round(b.eventsPerSec)})\n`);
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
report). Each case runs once unmeasured (a fifth of its simulated time, another seed: the JIT compiles its paths),
then twice; the faster run is shown. The figures vary by a few percent from run to run; the engine's output does
not.

`;
  const notes = `

## Where the time goes, and the gaps

Profile: \`node --cpu-prof --max-inlined-bytecode-size=0 dist/src/cli/main.js run --machine kilo1024 --workload
hackbench:groups=100 --duration 60ms\` (inlining off so that self time lands on the functions). Measured on
2026-11-22 after the changes below: the task-program interpreter \`runOps\` 14%, \`onCpuEvent\` 11%,
\`runPureOps\` 7%, the event calendar 19% in all (inserting a lane 6%, \`popUntil\` 5%, finding the earliest lane
4%, \`setLane\` 3%, the heap 2%), CPU time accounting \`commit\` 3%, everything else under 4% each. Before them the
lane tree's \`replay\` alone took 20%. The event path allocates nothing; the garbage collector takes 1-5% of the
time depending on the policy (closures and arrays on rarer paths, task creation).

- **Cost per event from 8 to 1024 CPUs (goal < 1.5x): met for loop_yield (1.02-1.10x), not for hackbench
  (1.6-2.5x, depending on the day).** Two runs of \`npm run bench\` in the seventh session of 2026-11-22 gave
  kilo1024 hackbench 204 and 200 ns/event against smp8's 118 and 122 (1.73x, 1.64x); the eighth session's run (after the socket lock of docs/workloads.md, which adds a field to every task: 916 bytes a task against 908) gave 216 against 98 (2.21x); the table above is the ninth session's (after the machine options \`spinlocks\` and \`wakeups\`, two tests on the lock and wakeup paths; 917 bytes a task), 203 against 116 (1.75x), and a run just before it, while a research helper shared the machine, 230 against 108 (2.13x); the same
  simulation (the same 32,175,466 events) had taken 286 ns/event in the sixth session's table. No engine change
  between them explains it (the seventh session added only TCP counters and \`--check\` invariants): most likely
  the sixth session's runs shared the cores with other work. The 1 s kilo1024 run below took 51.5 s in the seventh
  session, as before. Until the fifth session of 2026-11-22 this page said 1.57-1.69x for hackbench: the smp8 row was
  measured right after a short smp4 warm-up and was partly JIT-cold (173-185 ns/event; warmed, 114-125). With each
  case warmed first, two runs in the fifth session gave kilo1024 hackbench 294 ns/event against smp8's 125 (2.35x)
  and 281 against 114 (2.47x). A profile of both
  (\`node --cpu-prof --max-inlined-bytecode-size=0\`, kilo1024 60 ms against smp8 2 s, fifth session) puts the
  extra in \`onCpuEvent\` (+56 ns/event), \`runPureOps\` (+29), the lane calendar (\`linkLane\` +25, \`setLane\`
  +11, \`findMinLane\` +8) and \`runOps\` (+21): the first touch of a CPU's and its task's objects among 1,024
  CPUs and 4,001 tasks (the memory of a larger world), and work the model does only on big machines (remote
  cache-line and memory costs, lock hand-overs between nodes). It is the number of CPUs, not of tasks: warmed, best
  of two (a script over \`runExperiment\`, fifth session), hackbench with 401 tasks costs 127 ns/event on smp8, 183
  on opteron6272 and 193 on kilo1024, and with 4,001 tasks 117 on smp8 and 287 on kilo1024; with 1,024 CPUs busy,
  each event touches another CPU's and another task's objects. Earlier figures of the same kind: three runs in an
  earlier session gave 206 against 130 ns (1.58x); before the changes listed below, 288 against 127 (2.2x).
- **\`schedlab run --machine kilo1024 --sched rr --workload hackbench:groups=100 --duration 1s --json\` takes 49 to
  51 s of wall time here (two runs; 4.6 to 4.8 million events/s), against 73 s before the changes below (one run in
  the same session; 77 to 85 s in earlier ones) (goal: well under a minute): under a minute, if not by much.** Its
  JSON output is byte-identical before and after (wall-clock fields aside). 235 million events, 16.1 million
  context switches, CPUs 57% busy (22 rounds of perf's benchmark in the simulated second). Every pipe or socket
  operation is an event of its own (it touches shared state at its own time), so a 1024-CPU machine moving 88
  million messages per simulated second needs between two and three events per message (235M / 88M).
- Changes that paid (2026-11-22), measured by interleaved runs in one session (medians of 3 to 7 runs; another
  process shared the 2 cores at times, so single figures vary by +-5%):
  - The CPUs' continuations (lanes) in a calendar queue when there are more than 32 lanes: a ring of 2 x lanes
    buckets of a power-of-two width, each bucket a list sorted by (time, seq) and searched from its tail (a lane set
    by a handler has the largest seq, so lanes in lockstep at one time cost O(1): loop_yield on kilo1024 keeps 1024
    lanes on two distinct times). The width adapts every 1024 lane events from two counts (empty buckets passed
    when finding the earliest lane, lanes stepped over when inserting), doubled or halved with a 4x dead band;
    the order is exact whatever the width. On recorded queue traces of real runs (\`pop\`/\`setLane\` calls
    replayed, about 24 ns per event of replay overhead included): kilo1024 hackbench 109 -> 59-69 ns per event,
    opteron6272 (64 lanes) 86-92 -> 65-70; with 8 lanes the tree stays better (53 against 58), hence the tree up to
    32 lanes. In the engine (bench cases with 60 ms and 5 ms simulated): kilo1024 hackbench 313 -> 255 ns/event,
    loop_yield 220 -> 150; smp8 hackbench 129 -> 121 with the tree kept for few lanes (the calendar alone: 139).
  - \`popUntil(until)\`: one queue call per event in the kernel's loop instead of \`size\`, \`peekTime\` and \`pop\`.
  - A path's list of CPUs to reschedule reused with a count: \`reschedTo.length = 0\` on every path was a call
    into the runtime (1.6% of the profile); with the accounting change below: loop_yield smp8 132 -> 100 ns/event,
    kilo1024 148 -> 94, kilo1024 hackbench -6%.
  - The CPUs' time accounting (buckets, cursor, ring of the last commits) in one array shared by all CPUs instead of
    three small typed arrays and a boxed double per CPU: kilo1024 hackbench 252 -> 238 ns/event for one array per
    CPU, then -3% for one array for all CPUs (the cursor unboxed).
- Tried without gain: the lane keys and links interleaved in two arrays (time and seq side by side; prev, next,
  bucket and kind side by side): slower (queue trace 62 -> 79 ns per event); a CPU's user segment bounds
  (\`userFrom\`, \`segEnd\`) moved into the shared accounting array: within noise; earlier, keys stored inline in
  the tree nodes and a 4-ary tree (no gain over the binary tree).
- **Chat with 30 rooms (2,400 threads) on numaq16 under dss for 5 simulated seconds** (the 2.4 issue's speed goal:
  under a minute): \`schedlab run --machine numaq16 --sched dss --workload chat:rooms=30,messages=300 --duration 5s\`
  takes 2.0 s of wall time (1.45 million events), measured in the fifth session of 2026-11-22. Chat 30/300 to
  completion under dss (169 simulated seconds, 2.4 collapsing on the runqueue lock; \`--duration 300s\`) takes 46 s
  (19.4 million events).
- History of the table (all on this machine type): an earlier session's table had kilo1024 hackbench at 4.86
  million events/s (206 ns/event); the third session measured 3.22 million (and 3.38 million for the commit before
  its loopback TCP changes, benchmarked right after in a fresh clone: the machine was slower that day), the fourth
  3.53 million, the fifth 3.42 million in the old way and 3.40 and 3.56 million warmed, best of two.
- Changes that paid earlier: keys stored inline in the heap (5.6M -> 7.1M pop+push/s at 3,000 events); a popped
  root left in place for the handler's next event (one sift instead of two); one tick event per jiffy for the whole
  machine instead of one per CPU (halves the calendar); CPU continuations in their own lanes; executing
  LOOP/COUNT/MARK instructions ahead (one event fewer per loop iteration).
`;
  writeFileSync(doc, header + table + '\n\nGoals:\n\n' + goals.join('\n') + '\n' + notes);
  process.stderr.write(`wrote ${doc}\n`);
}
