/**
 * hackbench: `perf bench sched messaging` (tools/perf/bench/sched-messaging.c). Each group has 20 senders and 20
 * receivers (num_fds = 20); every sender writes `loops` x 20 messages of 100 bytes (DATASIZE), looping over the
 * group's receivers in order; every receiver reads 20 x loops messages of 100 bytes. Transport: socketpair
 * (AF_UNIX, SOCK_STREAM) by default, pipes with pipe=1; processes by default, threads with threads=1.
 * Figure: total time when every task has exited (as perf prints it), else messages/s at the time limit.
 *
 * Simplifications (docs/workloads.md): the tasks are created at time 0 on CPU 0's node instead of being forked
 * behind a start barrier; a stream socket's capacity is modelled in payload bytes as the messages that fit in the
 * default 212,992-byte send buffer with ~768 bytes of skb overhead each (an estimate).
 */
import { PIPE_CAPACITY } from '../kernel/ipc.js';
import { ProgramBuilder } from './program.js';
import type { WorkloadEntry } from './workload.js';

const NUM_FDS = 20;
const SKB_OVERHEAD = 768;
const SNDBUF = 212_992;

export const hackbench: WorkloadEntry = {
  name: 'hackbench',
  description: 'perf bench sched messaging: groups of 20 senders x 20 receivers; figure: total time or messages/s',
  params: [
    { name: 'groups', default: 10, unit: 'count', meaning: 'groups of 40 tasks (perf -g)' },
    { name: 'loops', default: 100, unit: 'count', meaning: 'messages each sender sends to each receiver (perf -l)' },
    { name: 'pipe', default: 0, unit: 'bool', meaning: 'pipes instead of AF_UNIX stream sockets (perf -p)' },
    { name: 'threads', default: 0, unit: 'bool', meaning: 'threads instead of processes (perf -t)' },
    { name: 'datasize', default: 100, unit: 'count', meaning: 'bytes per message (DATASIZE)' },
    { name: 'userNs', default: 200, unit: 'ns', meaning: 'user time per message besides the syscall' },
  ],
  setup(k, v) {
    const groups = v.groups as number;
    const loops = v.loops as number;
    const usePipe = (v.pipe as number) === 1;
    const threads = (v.threads as number) === 1;
    const size = v.datasize as number;
    const cap = usePipe ? PIPE_CAPACITY : Math.max(1, Math.floor(SNDBUF / (size + SKB_OVERHEAD))) * size;
    const snd = new ProgramBuilder('hackbench-snd', 32 * 1024);
    let top = snd.here();
    snd.compute(v.userNs as number).sendRoundRobin(0, NUM_FDS, size).loop(top, loops * NUM_FDS);
    const sp = k.addProgram(snd.build());
    const rcv = new ProgramBuilder('hackbench-rcv', 32 * 1024);
    top = rcv.here();
    rcv.recv(0, size).compute(v.userNs as number).count(1).loop(top, loops * NUM_FDS);
    const rp = k.addProgram(rcv.build());
    for (let g = 0; g < groups; g++) {
      const chans = Array.from({ length: NUM_FDS }, () => k.addChannel(cap, usePipe ? 'pipe' : 'socket'));
      const mmKey = threads ? 'hackbench' : undefined;
      for (let r = 0; r < NUM_FDS; r++) k.spawn(rp, { name: 'hackbench-rcv', fds: [chans[r]!], mmKey });
      for (let s = 0; s < NUM_FDS; s++) k.spawn(sp, { name: 'hackbench-snd', fds: chans, mmKey });
    }
    const total = groups * NUM_FDS * NUM_FDS * loops;
    return {
      outcome(kk, simNs, finished) {
        const msgs = kk.throughput;
        const rate = (msgs * 1e9) / simNs;
        const kind = threads ? 'threads' : 'processes';
        const lines = [
          `# ${NUM_FDS} sender and receiver ${kind} per group`,
          `# ${groups} groups == ${groups * 2 * NUM_FDS} ${kind} run`,
          '',
          finished
            ? ` ${'Total time'.padStart(14)}: ${(simNs / 1e9).toFixed(3)} [sec]`
            : ` (stopped at ${(simNs / 1e9).toFixed(3)} s with ${msgs} of ${total} messages delivered: ${Math.round(rate)} messages/s)`,
        ];
        return {
          throughput: finished ? simNs / 1e9 : rate,
          unit: finished ? 'seconds (total time)' : 'messages/s',
          extra: { messages: msgs, messagesTotal: total, messagesPerSec: rate, tasks: groups * 2 * NUM_FDS, transport: usePipe ? 'pipe' : 'socket' },
          lines,
        };
      },
    };
  },
};
