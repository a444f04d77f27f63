#!/usr/bin/env node
/**
 * The schedlab command line. Commands: run, list, demo (the default). Options are typed against the RunSpec so the
 * two cannot drift. Bad input ends with "schedlab: error: ..." naming the field and the fix, exit status 2; internal
 * errors print their stack (set SCHEDLAB_DEBUG=1 to see stacks for input errors too).
 */
import { readFileSync, existsSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { parse as parseYaml } from 'yaml';
import { formatDuration, parseDuration } from '../engine/time.js';
import { ParamError, describeTunable, splitSpec } from '../experiments/params.js';
import { runExperiment, type RunResult, type RunSpec } from '../experiments/run.js';
import { ModelError } from '../kernel/kernel.js';
import { listMachinePresets } from '../machine/presets.js';
import { POLICIES } from '../policies/registry.js';
import { WORKLOADS } from '../workloads/registry.js';
import { formatReport, pct, si, table } from './format.js';

class InputError extends Error {}

function fail(msg: string): never {
  throw new InputError(msg);
}

/** A --machine value: preset name, or a path to a YAML/JSON machine file. */
function loadMachine(value: string): { machine: RunSpec['machine']; source?: string } {
  const looksLikeFile = /[/\\]|\.(ya?ml|json)$/i.test(value);
  if (!looksLikeFile) return { machine: value };
  if (!existsSync(value)) fail(`machine file "${value}" does not exist (presets are named without a path; see: schedlab list machines)`);
  const text = readFileSync(value, 'utf8');
  let obj: unknown;
  try {
    obj = value.toLowerCase().endsWith('.json') ? JSON.parse(text) : parseYaml(text, { prettyErrors: true });
  } catch (e) {
    fail(`machine file "${value}" is not valid ${value.endsWith('.json') ? 'JSON' : 'YAML'}: ${(e as Error).message}`);
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) fail(`machine file "${value}": the top level must be a mapping of fields (name, sockets, coresPerLlc, ...)`);
  return { machine: obj as Record<string, unknown>, source: value };
}

function durationArg(v: string): number {
  const d = parseDuration(v);
  if (typeof d === 'string') throw new InputError(`--duration: ${d}`);
  if (d <= 0) throw new InputError('--duration must be positive, e.g. 1s or 500ms');
  return d;
}

function seedArg(v: string): number {
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw new InputError(`--seed: "${v}" is not a non-negative whole number`);
  return Number(v);
}

function progressPrinter(enabled: boolean): ((sim: number, total: number, events: number) => void) | undefined {
  if (!enabled) return undefined;
  let last = 0;
  const t0 = performance.now();
  return (sim, total, events) => {
    const now = performance.now();
    if (now - last < 200 && sim < total) return;
    last = now;
    const f = Math.min(1, sim / total);
    const bar = '='.repeat(Math.round(f * 30)).padEnd(30);
    process.stderr.write(`\r[${bar}] ${(100 * f).toFixed(0).padStart(3)}%  ${si(events)} events  ${((now - t0) / 1000).toFixed(1)}s`);
    if (sim >= total) process.stderr.write('\r' + ' '.repeat(70) + '\r');
  };
}

interface RunOpts {
  machine: string;
  sched: string;
  workload: string;
  duration: number;
  seed: number;
  json?: boolean;
  check?: boolean;
  progress?: boolean;
}

function doRun(o: RunOpts): void {
  const { machine, source } = loadMachine(o.machine);
  const sp = splitSpec(o.sched);
  const wp = splitSpec(o.workload);
  const spec: RunSpec = {
    machine,
    sched: sp.name,
    schedParams: sp.raw,
    workload: wp.name,
    workloadParams: wp.raw,
    durationNs: o.duration,
    seed: o.seed,
  };
  const showProgress = o.progress !== false && process.stderr.isTTY === true;
  const r: RunResult = runExperiment(spec, { onProgress: progressPrinter(showProgress), checkInvariants: o.check, machineSource: source });
  process.stdout.write(o.json ? JSON.stringify(r, null, 2) + '\n' : formatReport(r) + '\n');
}

function doList(what: string | undefined): void {
  const kinds = ['machines', 'policies', 'workloads'];
  if (what !== undefined && !kinds.includes(what)) fail(`nothing called "${what}" to list; choose one of: ${kinds.join(', ')}`);
  const out: string[] = [];
  if (!what || what === 'machines') {
    out.push('machines (--machine NAME, or a YAML/JSON machine file; see docs/machines.md):');
    const rows = listMachinePresets().map((m) => [m.name, String(m.cpus), String(m.nodes), m.costs, m.description]);
    for (const l of table(['name', 'cpus', 'nodes', 'costs', 'description'], rows, [0, 3, 4])) out.push(`  ${l}`);
    out.push('');
  }
  if (!what || what === 'policies') {
    out.push('policies (--sched NAME[:k=v,...]):');
    for (const p of POLICIES) {
      out.push(`  ${p.name}: ${p.description}`);
      for (const t of p.tunables) out.push(`      ${describeTunable(t)}`);
    }
    out.push('');
  }
  if (!what || what === 'workloads') {
    out.push('workloads (--workload NAME[:k=v,...]):');
    for (const w of WORKLOADS) {
      out.push(`  ${w.name}: ${w.description}`);
      for (const t of w.params) out.push(`      ${describeTunable(t)}`);
    }
  }
  process.stdout.write(out.join('\n').trimEnd() + '\n');
}

/** The default job: the same hackbench on three machines of three eras under the reference policy. */
function doDemo(): void {
  const runs: [string, string][] = [
    ['smp8', 'hackbench:groups=4,loops=50,rounds=1'],
    ['opteron6272', 'hackbench:groups=32,loops=50,rounds=1'],
    ['kilo1024', 'hackbench:groups=100,loops=20,rounds=1'],
  ];
  process.stdout.write('schedlab demo: perf bench sched messaging (hackbench) under the reference policy rr\n');
  process.stdout.write('(try: schedlab list, schedlab run --help)\n\n');
  const rows: string[][] = [];
  for (const [m, w] of runs) {
    const sp = splitSpec(w);
    const progress = progressPrinter(process.stderr.isTTY === true);
    const r = runExperiment({ machine: m, sched: 'rr', workload: sp.name, workloadParams: sp.raw, durationNs: 2_000_000_000, seed: 1 }, { onProgress: progress });
    const u = r.metrics.utilization;
    rows.push([
      m,
      String(r.machine.cpus),
      String(r.workload.extra.tasks),
      r.workload.lines.find((l) => l.includes('Total time'))?.replace(/.*Total time: /, '') ?? 'not done',
      si(r.metrics.contextSwitchesPerSec),
      formatDuration(r.metrics.wakeupLatencyNs.p99),
      pct(u.user + u.kernel),
      pct(u.sched + u.spin),
      pct(u.idle),
      si(r.sim.eventsPerSec),
    ]);
  }
  for (const l of table(['machine', 'cpus', 'tasks', 'total time', 'cs/s', 'p99 wakeup', 'busy', 'sched', 'idle', 'events/s'], rows)) process.stdout.write(l + '\n');
}

function main(argv: string[]): void {
  const program = new Command();
  program
    .name('schedlab')
    .description('A deterministic discrete-event laboratory for kernel CPU scheduling on machines of 1 to 1024+ CPUs.\nWithout a command it runs a short demo.')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .action(() => doDemo());

  program
    .command('run')
    .description('run one simulation and print a report (or --json)')
    .addOption(new Option('-m, --machine <name|file>', 'machine preset or YAML/JSON machine file (schedlab list machines)').default('smp8'))
    .addOption(new Option('-s, --sched <policy[:k=v,...]>', 'scheduling policy and its tunables (schedlab list policies)').default('rr'))
    .addOption(new Option('-w, --workload <name[:k=v,...]>', 'workload and its parameters (schedlab list workloads)').default('hackbench'))
    .addOption(new Option('-d, --duration <time>', 'simulated time limit: 2s, 500ms, 10us').default(1_000_000_000, '1s').argParser(durationArg))
    .addOption(new Option('--seed <n>', 'seed of every random stream').default(1).argParser(seedArg))
    .option('--json', 'print one JSON object instead of the report')
    .option('--check', 'check kernel invariants after every event (slow)')
    .option('--no-progress', 'no progress bar on stderr')
    .addHelpText(
      'after',
      `
Examples:
  schedlab run --machine kilo1024 --sched rr --workload hackbench:groups=100 --duration 1s --json
  schedlab run -m smp2 -w loop_yield:tasks=4 -d 200ms
  schedlab run -m ./my-box.yaml -w hogs:tasks=12,nice=0/5 -d 2s

Same command and seed, same output (apart from the wall-clock figures under "sim").`,
    )
    .action((o: RunOpts) => doRun(o));

  program
    .command('list')
    .description('list machines, policies and workloads with their parameters')
    .argument('[what]', 'machines | policies | workloads')
    .action((what?: string) => doList(what));

  program
    .command('demo')
    .description('the default job: hackbench on three machines under the reference policy')
    .action(() => doDemo());

  try {
    program.parse(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode === 0 ? 0 : 2;
      return;
    }
    if (e instanceof InputError || e instanceof ParamError || e instanceof ModelError) {
      if (process.env.SCHEDLAB_DEBUG) console.error(e);
      process.stderr.write(`schedlab: error: ${e.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw e;
  }
}

main(process.argv);
