/**
 * pipe: token passing over pipes, as `perf bench sched pipe` (tools/perf/bench/sched-pipe.c: two tasks ping-pong
 * one int over two pipes, 1,000,000 loops by default) and, with tasks > 2, lmbench's lat_ctx ring (src/lat_ctx.c:
 * each process reads the token, optionally touches `size` of data, writes it to the next).
 * perf's figures: total time, usecs/op, ops/sec; lat_ctx's: microseconds per context switch ("2 5.43").
 */
import { PIPE_CAPACITY } from '../kernel/ipc.js';
import { ProgramBuilder } from './program.js';
import type { WorkloadEntry } from './workload.js';

export const pipe: WorkloadEntry = {
  name: 'pipe',
  description: 'perf bench sched pipe ping-pong (tasks=2) or an lmbench lat_ctx ring (tasks>2); figure: ops/s',
  params: [
    { name: 'loops', default: 1_000_000, unit: 'count', min: 1, max: 1000000000000, meaning: 'round trips (perf -l); the run ends when done' },
    { name: 'tasks', default: 2, unit: 'count', min: 2, max: 10000000, meaning: 'tasks in the ring (2 = perf bench sched pipe)' },
    { name: 'threads', default: 0, unit: 'bool', meaning: 'threads of one process instead of processes (perf -T)' },
    { name: 'sizeKb', default: 0, unit: 'count', min: 0, max: 1048576, meaning: 'lat_ctx -s: KiB of data each task touches per hop' },
    { name: 'userNs', default: 100, unit: 'ns', meaning: 'user time per hop besides the data touched' },
  ],
  setup(k, v) {
    const n = v.tasks as number;
    const loops = v.loops as number;
    const threads = (v.threads as number) === 1;
    const sizeKb = v.sizeKb as number;
    const hopNs = (v.userNs as number) + sizeKb * 1024 * 0.25; // touching data at ~4 bytes/ns
    const chans = Array.from({ length: n }, () => k.addChannel(PIPE_CAPACITY));
    // task i reads chans[i], writes chans[(i+1) % n]; task 0 starts the token
    const first = new ProgramBuilder('pipe-0', sizeKb * 1024 + 8192);
    let top = first.here();
    first.send(1, 4).recv(0, 4).compute(hopNs).count(1).loop(top, loops);
    const p0 = k.addProgram(first.build());
    const rest = new ProgramBuilder('pipe-n', sizeKb * 1024 + 8192);
    top = rest.here();
    rest.recv(0, 4).compute(hopNs).send(1, 4).loop(top, loops);
    const pn = k.addProgram(rest.build());
    for (let i = 0; i < n; i++) {
      k.spawn(i === 0 ? p0 : pn, {
        name: `pipe-${i}`,
        fds: [chans[i]!, chans[(i + 1) % n]!],
        mmKey: threads ? 'pipe' : undefined,
        cpu: 0,
      });
    }
    return {
      outcome(kk, simNs, finished) {
        const ops = kk.throughput;
        const opsPerSec = (ops * 1e9) / simNs;
        const usecsPerOp = ops > 0 ? simNs / 1000 / ops : 0;
        const perSwitchUs = ops > 0 ? simNs / 1000 / (ops * n) : 0;
        const sec = simNs / 1e9;
        const lines =
          n === 2
            ? [
                `# Executed ${ops} pipe operations between two ${threads ? 'threads' : 'processes'}${finished ? '' : ' (stopped at the time limit)'}`,
                '',
                ` ${'Total time'.padStart(14)}: ${sec.toFixed(3)} [sec]`,
                '',
                ` ${usecsPerOp.toFixed(6).padStart(14)} usecs/op`,
                ` ${String(Math.floor(opsPerSec)).padStart(14)} ops/sec`,
              ]
            : [`"size=${sizeKb}k ovr=0.00`, `${n} ${perSwitchUs.toFixed(2)}`];
        return { throughput: opsPerSec, unit: 'ops/s', extra: { ops, usecsPerOp, usecsPerSwitch: perSwitchUs, tasks: n }, lines };
      },
    };
  },
};
