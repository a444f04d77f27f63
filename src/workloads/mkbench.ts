/**
 * mkbench: B simultaneous kernel builds, each `make -j J` (the PMQS paper's Mkbench, B = 2, 4, 8 with J = 16).
 *
 * 1. Each make process forks J compile jobs, then, each time wait() reaps one, forks the next, until `jobs` jobs
 *    have run; then it reaps the rest and exits.
 * 2. A compile job is a fork of make that execs the compiler: the compiler computes for a time drawn uniformly in
 *    [compileMin, compileMax], reads and writes files (`io` of sleep split around the compute), and exits.
 * Figure: the time until every build has finished.
 *
 * The duration distribution is our assumption (docs/workloads.md): a 2.4 kernel has about 600 C files that take
 * 0.1-1 s each on a 450-700 MHz Pentium III; the default jobs per build is smaller to keep runs short. make's own
 * work between forks is `makeNs`.
 */
import { ProgramBuilder } from './program.js';
import { ParamError } from '../experiments/params.js';
import type { WorkloadEntry } from './workload.js';

export const mkbench: WorkloadEntry = {
  name: 'mkbench',
  description: 'B simultaneous kernel builds, each make -j J forking and execing compilers; figure: completion time',
  params: [
    { name: 'builds', default: 2, unit: 'count', min: 1, max: 100000, meaning: 'simultaneous builds (B)' },
    { name: 'j', default: 16, unit: 'count', min: 1, max: 100000, meaning: 'make -j: concurrent jobs per build (J)' },
    { name: 'jobs', default: 100, unit: 'count', min: 1, max: 1000000000, meaning: 'compile jobs per build' },
    { name: 'compileMin', default: 100_000_000, unit: 'ns', meaning: 'shortest compile (CPU time)' },
    { name: 'compileMax', default: 900_000_000, unit: 'ns', meaning: 'longest compile (CPU time)' },
    { name: 'io', default: 10_000_000, unit: 'ns', meaning: 'time a compile sleeps on I/O (half before, half after computing)' },
    { name: 'makeNs', default: 2_000_000, unit: 'ns', meaning: "make's own CPU work per job (dependency checks)" },
    { name: 'wsKb', default: 2048, unit: 'count', min: 0, max: 1048576, meaning: "a compiler's working set in KiB: what it refills after a switch on a cache others have filled, or after a migration (our assumption)" },
  ],
  setup(k, v) {
    if ((v.compileMin as number) > (v.compileMax as number)) throw new ParamError('workload mkbench: compileMin must not exceed compileMax');
    const builds = v.builds as number;
    const j = v.j as number;
    const jobs = v.jobs as number;
    const cc = new ProgramBuilder('cc1', (v.wsKb as number) * 1024);
    cc.sleep((v.io as number) / 2).computeUniform(v.compileMin as number, v.compileMax as number).sleep((v.io as number) / 2);
    const ccP = k.addProgram(cc.build());
    const job = new ProgramBuilder('make-job', 64 * 1024);
    job.exec(ccP);
    const jobP = k.addProgram(job.build());
    const make = new ProgramBuilder('make', 1024 * 1024);
    const first = Math.min(j, jobs);
    let top = make.here();
    make.compute(v.makeNs as number).fork(jobP).loop(top, first);
    if (jobs > first) {
      top = make.here();
      make.wait().compute(v.makeNs as number).fork(jobP).loop(top, jobs - first);
    }
    top = make.here();
    make.wait().loop(top, first);
    const makeP = k.addProgram(make.build());
    for (let b = 0; b < builds; b++) k.spawn(makeP, { name: `make-${b}`, cpu: b % k.nCpus });
    return {
      outcome(kk, simNs, finished) {
        const done = kk.allTasks.filter((t) => t.prog.name === 'cc1' && t.exitedAt >= 0).length;
        return {
          throughput: simNs / 1e9,
          unit: finished ? 'seconds (all builds done)' : 'seconds (time limit; builds not done)',
          extra: { builds, j, jobs, compilesDone: done, compilesTotal: builds * jobs, finished: finished ? 1 : 0 },
          lines: [
            `mkbench: ${builds} x make -j${j}, ${jobs} compile jobs each: ${done} of ${builds * jobs} compiles done`,
            finished ? `completion time: ${(simNs / 1e9).toFixed(3)} s` : `stopped at the time limit ${(simNs / 1e9).toFixed(3)} s`,
          ],
        };
      },
    };
  },
};
