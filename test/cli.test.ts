/** The command line as a user meets it: listings, JSON fields, determinism, and clear errors for bad input. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const main = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'src', 'cli', 'main.js');

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('list machines shows every preset', () => {
  const r = cli('list', 'machines');
  assert.equal(r.code, 0);
  for (const m of ['up', 'smp2', 'smp4', 'smp8', 'numaq16', 'opteron6272', 'epyc9654-2s', 'kilo1024']) assert.match(r.out, new RegExp(`^  ${m} `, 'm'));
});

test('run --json has the documented fields and is identical on a second run apart from sim', () => {
  const args = ['run', '--machine', 'smp4', '--sched', 'rr', '--workload', 'hackbench:groups=1,loops=20', '--duration', '20ms', '--json'];
  const a = cli(...args);
  assert.equal(a.code, 0, a.err);
  const j = JSON.parse(a.out);
  for (const path of [
    'spec', 'sim.events', 'sim.eventsPerSec', 'sim.wallMs', 'metrics.contextSwitches', 'metrics.contextSwitchesPerSec', 'metrics.migrations',
    'metrics.wakeupLatencyNs.p50', 'metrics.wakeupLatencyNs.p99', 'metrics.wakeupLatencyNs.p999', 'metrics.wakeupLatencyNs.max',
    'metrics.utilization.user', 'metrics.utilization.sched', 'metrics.utilization.spin', 'metrics.utilization.idle', 'metrics.locks',
    'metrics.idleWhileRunnableFraction', 'metrics.fairness.jain', 'workload.throughput', 'workload.unit',
  ]) {
    const v = path.split('.').reduce((o: Record<string, unknown> | undefined, k) => o?.[k] as Record<string, unknown> | undefined, j);
    assert.notEqual(v, undefined, `missing ${path}`);
  }
  const lock = j.metrics.locks[0];
  for (const f of ['name', 'acquisitions', 'contention', 'meanHoldNs', 'meanWaitNs']) assert.ok(f in lock, `locks[].${f}`);
  const b = cli(...args);
  const strip = (s: string) => { const o = JSON.parse(s); delete o.sim.wallMs; delete o.sim.eventsPerSec; return JSON.stringify(o); };
  assert.equal(strip(a.out), strip(b.out));
});

test('bad names and parameters give one clear line, exit 2, no stack trace', () => {
  const cases: [string[], RegExp][] = [
    [['run', '--machine', 'cray'], /unknown machine "cray"; presets: up, smp2/],
    [['run', '--sched', 'cfs9'], /unknown policy "cfs9"; policies: rr/],
    [['run', '--workload', 'hackbench:gropus=3'], /workload hackbench has no parameter "gropus"; its parameters are: groups, loops/],
    [['run', '--workload', 'hackbench:groups=x'], /parameter "groups": "x" is not a number/],
    [['run', '--sched', 'rr:slice=fast'], /parameter "slice": "fast" is not a duration/],
    [['run', '--duration', '2 weeks'], /--duration: "2 weeks" is not a duration/],
    [['run', '--seed', '-1'], /--seed/],
    [['list', 'cpus'], /nothing called "cpus" to list/],
    [['run', '--machine', './nope.yaml'], /machine file ".\/nope.yaml" does not exist/],
    [['run', '--workload', 'chat:jitter=150'], /parameter "jitter"/],
    [['reproduce', 'dss-yield', '--jitter', 'lots'], /--jitter must be a percentage from 0 to 100/],
    [['reproduce', 'dss-yield', '--seeds', '0'], /--seeds must be a whole number from 1 to 100/],
    [['reproduce', 'dss-yield', '--set', 'chat:nagle=1'], /no run of "dss-yield" uses chat; the runs use loop_yield, dss/],
    [['reproduce', 'dss-yield', '--set', 'cfs9:x=1'], /"cfs9" is neither a workload nor a policy/],
    [['reproduce', 'dss-yield', '--set', 'dss:hz=fast'], /--set "dss:hz=fast": .*parameter "hz"/],
    [['reproduce', 'dss-yield', '--set', 'dss'], /--set "dss" sets nothing/],
    [['reproduce', 'dss-yield', '--set', 'machine:spinlocks=ticket'], /--set "machine:spinlocks=ticket": machine parameter "spinlocks": "ticket" is not one of fifo, tas/],
    [['reproduce', 'dss-yield', '--set', 'machine:locks=tas'], /machine has no parameter "locks"; its parameters are: spinlocks, wakeups/],
  ];
  for (const [args, re] of cases) {
    const r = cli(...args);
    assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code} ${r.err}`);
    assert.match(r.err, re);
    assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
  }
});

test('a bad machine file gets an error naming the field', () => {
  const dir = mkdtempSync(join(tmpdir(), 'schedlab-'));
  const f = join(dir, 'box.yaml');
  writeFileSync(f, 'name: box\nsockets: 2\ncoresPerLlc: 0\nthreadsPerCore: 2\n');
  const r = cli('run', '--machine', f, '--duration', '1ms');
  assert.equal(r.code, 2);
  assert.match(r.err, /box\.yaml: field "coresPerLlc": must be at least 1/);
  writeFileSync(f, 'name: box\nsockets: 2\ncoresPerLlc: 2\ncosts: {preset: x86-2023, overrides: {ipiNs: 900}}\n');
  const ok = cli('run', '--machine', f, '--workload', 'hogs:tasks=2', '--duration', '10ms', '--json');
  assert.equal(ok.code, 0, ok.err);
  assert.equal(JSON.parse(ok.out).machine.cpus, 4);
  writeFileSync(f, 'name: [unclosed\n');
  const bad = cli('run', '--machine', f);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /is not valid YAML/);
});

test('reproduce lists the reproductions; an unknown one is a clear error', () => {
  const r = cli('reproduce');
  assert.equal(r.code, 0);
  for (const n of ['dss-yield', 'volano-mq', 'yamamura-lock', 'pmqs-chat', 'pmqs-mkbench', 'o1-announcement', 'o1-kravetz-chat']) assert.match(r.out, new RegExp(`^  ${n} `, 'm'));
  const bad = cli('reproduce', 'nope');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /no reproduction "nope"; reproductions: dss-yield/);
  const one = cli('reproduce', 'dss-yield', '--json');
  assert.equal(one.code, 0, one.err);
  const j = JSON.parse(one.out);
  assert.equal(j.rows[0].published, 241113);
  assert.equal(j.rows[0].fitted, true);
  assert.equal(j.jitter, 0);
  assert.deepEqual(j.overrides, {});
});

test('reproduce --set runs a what-if: the parameter reaches every run of that policy, and the output says so', () => {
  const base = JSON.parse(cli('reproduce', 'dss-yield', '--json').out);
  const r = cli('reproduce', 'dss-yield', '--json', '--set', 'dss:hz=1000');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.deepEqual(j.overrides, { dss: { hz: '1000' } });
  for (const run of Object.values(j.runs) as { spec: { schedParams?: Record<string, unknown> } }[]) assert.equal(run.spec.schedParams?.hz, '1000');
  // the published figures stay; the simulated ones move (2.4's slices are ticks: HZ changes its loop)
  assert.equal(j.rows[0].published, base.rows[0].published);
  assert.notEqual(j.rows[0].simulated, base.rows[0].simulated);
  const text = cli('reproduce', 'dss-yield', '--set', 'dss:hz=1000');
  assert.match(text.out, /parameters set over the reproduction's own \(--set\): dss:hz=1000; .* a what-if/);
});

test('reproduce --set machine:... gives every run the machine options, and the runs say so', () => {
  const r = cli('reproduce', 'dss-yield', '--json', '--set', 'machine:spinlocks=tas,wakeups=locked');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.deepEqual(j.overrides, { machine: { spinlocks: 'tas', wakeups: 'locked' } });
  for (const run of Object.values(j.runs) as { spec: { machineOptions?: Record<string, unknown> } }[])
    assert.deepEqual(run.spec.machineOptions, { spinlocks: 'tas', wakeups: 'locked' });
  // and they reach the simulation: the 8-way run's events differ from the plain reproduction's
  const plain = JSON.parse(cli('reproduce', 'dss-yield', '--json').out);
  const ev = (x: { runs: Record<string, { events: number }> }) => Object.values(x.runs).map((run) => run.events);
  assert.notDeepEqual(ev(j), ev(plain));
  const text = cli('reproduce', 'dss-yield', '--set', 'machine:wakeups=locked');
  assert.match(text.out, /parameters set over the reproduction's own \(--set\): machine:wakeups=locked; .* a what-if/);
});
