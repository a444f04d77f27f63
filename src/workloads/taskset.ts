/**
 * taskset: tasks that move themselves between two CPUs with sched_setaffinity() after every chunk of work, a probe of
 * the migration path (2.6.0: set_cpus_allowed() hands a running task to its CPU's migration thread, which moves it
 * and wakes it on the other CPU; policies without a migration thread: the core's move at the next schedule()).
 * Task i starts on CPU i mod N and alternates between that CPU and the CPU `stride` above it (mod N). Each hop is
 * `sched_setaffinity(0, one CPU)` followed by `chunk` of user work on the new CPU. Figure: hops per second.
 */
import { ParamError } from '../experiments/params.js';
import { ProgramBuilder } from './program.js';
import type { WorkloadEntry } from './workload.js';

export const taskset: WorkloadEntry = {
  name: 'taskset',
  description: 'tasks hopping between two CPUs with sched_setaffinity (the migration path); figure: hops/s',
  params: [
    { name: 'tasks', default: 1, unit: 'count', min: 1, max: 10000000, meaning: 'number of hopping tasks' },
    { name: 'stride', default: 0, unit: 'count', min: 0, max: 65536, meaning: 'the second CPU is `stride` above the first, mod the CPU count (0: half the CPU count, usually another node)' },
    { name: 'chunk', default: 100_000, unit: 'ns', meaning: 'user work after each hop' },
  ],
  setup(k, v) {
    const n = v.tasks as number;
    const nCpus = k.nCpus;
    if (nCpus < 2) throw new ParamError('workload taskset needs a machine of at least 2 CPUs (hops go between two CPUs)');
    const stride = (v.stride as number) > 0 ? (v.stride as number) % nCpus : Math.floor(nCpus / 2);
    if (stride === 0) throw new ParamError(`workload taskset parameter "stride": ${v.stride as number} is a multiple of the ${nCpus} CPUs, so both CPUs are the same; choose 1..${nCpus - 1}`);
    const chunk = v.chunk as number;
    // one program per pair of CPUs: hop to the far CPU, work, hop back, work
    const progs = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const a = i % nCpus;
      let p = progs.get(a);
      if (p === undefined) {
        const far = (a + stride) % nCpus;
        const b = new ProgramBuilder('taskset', 8 * 1024);
        const top = b.here();
        b.setAffinity(far, 1).compute(chunk).count(1).setAffinity(a, 1).compute(chunk).count(1).loop(top, -1);
        p = k.addProgram(b.build());
        progs.set(a, p);
      }
      k.spawn(p, { name: 'taskset', cpu: a });
    }
    return {
      outcome(kk, simNs) {
        const hops = (kk.throughput * 1e9) / simNs;
        return {
          throughput: hops,
          unit: 'hops/s',
          extra: { tasks: n, stride, affinityMoves: kk.affinityMoves, migrationThreadMoves: kk.migrationThreadMoves },
          lines: [
            `# ${n} task(s) hopping between CPU i and CPU i+${stride} (mod ${nCpus}), ${chunk} ns of work per hop`,
            `hops: ${Math.round(hops)}/s; moves off a CPU ${kk.affinityMoves}, by a migration thread ${kk.migrationThreadMoves}`,
          ],
        };
      },
    };
  },
};
