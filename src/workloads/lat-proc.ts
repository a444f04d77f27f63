/**
 * lat_proc: lmbench's process creation latencies (src/lat_proc.c): "Process fork+exit", "Process fork+execve" and
 * "Process fork+/bin/sh -c", each printed as `<label>: <us> microseconds` (the time of one iteration).
 *
 * 1. The parent forks, returns from fork (writing `parentCowPages` pages: copy-on-write faults), and waits.
 * 2. fork: the child returns from fork (writing `childCowPages`) and exits. exec: the child execs /tmp/hello, which
 *    writes a line and exits. shell: the child execs /bin/sh, which starts up (`shNs`), forks and execs /tmp/hello,
 *    waits, and exits.
 * Copy-on-write: a page written while the other side of the fork still shares the address space is copied
 * (cowFaultNs); once the other side has exec'd or exited, the fault only reuses the page (a quarter of it). Who runs
 * first after fork (2.6's child-runs-first) and where (the same CPU or another) decide how many copies happen: the
 * gain the O(1) announcement credited for its lat_proc figures.
 */
import { ProgramBuilder } from './program.js';
import type { WorkloadEntry } from './workload.js';

const LABELS: Record<string, string> = { fork: 'Process fork+exit', exec: 'Process fork+execve', shell: 'Process fork+/bin/sh -c' };

export const latProc: WorkloadEntry = {
  name: 'lat_proc',
  description: 'lmbench lat_proc: fork+exit, fork+execve, fork+/bin/sh -c; figure: microseconds per iteration',
  params: [
    { name: 'mode', default: 'fork', unit: 'choice', choices: ['fork', 'exec', 'shell'], meaning: 'lat_proc fork | exec | shell' },
    { name: 'loops', default: 200, unit: 'count', min: 1, max: 1000000000000, meaning: 'iterations' },
    { name: 'parentCowPages', default: 16, unit: 'count', min: 0, max: 1048576, meaning: "pages the parent writes right after fork (stack, libc's fork bookkeeping, lmbench's timing state)" },
    { name: 'childCowPages', default: 4, unit: 'count', min: 0, max: 1048576, meaning: 'pages the child writes before it exits or execs' },
    { name: 'userNs', default: 5_000, unit: 'ns', meaning: "user work of each side between its fork and its next system call" },
    { name: 'shNs', default: 2_000_000, unit: 'ns', meaning: '/bin/sh start-up (dynamic linking, profile) before it runs the command' },
  ],
  setup(k, v) {
    const mode = v.mode as string;
    const loops = v.loops as number;
    const userNs = v.userNs as number;
    const hello = new ProgramBuilder('hello', 16 * 1024);
    hello.compute(userNs).exit();
    const helloP = k.addProgram(hello.build());
    let childP: number;
    if (mode === 'fork') {
      const c = new ProgramBuilder('lat_proc-child', 16 * 1024, v.childCowPages as number);
      c.compute(userNs).exit();
      childP = k.addProgram(c.build());
    } else if (mode === 'exec') {
      const c = new ProgramBuilder('lat_proc-child', 16 * 1024, v.childCowPages as number);
      c.exec(helloP);
      childP = k.addProgram(c.build());
    } else {
      const shChild = new ProgramBuilder('sh-child', 64 * 1024, 2);
      shChild.exec(helloP);
      const shChildP = k.addProgram(shChild.build());
      const sh = new ProgramBuilder('sh', 256 * 1024, 8);
      sh.compute(v.shNs as number).fork(shChildP).compute(userNs).wait().exit();
      const shP = k.addProgram(sh.build());
      const c = new ProgramBuilder('lat_proc-child', 16 * 1024, v.childCowPages as number);
      c.exec(shP);
      childP = k.addProgram(c.build());
    }
    const parent = new ProgramBuilder('lat_proc', 32 * 1024, v.parentCowPages as number);
    parent.mark(1);
    const top = parent.here();
    parent.fork(childP).compute(userNs).wait().count(1).loop(top, loops);
    parent.mark(2);
    k.spawn(k.addProgram(parent.build()), { name: 'lat_proc', cpu: 0 });
    return {
      outcome(kk, simNs) {
        const m = kk.marks;
        const done = kk.throughput;
        const start = m.length >= 2 ? m[1]! : 0;
        const end = m.length >= 4 ? m[3]! : simNs;
        const us = done > 0 ? (end - start) / 1000 / done : NaN;
        return {
          throughput: us,
          unit: 'microseconds per iteration',
          extra: { iterations: done, mode },
          lines: [`${LABELS[mode]}: ${us.toFixed(4)} microseconds`],
        };
      },
    };
  },
};
