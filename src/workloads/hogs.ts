/**
 * hogs: CPU-bound tasks with chosen nice values and affinity, a fairness probe. Each task computes forever in
 * chunks of `chunk`; the report gives each nice level's share of the CPU time and Jain's index over the tasks.
 */
import { cpuMask } from '../kernel/task.js';
import { ProgramBuilder } from './program.js';
import { parseNiceList, type WorkloadEntry } from './workload.js';
import { ParamError } from '../experiments/params.js';

export const hogs: WorkloadEntry = {
  name: 'hogs',
  description: 'CPU-bound tasks with chosen nice values and affinity (fairness probe); figure: CPU-seconds/s',
  params: [
    { name: 'tasks', default: 0, unit: 'count', min: 0, max: 10000000, meaning: 'number of hogs (0: twice the CPU count)' },
    { name: 'nice', default: '0', unit: 'string', meaning: 'nice values cycled over the tasks, e.g. 0/5/19' },
    { name: 'cpus', default: 0, unit: 'count', min: 0, max: 65536, meaning: 'restrict every hog to CPUs 0..cpus-1 (0: all CPUs)' },
    { name: 'chunk', default: 1_000_000, unit: 'ns', meaning: 'compute between two progress counts' },
  ],
  setup(k, v) {
    const n = (v.tasks as number) > 0 ? (v.tasks as number) : 2 * k.nCpus;
    const nices = parseNiceList(String(v.nice));
    if (typeof nices === 'string') throw new ParamError(`workload hogs parameter "nice": ${nices}`);
    const pin = v.cpus as number;
    if (pin > k.nCpus) throw new ParamError(`workload hogs parameter "cpus": ${pin} exceeds the machine's ${k.nCpus} CPUs`);
    const mask = pin > 0 ? cpuMask(k.nCpus, Array.from({ length: pin }, (_, i) => i)) : null;
    const b = new ProgramBuilder('hog', 256 * 1024);
    const top = b.here();
    b.compute(v.chunk as number).count(1).loop(top, -1);
    const prog = k.addProgram(b.build());
    const tasks = Array.from({ length: n }, (_, i) =>
      k.spawn(prog, { name: `hog-n${nices[i % nices.length]}`, nice: nices[i % nices.length], allowed: mask, cpu: i % Math.max(1, pin || k.nCpus) }),
    );
    return {
      outcome(kk, simNs) {
        const total = tasks.reduce((s, t) => s + t.sumExecNs, 0);
        const byNice = new Map<number, { n: number; ns: number }>();
        for (const t of tasks) {
          const e = byNice.get(t.nice) ?? { n: 0, ns: 0 };
          e.n++;
          e.ns += t.sumExecNs;
          byNice.set(t.nice, e);
        }
        const extra: Record<string, number | string> = { tasks: n };
        const lines = [`# ${n} hogs on ${pin || kk.nCpus} CPU(s)`];
        for (const [nice, e] of [...byNice.entries()].sort((a, b) => a[0] - b[0])) {
          const share = total > 0 ? e.ns / total : 0;
          extra[`shareNice${nice}`] = share;
          lines.push(`nice ${String(nice).padStart(3)}: ${e.n} task(s), ${(100 * share).toFixed(2)}% of hog CPU time, ${(e.ns / e.n / 1e6).toFixed(3)} ms each`);
        }
        return { throughput: total / simNs, unit: 'CPU-seconds/s', extra, lines };
      },
    };
  },
};
