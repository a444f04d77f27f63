/**
 * hackbench: `perf bench sched messaging` (tools/perf/bench/sched-messaging.c), including its main process.
 *
 * 1. The main process forks, group by group, 20 receivers and then 20 senders (num_fds = 20); each child writes one
 *    byte to the ready pipe and polls the wake pipe (ready()).
 * 2. The main process reads one ready byte per child, takes the start time, writes one byte to the wake pipe (every
 *    child wakes at once), then reaps every child with wait() and takes the stop time: "Total time".
 * 3. Every sender writes `loops` x 20 messages of 100 bytes (DATASIZE), looping over the group's receivers in order;
 *    every receiver reads 20 x loops messages of 100 bytes. Transport: AF_UNIX stream socketpair by default, pipes
 *    with pipe=1; processes by default, threads with threads=1 (perf -t).
 * 4. spawn=direct (the default) creates the children at no fork cost: the measured phase is the same, but the
 *    serial fork loop, which on a large machine leaves it idle for most of a round (4,000 forks at tens of us each),
 *    is left out; spawn=fork charges every fork to the main process as perf does.
 * 5. With rounds=0 (the default) the main process starts the benchmark again when a round completes, until the time
 *    limit (like running perf in a loop); the figure is then the rounds' mean total time.
 *
 * Simplifications (docs/workloads.md): a stream socket's capacity is modelled in payload bytes as the messages that
 * fit in the default 212,992-byte send buffer with ~768 bytes of skb overhead each (an estimate); the main process
 * drains the wake pipe between rounds (perf runs once).
 */
import { PIPE_CAPACITY } from '../kernel/ipc.js';
import { ProgramBuilder } from './program.js';
import type { WorkloadEntry } from './workload.js';

const NUM_FDS = 20;
const SKB_OVERHEAD = 768;
const SNDBUF = 212_992;
const MARK_START = 1;
const MARK_STOP = 2;

export const hackbench: WorkloadEntry = {
  name: 'hackbench',
  description: 'perf bench sched messaging: groups of 20 senders x 20 receivers; figure: total time',
  params: [
    { name: 'groups', default: 10, unit: 'count', min: 1, max: 100000, meaning: 'groups of 40 tasks (perf -g)' },
    { name: 'loops', default: 100, unit: 'count', min: 1, max: 1000000000000, meaning: 'messages each sender sends to each receiver (perf -l)' },
    { name: 'pipe', default: 0, unit: 'bool', meaning: 'pipes instead of AF_UNIX stream sockets (perf -p)' },
    { name: 'threads', default: 0, unit: 'bool', meaning: 'threads instead of processes (perf -t)' },
    { name: 'datasize', default: 100, unit: 'count', min: 1, max: 1048576, meaning: 'bytes per message (DATASIZE)' },
    { name: 'userNs', default: 200, unit: 'ns', meaning: 'user time per message besides the syscall' },
    { name: 'spawn', default: 'direct', unit: 'choice', choices: ['direct', 'fork'], meaning: 'create the children at no cost (direct) or fork them one by one as perf does (fork)' },
    { name: 'rounds', default: 0, unit: 'count', min: 0, max: 1000000000, meaning: 'benchmark runs back to back (0: repeat until the time limit)' },
  ],
  setup(k, v) {
    const groups = v.groups as number;
    const loops = v.loops as number;
    const usePipe = (v.pipe as number) === 1;
    const threads = (v.threads as number) === 1;
    const size = v.datasize as number;
    const userNs = v.userNs as number;
    const rounds = v.rounds as number;
    const free = v.spawn === 'direct';
    const kind = usePipe ? 'pipe' : 'socket';
    const cap = usePipe ? PIPE_CAPACITY : Math.max(1, Math.floor(SNDBUF / (size + SKB_OVERHEAD))) * size;
    const ready = k.addChannel(PIPE_CAPACITY, kind);
    const wake = k.addChannel(PIPE_CAPACITY, kind);
    // children: fd 0 ready, fd 1 wake, fd 2.. data
    const rcv = new ProgramBuilder('hackbench-rcv', 32 * 1024);
    rcv.send(0, 1).poll(1);
    let top = rcv.here();
    rcv.recv(2, size).compute(userNs).count(1).loop(top, loops * NUM_FDS);
    const rp = k.addProgram(rcv.build());
    const snd = new ProgramBuilder('hackbench-snd', 32 * 1024);
    snd.send(0, 1).poll(1);
    top = snd.here();
    snd.compute(userNs).sendRoundRobin(2, NUM_FDS, size).loop(top, loops * NUM_FDS);
    const sp = k.addProgram(snd.build());
    const main = new ProgramBuilder('hackbench', 64 * 1024);
    const roundTop = main.here();
    for (let g = 0; g < groups; g++) {
      const chans = Array.from({ length: NUM_FDS }, () => k.addChannel(cap, kind));
      for (let r = 0; r < NUM_FDS; r++) main.fork(rp, threads, k.addFdTable([ready, wake, chans[r]!]), free);
      const sft = k.addFdTable([ready, wake, ...chans]);
      for (let s = 0; s < NUM_FDS; s++) main.fork(sp, threads, sft, free);
    }
    const n = groups * 2 * NUM_FDS;
    let l = main.here();
    main.recv(0, 1).loop(l, n);
    main.mark(MARK_START).send(1, 1);
    l = main.here();
    main.wait().loop(l, n);
    main.mark(MARK_STOP).recv(1, 1).loop(roundTop, rounds === 0 ? -1 : rounds);
    const mp = k.addProgram(main.build());
    k.spawn(mp, { name: 'hackbench', fds: [ready, wake], cpu: 0 });
    const perRound = groups * NUM_FDS * NUM_FDS * loops;
    return {
      outcome(kk, simNs) {
        const times: number[] = [];
        let start = -1;
        for (let i = 0; i < kk.marks.length; i += 2) {
          if (kk.marks[i] === MARK_START) start = kk.marks[i + 1]!;
          else if (kk.marks[i] === MARK_STOP && start >= 0) times.push(kk.marks[i + 1]! - start);
        }
        const msgs = kk.throughput;
        const taskKind = threads ? 'threads' : 'processes';
        const lines = [`# ${NUM_FDS} sender and receiver ${taskKind} per group`, `# ${groups} groups == ${n} ${taskKind} run`, ''];
        const mean = times.length ? times.reduce((a, b) => a + b, 0) / times.length : 0;
        if (times.length > 0) lines.push(` ${'Total time'.padStart(14)}: ${(times[0]! / 1e9).toFixed(3)} [sec]`);
        else lines.push(` (stopped at ${(simNs / 1e9).toFixed(3)} s before the first round completed: ${msgs} of ${perRound} messages)`);
        if (times.length > 1 || (rounds !== 1 && times.length > 0))
          lines.push(`# ${times.length} round(s) completed in ${(simNs / 1e9).toFixed(3)} s: mean total time ${(mean / 1e9).toFixed(3)} [sec]`);
        return {
          throughput: times.length ? mean / 1e9 : NaN,
          unit: 'seconds (total time, mean over rounds)',
          extra: {
            rounds: times.length,
            firstRoundSec: times.length ? times[0]! / 1e9 : NaN,
            messages: msgs,
            messagesPerRound: perRound,
            messagesPerSec: (msgs * 1e9) / simNs,
            tasks: n + 1,
            transport: kind,
          },
          lines,
        };
      },
    };
  },
};
