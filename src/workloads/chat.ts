/**
 * chat: Bill Hartner's chat benchmark (IBM LTC, Linux Benchmark Suite), a C version of the VolanoMark chat-server
 * pattern, as `chat_c <server> <rooms> <messages>` ran it against `chat_s` over loopback TCP
 * (shared/reference/historic-schedulers.md section 8).
 *
 * Per room: 20 users. Per user: a client process's two threads, client_send and client_recv, and the server's two
 * threads, server_recv and server_send (4 threads a user, 80 a room; 30 rooms = 2,400 threads).
 * 1. client_send writes `messages` messages of 100 bytes to its server_recv over the user's connection.
 * 2. server_recv reads each message and broadcasts it to the other 19 users of the room: with serverSend=1 it hands
 *    the message to each of their server_send threads through an in-process queue (mutex + condition variable), and each
 *    server_send writes it to its client's connection; with serverSend=0 server_recv writes the 19 copies itself.
 * 3. client_recv reads 19 x messages messages, then exits. Every read is blocking: every message is a sleep and a
 *    wakeup.
 * 0. Every thread is created first and reports ready; chat_c starts the clients when all are (the clients have
 *    connected), and the throughput is measured from there.
 * Figure: "Average throughput : N messages per second" = messages delivered to clients / elapsed time.
 *
 * Assumptions (the benchmark's source is not available; docs/workloads.md): the server threads' roles above; no
 * think time besides `userNs` of user work per message and thread; the chat_s and chat_c processes create their
 * threads one after the other at the start (pthread_create, its cost not modelled) and wait for them; connections
 * need no setup; each loopback TCP direction is a channel of `bufKb` KiB of payload with non-sync wakeups (2.4's
 * sock_def_readable). Each thread's working set is 8 KiB (two pages: its stack and its message buffer), what a
 * switch or a migration has to bring back into cache.
 */
import { ProgramBuilder } from './program.js';
import type { WorkloadEntry } from './workload.js';

const USERS = 20;
const MSG = 100;

export const chat: WorkloadEntry = {
  name: 'chat',
  description: "Hartner's chat benchmark (chat_c rooms messages): 20 users a room, 4 threads a user; figure: messages/s",
  params: [
    { name: 'rooms', default: 10, unit: 'count', min: 1, max: 100000, meaning: 'chat rooms (chat_c argument 2)' },
    { name: 'messages', default: 100, unit: 'count', min: 1, max: 1000000000, meaning: 'messages each user sends (chat_c argument 3)' },
    { name: 'nice', default: 0, unit: 'nice', meaning: 'nice value of the client threads (the announcement also ran nice -n 19 chat_c)' },
    { name: 'serverSend', default: 1, unit: 'bool', meaning: 'a server_send thread per user writes to the client (0: server_recv writes the 19 copies)' },
    { name: 'userNs', default: 1_000, unit: 'ns', meaning: 'user work per message in each thread that handles it' },
    { name: 'bufKb', default: 16, unit: 'count', min: 1, max: 1048576, meaning: 'capacity of one loopback TCP direction in KiB of payload (2.4 default tcp_wmem: 16 KiB)' },
  ],
  setup(k, v) {
    const rooms = v.rooms as number;
    const m = v.messages as number;
    const nice = v.nice as number;
    const serverSend = (v.serverSend as number) === 1;
    const userNs = v.userNs as number;
    const cap = (v.bufKb as number) * 1024;
    const others = USERS - 1;
    // every thread: fd 0 = ready pipe, fd 1 = start pipe, its own descriptors from fd 2 on; it reports ready and
    // waits for the start (the client has connected every user before any message flows)
    const ready = k.addChannel(1 << 20, 'pipe');
    const start = k.addChannel(1 << 20, 'pipe');
    const thread = (name: string): ProgramBuilder => new ProgramBuilder(name, 8 * 1024).send(0, 1).poll(1);
    const cs = thread('client_send');
    let top = cs.here();
    cs.compute(userNs).send(2, MSG).loop(top, m);
    const csP = k.addProgram(cs.build());
    const cr = thread('client_recv');
    top = cr.here();
    cr.recv(2, MSG).compute(userNs).count(1).loop(top, others * m);
    const crP = k.addProgram(cr.build());
    // server_recv: fd 2 = the user's up connection, fds 3..21 = the other users' queues (or down connections)
    const sr = thread('server_recv');
    top = sr.here();
    sr.recv(2, MSG).compute(userNs);
    const inner = sr.here();
    sr.sendRoundRobin(3, others, MSG).loop(inner, others).loop(top, m);
    const srP = k.addProgram(sr.build());
    const ss = thread('server_send');
    top = ss.here();
    ss.recv(2, MSG).compute(userNs).send(3, MSG).loop(top, others * m);
    const ssP = k.addProgram(ss.build());
    // chat_s and chat_c create their threads one by one (pthread_create: a clone at no modelled cost); chat_c waits
    // for every thread to be ready, marks the start and lets them go; both then wait for their threads
    const srv = new ProgramBuilder('chat_s', 256 * 1024);
    const cli = new ProgramBuilder('chat_c', 256 * 1024);
    let nSrv = 0;
    let nCli = 0;
    for (let r = 0; r < rooms; r++) {
      const up = Array.from({ length: USERS }, () => k.addChannel(cap, 'tcp'));
      const down = Array.from({ length: USERS }, () => k.addChannel(cap, 'tcp'));
      const queue = serverSend ? Array.from({ length: USERS }, () => k.addChannel(1 << 20, 'queue')) : [];
      for (let u = 0; u < USERS; u++) {
        const targets: number[] = [];
        for (let o = 1; o < USERS; o++) targets.push((serverSend ? queue : down)[(u + o) % USERS]!);
        srv.fork(srP, true, k.addFdTable([ready, start, up[u]!, ...targets]), true);
        nSrv++;
        if (serverSend) {
          srv.fork(ssP, true, k.addFdTable([ready, start, queue[u]!, down[u]!]), true);
          nSrv++;
        }
        cli.fork(crP, true, k.addFdTable([ready, start, down[u]!]), true).fork(csP, true, k.addFdTable([ready, start, up[u]!]), true);
        nCli += 2;
      }
    }
    let w = srv.here();
    srv.wait().loop(w, nSrv);
    w = cli.here();
    cli.recv(0, 1).loop(w, nSrv + nCli);
    cli.mark(1).send(1, 1);
    w = cli.here();
    cli.wait().loop(w, nCli);
    k.spawn(k.addProgram(srv.build()), { name: 'chat_s', cpu: 0, fds: [ready, start] });
    k.spawn(k.addProgram(cli.build()), { name: 'chat_c', nice, cpu: Math.min(1, k.nCpus - 1), fds: [ready, start] });
    const total = rooms * USERS * others * m;
    return {
      outcome(kk, simNs, finished) {
        const delivered = kk.throughput;
        // measured from the start signal (the threads are all connected) to the end
        const t0 = kk.marks.length >= 2 ? kk.marks[1]! : simNs;
        const rate = simNs > t0 ? (delivered * 1e9) / (simNs - t0) : 0;
        return {
          throughput: rate,
          unit: 'messages/s',
          extra: { delivered, messagesTotal: total, threads: rooms * USERS * (serverSend ? 4 : 3), finished: finished ? 1 : 0, startNs: t0 },
          lines: [
            `chat_c 127.0.0.1 ${rooms} ${m}${nice !== 0 ? ` (nice ${nice})` : ''}: ${rooms * USERS} users, ${delivered} of ${total} messages delivered${finished ? '' : ' (time limit)'}`,
            `Average throughput : ${Math.round(rate)} messages per second`,
          ],
        };
      },
    };
  },
};
