/**
 * loop_yield: N processes each calling sched_yield() in a tight loop, as Ingo Molnar's test in the O(1) scheduler
 * announcement (LKML, 4 Jan 2002). Its figure is what vmstat showed: context switches per second.
 * Each iteration runs `userNs` of user code (the loop itself) and then yields.
 */
import { ProgramBuilder } from './program.js';
import type { WorkloadEntry } from './workload.js';

export const loopYield: WorkloadEntry = {
  name: 'loop_yield',
  description: 'N processes calling sched_yield() in a loop (O(1) announcement); figure: context switches/s',
  params: [
    { name: 'tasks', default: 0, unit: 'count', min: 0, max: 10000000, meaning: 'number of looping processes (0: twice the CPU count)' },
    { name: 'userNs', default: 50, unit: 'ns', meaning: 'user time of one loop iteration besides the syscall' },
    { name: 'nice', default: 0, unit: 'nice', meaning: 'nice value of every task (the announcement ran nice 0)' },
  ],
  setup(k, v) {
    const n = (v.tasks as number) > 0 ? (v.tasks as number) : 2 * k.nCpus;
    const b = new ProgramBuilder('loop_yield', 8 * 1024);
    const top = b.here();
    b.compute(v.userNs as number).yield().count(1).loop(top, -1);
    const prog = k.addProgram(b.build());
    for (let i = 0; i < n; i++) k.spawn(prog, { name: 'loop_yield', nice: v.nice as number, cpu: i % k.nCpus });
    return {
      outcome(kk, simNs) {
        const cs = (kk.contextSwitches * 1e9) / simNs;
        const yields = (kk.throughput * 1e9) / simNs;
        return {
          throughput: cs,
          unit: 'context switches/s',
          extra: { tasks: n, yieldsPerSec: yields },
          lines: [
            `# ${n} x loop_yield on ${kk.nCpus} CPU(s)`,
            `vmstat cs: ${Math.round(cs)} context switches/s (${Math.round(yields)} sched_yield calls/s)`,
          ],
        };
      },
    };
  },
};
