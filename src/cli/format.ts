/** Human-readable reports of run results: fixed-width tables, SI-scaled numbers and durations. */
import { formatDuration } from '../engine/time.js';
import type { RunResult } from '../experiments/run.js';

export function si(x: number): string {
  const a = Math.abs(x);
  if (a >= 1e9) return `${(x / 1e9).toFixed(2)}G`;
  if (a >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (a >= 1e4) return `${(x / 1e3).toFixed(1)}K`;
  if (Number.isInteger(x)) return String(x);
  return x.toFixed(2);
}

export function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

/** Left-aligns the first column (and those listed in `left`), right-aligns the others. */
export function table(header: string[], rows: string[][], left: number[] = [0]): string[] {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]) => r.map((c, i) => (left.includes(i) ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ').trimEnd();
  return [fmt(header), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(fmt)];
}

export function formatReport(r: RunResult): string {
  const m = r.metrics;
  const s = r.spec;
  const params = (p: Record<string, unknown>) => Object.entries(p).map(([k, v]) => `${k}=${v}`).join(',');
  const out: string[] = [];
  out.push(`schedlab run: workload ${s.workload} on ${r.machine.name} (${r.machine.summary}) under ${s.sched}`);
  out.push(`  policy ${s.sched}:${params(s.schedParams)}  workload ${s.workload}:${params(s.workloadParams)}`);
  out.push(`  ${formatDuration(r.sim.simulatedNs)} simulated${r.sim.finished ? ' (every task exited)' : ''}, HZ=${s.hz}, seed ${s.seed}`);
  out.push('');
  out.push(`${s.workload} output:`);
  for (const l of r.workload.lines) out.push(`  ${l}`);
  out.push('');
  const lat = m.wakeupLatencyNs;
  const u = m.utilization;
  const mig = m.migrations;
  const rows: [string, string][] = [
    ['throughput', `${si(r.workload.throughput)} ${r.workload.unit}`],
    ['context switches', `${m.contextSwitches} (${si(m.contextSwitchesPerSec)}/s), ${formatDuration(m.schedNsPerSwitch)} sched+spin per switch`],
    ['migrations', `${mig.total} (smt ${mig.smt}, llc ${mig.llc}, node ${mig.node}, remote ${mig.remote})`],
    ['wakeups / IPIs', `${m.wakeups} / ${m.ipis}`],
    ['wakeup latency', lat.count ? `p50 ${formatDuration(lat.p50)}  p99 ${formatDuration(lat.p99)}  p99.9 ${formatDuration(lat.p999)}  max ${formatDuration(lat.max)}  (${lat.count} wakeups)` : 'no wakeups'],
    ['CPU time', `user ${pct(u.user)}  kernel ${pct(u.kernel)}  sched ${pct(u.sched)}  spin ${pct(u.spin)}  idle ${pct(u.idle)}`],
    ['idle while runnable', `${pct(m.idleWhileRunnableFraction)} of CPU time; ${m.meanWaitingTasks} tasks waiting for a CPU on average`],
    ['fairness (Jain)', `${m.fairness.jain.toFixed(4)} over ${m.fairness.tasks} tasks; CPU time per task min ${formatDuration(m.fairness.minCpuNs)}, mean ${formatDuration(m.fairness.meanCpuNs)}, max ${formatDuration(m.fairness.maxCpuNs)}`],
    ['runqueue work', `${si(m.runqueueInspectionsPerSec)} inspections/s, ${si(m.tasksExaminedPerSec)} tasks examined/s${m.taskExamineMissRatio ? ` (${(100 * m.taskExamineMissRatio).toFixed(1)}% cache misses)` : ''}`],
  ];
  const tcp = m.tcp;
  if (tcp.segments > 0)
    rows.push([
      'loopback TCP',
      tcp.pureAcks + tcp.heldWrites + tcp.prequeued > 0
        ? `${tcp.segments} data segments, ${tcp.heldWrites} writes held by Nagle, ${tcp.pureAcks} pure ACKs (${tcp.timerAcks} by the delayed-ACK timer), ${tcp.prequeued} segments prequeued`
        : `${tcp.segments} data segments (one per write: no Nagle, ACKs not modelled)`,
    ]);
  if (tcp.sockLockSleeps > 0) rows.push(['socket locks', `${tcp.sockLockSleeps} calls found their socket owned and slept (lock_sock)`]);
  const w = Math.max(...rows.map((x) => x[0].length));
  out.push('metrics:');
  for (const [k, v] of rows) out.push(`  ${k.padEnd(w)}  ${v}`);
  out.push('');
  out.push('locks:');
  const captured = m.locks.some((l) => l.captures > 0);
  const lrows = m.locks
    .filter((l) => l.acquisitions > 0)
    .map((l) => [
      l.name,
      String(l.instances),
      si(l.acquisitions),
      pct(l.contention),
      formatDuration(l.meanHoldNs),
      formatDuration(l.meanWaitNs),
      pct(l.utilization),
      pct(l.maxUtilization),
      l.spinCpus.toFixed(3),
      ...(captured ? [si(l.captures)] : []),
    ]);
  const head = ['name', 'n', 'acquired', 'contended', 'mean hold', 'mean wait', 'util', 'max util', 'spin CPUs'];
  // test-and-set locks (machine spinlocks: tas): acquisitions by the releasing CPU ahead of its waiters
  if (captured) head.push('recaptured');
  for (const line of table(head, lrows)) out.push(`  ${line}`);
  out.push('');
  out.push(`simulator: ${r.sim.events} events in ${(r.sim.wallMs / 1000).toFixed(2)} s wall (${si(r.sim.eventsPerSec)} events/s)`);
  return out.join('\n');
}
