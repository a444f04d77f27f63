#!/usr/bin/env node
/**
 * The schedlab command line. Commands: run, list, demo (the default). Options are typed against the RunSpec so the
 * two cannot drift. Bad input ends with "schedlab: error: ..." naming the field and the fix, exit status 2; internal
 * errors print their stack (set SCHEDLAB_DEBUG=1 to see stacks for input errors too).
 */
import { readFileSync, existsSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { parse as parseYaml } from 'yaml';
import { parseDuration } from '../engine/time.js';
import { ParamError, describeTunable, resolveParams, splitSpec } from '../experiments/params.js';
import { MACHINE_OPTIONS, runExperiment, type RunResult, type RunSpec } from '../experiments/run.js';
import { MACHINE_SET, runReproduction, type Overrides, type ReproResult } from '../experiments/reproduce.js';
import { REPRODUCTIONS, findReproduction } from '../experiments/reproductions.js';
import { ModelError } from '../kernel/kernel.js';
import { listMachinePresets } from '../machine/presets.js';
import { POLICIES } from '../policies/registry.js';
import { WORKLOADS } from '../workloads/registry.js';
import { formatReport, si, table } from './format.js';

class InputError extends Error {}

function fail(msg: string): never {
  throw new InputError(msg);
}

/** A --machine value: preset name, or a path to a YAML/JSON machine file. */
function loadMachine(value: string): { machine: RunSpec['machine']; source?: string } {
  const looksLikeFile = /[/\\]|\.(ya?ml|json)$/i.test(value);
  if (!looksLikeFile) return { machine: value };
  if (!existsSync(value)) fail(`machine file "${value}" does not exist (presets are named without a path; see: schedlab list machines)`);
  let text: string;
  try {
    text = readFileSync(value, 'utf8');
  } catch (e) {
    fail(`machine file "${value}" cannot be read: ${(e as Error).message.replace(/^[A-Z]+: /, '')}`);
  }
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
  if (d > 1e15) throw new InputError('--duration must be at most 1000000s');
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
    out.push('  machine options (fields of a machine file; over every run of a reproduction: reproduce --set machine:k=v,...):');
    for (const t of MACHINE_OPTIONS) out.push(`      ${describeTunable(t)}`);
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

function fmtNum(x: number): string {
  if (!Number.isFinite(x)) return '-';
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toLocaleString('en-US');
  if (a >= 100) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toFixed(3);
}

export function formatRepro(r: ReproResult): string {
  const out: string[] = [];
  out.push(`${r.name}: ${r.title}`);
  out.push(`  source: ${r.source}`);
  out.push(`  conditions: ${r.conditions}`);
  out.push('');
  const ranged = r.seeds > 1;
  const rows = r.rows.map((x) => [
    x.label + (x.fitted ? ' [fitted]' : ''),
    fmtNum(x.published),
    fmtNum(x.simulated) + (ranged && x.simulatedMin !== null && x.simulatedMax !== null ? ` (${fmtNum(x.simulatedMin)}-${fmtNum(x.simulatedMax)})` : ''),
    x.unit,
    x.baseline ?? '',
    x.publishedRatio === null ? '' : fmtNum(x.publishedRatio),
    x.simulatedRatio === null ? '' : fmtNum(x.simulatedRatio),
    x.agreement === null ? '' : x.agreement.toFixed(2),
  ]);
  for (const l of table(['row', 'published', 'simulated', 'unit', 'compared with', 'pub. ratio', 'sim. ratio', 'agreement'], rows, [0, 3, 4])) out.push(`  ${l}`);
  const notes = r.rows.filter((x) => x.note).map((x) => `  note, ${x.label}: ${x.note}`);
  if (notes.length) out.push('', ...notes);
  out.push('', '  agreement: simulated ratio / published ratio, or simulated / published for rows compared with nothing; 1.00 is exact.');
  if (ranged) out.push(`  simulated: the mean over ${r.seeds} seeds, with the smallest and largest value; a ratio is that of the means.`);
  if (r.jitter > 0) out.push(`  chat runs with each message's user work drawn uniformly within +-${r.jitter}% of its mean (--jitter), from the seed.`);
  const set = Object.entries(r.overrides);
  if (set.length > 0)
    out.push(
      `  parameters set over the reproduction's own (--set): ${set.map(([n, kv]) => `${n}:${Object.entries(kv).map(([k, v]) => `${k}=${v}`).join(',')}`).join(' ')}; the published figures and the findings are the source's, so this is a what-if, not the reproduction.`,
    );
  out.push('', '  findings of the source:');
  for (const c of r.checks) {
    const mark = c.holds ? '[holds]  ' : c.holdsOn > 0 ? `[holds on ${c.holdsOn} of ${r.seeds} seeds]  ` : '[FAILS]  ';
    out.push(`  ${mark}${c.finding}`);
  }
  const wall = Object.values(r.runs).reduce((s2, x) => s2 + x.wallMs, 0);
  const nRuns = Object.keys(r.runs).length * r.seeds;
  out.push('', `  ${nRuns} simulation runs${r.seeds > 1 ? ` (${r.seeds} seeds each)` : ''}, ${(wall / 1000).toFixed(1)} s of wall time`);
  return out.join('\n');
}

/** Parses --set values ("chat:nagle=1,bufKb=48", "dss:version=2.5.2-pre6") against the workloads' and policies' tables. */
function parseOverrides(sets: readonly string[]): Overrides {
  const out: Overrides = {};
  for (const text of sets) {
    let spec;
    try {
      spec = splitSpec(text);
    } catch (e) {
      fail(`--set "${text}": ${(e as Error).message}`);
    }
    const mach = spec.name === MACHINE_SET;
    const w = WORKLOADS.find((x) => x.name === spec.name);
    const p = POLICIES.find((x) => x.name === spec.name);
    if (!w && !p && !mach) fail(`--set "${text}": "${spec.name}" is neither a workload nor a policy nor "machine"; write --set NAME:key=value,... with one of: ${[...WORKLOADS.map((x) => x.name), ...POLICIES.map((x) => x.name), MACHINE_SET].join(', ')}`);
    if (Object.keys(spec.raw).length === 0) fail(`--set "${text}" sets nothing; write --set ${spec.name}:key=value,... (schedlab list shows the parameters)`);
    const merged = { ...out[spec.name], ...spec.raw };
    try {
      if (mach) resolveParams('machine', MACHINE_OPTIONS, merged);
      else if (w) resolveParams(`workload ${w.name}`, w.params, merged);
      else resolveParams(`policy ${p!.name}`, p!.tunables, merged);
    } catch (e) {
      if (e instanceof ParamError) fail(`--set "${text}": ${e.message}`);
      throw e;
    }
    out[spec.name] = merged;
  }
  return out;
}

function doReproduce(name: string | undefined, o: { json?: boolean; progress?: boolean; seeds?: string; jitter?: string; set?: string[] }): void {
  const seeds = o.seeds === undefined ? 1 : Number(o.seeds);
  if (!Number.isSafeInteger(seeds) || seeds < 1 || seeds > 100) fail(`--seeds must be a whole number from 1 to 100 (runs every simulation with that many seeds), not "${o.seeds}"`);
  const jitter = o.jitter === undefined ? 0 : Number(o.jitter);
  if (o.jitter !== undefined && (!/^\s*\d+(\.\d+)?\s*$/.test(o.jitter) || jitter > 100)) fail(`--jitter must be a percentage from 0 to 100 (chat's user work per message drawn from mean +- that), not "${o.jitter}"`);
  if (name === undefined) {
    const rows = REPRODUCTIONS.map((r) => [r.name, String(Object.keys(r.runs).length), r.title]);
    process.stdout.write('reproductions (schedlab reproduce NAME [--json] [--seeds N] [--jitter PCT]; "all" runs every one):\n');
    for (const l of table(['name', 'runs', 'what'], rows, [0, 2])) process.stdout.write(`  ${l}\n`);
    return;
  }
  const list = name === 'all' ? [...REPRODUCTIONS] : [findReproduction(name) ?? fail(`no reproduction "${name}"; reproductions: ${REPRODUCTIONS.map((r) => r.name).join(', ')}`)];
  const overrides = parseOverrides(o.set ?? []);
  for (const n of Object.keys(overrides)) {
    if (n === MACHINE_SET) continue; // every run has a machine
    const usedBy = list.filter((r) => Object.values(r.runs).some((spec) => spec.workload === n || spec.sched === n));
    if (usedBy.length === 0) fail(`--set ${n}:...: no run of ${name === 'all' ? 'any reproduction' : `"${name}"`} uses ${n}; the runs use ${[...new Set(list.flatMap((r) => Object.values(r.runs).flatMap((spec) => [spec.workload, spec.sched])))].join(', ')}`);
  }
  const showProgress = o.progress !== false && process.stderr.isTTY === true;
  const results: ReproResult[] = [];
  for (const r of list) {
    const res = runReproduction(r, showProgress ? (key, i, n) => process.stderr.write(`\r${r.name}: run ${i + 1}/${n} (${key})`.padEnd(70)) : undefined, seeds, jitter, overrides);
    if (showProgress) process.stderr.write('\r' + ' '.repeat(70) + '\r');
    results.push(res);
    if (!o.json) process.stdout.write(formatRepro(res) + '\n\n');
  }
  if (o.json) process.stdout.write(JSON.stringify(name === 'all' ? results : results[0], null, 2) + '\n');
}

/**
 * The default job: a short rerun of the O(1) announcement (Linux 2.4 against 2.6.0's O(1) on the announcement's
 * boxes), as a table with the published ratios; `schedlab reproduce o1-announcement` is the full version.
 */
function doDemo(): void {
  const cases: { label: string; machine: string; workload: string; params: Record<string, number | string>; ns: number; pub: number; higherIsBetter: boolean }[] = [
    { label: '2-way, 4 x loop_yield (switches/s)', machine: 'smp2', workload: 'loop_yield', params: { tasks: 4 }, ns: 200e6, pub: 977_515 / 241_113, higherIsBetter: true },
    { label: '8-way, 16 x loop_yield (switches/s)', machine: 'smp8', workload: 'loop_yield', params: { tasks: 16 }, ns: 200e6, pub: 6_118_182 / 108_423, higherIsBetter: true },
    { label: 'UP, chat_c 10 100 (msg/s)', machine: 'up', workload: 'chat', params: { rooms: 10, messages: 100 }, ns: 30e9, pub: 114_380 / 99_093, higherIsBetter: true },
    { label: 'UP, lat_proc fork+exit (us)', machine: 'up', workload: 'lat_proc', params: { loops: 100 }, ns: 1e9, pub: 168.67 / 440, higherIsBetter: false },
  ];
  process.stdout.write('schedlab demo: the O(1) scheduler announcement (Ingo Molnar, LKML, 4 Jan 2002), rerun in simulation\n');
  process.stdout.write('Linux 2.4 (policy dss) against 2.6.0\'s O(1) (policy o1) on Pentium III boxes; compare the ratios.\n\n');
  const rows: string[][] = [];
  for (const c of cases) {
    const progress = progressPrinter(process.stderr.isTTY === true);
    const [a, b] = (['dss', 'o1'] as const).map((sched) =>
      runExperiment({ machine: c.machine, sched, workload: c.workload, workloadParams: c.params, durationNs: c.ns, seed: 1 }, { onProgress: progress }),
    );
    const ra = a!.workload.throughput;
    const rb = b!.workload.throughput;
    rows.push([c.label, si(ra), si(rb), (rb / ra).toFixed(2), c.pub.toFixed(2)]);
  }
  for (const l of table(['benchmark', '2.4', 'O(1)', 'O(1)/2.4', 'published'], rows)) process.stdout.write(l + '\n');
  process.stdout.write('\nMore: schedlab reproduce (published results side by side), schedlab list, schedlab run --help\n');
}

function main(argv: string[]): void {
  const program = new Command();
  program
    .name('schedlab')
    .description('A deterministic discrete-event laboratory for kernel CPU scheduling on machines of 1 to 1024+ CPUs.\nWithout a command it runs a short demo: Linux 2.4 against the O(1) scheduler on the benchmarks of its announcement.')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s.startsWith('error:') ? `schedlab: ${s}` : s) })
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
  schedlab run --machine kilo1024 --sched rr --workload hackbench:groups=100 --duration 200ms --json
  schedlab run --machine numaq16 --sched dss --workload chat:rooms=10,messages=100 -d 10s
  schedlab run -m smp2 -w loop_yield:tasks=4 -d 200ms
  schedlab run -m examples/my-box.yaml -w hogs:tasks=12,nice=0/5 -d 2s

Same command and seed, same output (apart from the wall-clock figures under "sim").`,
    )
    .action((o: RunOpts) => doRun(o));

  program
    .command('list')
    .description('list machines, policies and workloads with their parameters')
    .argument('[what]', 'machines | policies | workloads')
    .action((what?: string) => doList(what));

  program
    .command('reproduce')
    .description('rerun published results side by side with the simulation (without a name: list them)')
    .argument('[name]', 'a reproduction, or "all"')
    .option('--json', 'print the results as JSON')
    .option('--seeds <n>', 'run every simulation with n consecutive seeds: mean and range per row, findings checked on each seed (mkbench draws from the seed; chat only with --jitter)')
    .option('--jitter <pct>', "chat runs draw each message's user work from the seed, uniformly within +-pct% of its mean, so --seeds shows their run-to-run spread (default 0: fixed)")
    .option('--set <name:k=v,...>', "set a workload's or policy's parameters in every run that uses it, over the reproduction's own (repeatable), e.g. --set chat:nagle=1,bufKb=48 or --set dss:version=2.5.2-pre6, or every run's machine options, --set machine:spinlocks=tas,wakeups=locked (docs/machines.md): a what-if against the same published figures", (v: string, prev: string[] = []) => [...prev, v])
    .option('--no-progress', 'no progress on stderr')
    .action((name: string | undefined, o: { json?: boolean; progress?: boolean; seeds?: string; jitter?: string; set?: string[] }) => doReproduce(name, o));

  program
    .command('demo')
    .description('the default job: Linux 2.4 against O(1) on the benchmarks of the O(1) announcement')
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

// a reader that goes away (schedlab ... | head) is not an error
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

main(process.argv);
