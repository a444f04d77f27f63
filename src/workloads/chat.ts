/**
 * chat: Bill Hartner's chat benchmark (IBM LTC, chat 1.0.1, Dec 2000: chat_s.c, chat_c.c, chat.h), a C version of the
 * VolanoMark chat-server pattern, as `chat_c <server> <rooms> <messages>` ran it against `chat_s` over loopback TCP
 * (shared/reference/historic-schedulers.md section 8). Follows the source's threads:
 *
 * Per room: 20 users (CLIENTS_PER_ROOM). Per user one TCP connection (both directions) and four threads made with
 * clone(CLONE_VM...): chat_c's cli_snd and cli_rcv, chat_s's srv_rcv and srv_snd (80 threads a room).
 * 1. cli_snd sends `messages` messages of 100 bytes (BUFFER_SIZE) on the user's connection, back to back.
 * 2. srv_rcv receives each (recv with MSG_WAITALL) and posts its own srv_snd's semaphore (semop +1 on the room's
 *    SysV semaphore set, the user's slot).
 * 3. srv_snd waits on that semaphore (semop -1), then sends the message to each of the other 19 users' connections
 *    in turn.
 * 4. cli_rcv receives 19 x messages messages, then exits.
 * 0. chat_c creates every connection and thread, waits for chat_s's CLIENT_START, takes the start time and releases
 *    its threads together (a semaphore); the end time is taken when all its threads are done. chat_s's threads are not
 *    held back: each goes to its first recv or semop as soon as it exists.
 * Figure: "Average throughput : N messages per second" = (messages sent + messages received by the clients) /
 * elapsed time, as chat_c prints it.
 *
 * Simplifications (docs/workloads.md): `userNs` of user work per message in every thread that handles one (fixed, or
 * uniform within +-`jitter`% from the seed; the source does none besides the system calls; this stands for the
 * library and loop code); thread creation and connection setup are not costed (every thread reports ready on a pipe
 * and waits for the start; chat_c marks the start when all are ready); the end is when every thread has exited
 * rather than when the client threads are done; a SysV semaphore is a channel of 1-byte tokens priced like a pipe operation and woken without the sync hint (2.4's
 * semop: wake_up_process); each loopback TCP direction is a channel of `bufKb` KiB of payload with non-sync wakeups
 * (2.4's sock_def_readable), a blocked writer woken once a third of it is free (tcp_write_space), a user's two
 * directions sharing each endpoint's wait queue (Kernel.pairChannels); each endpoint's socket lock (lock_sock: a send or
 * recv owns the socket for the call, a thread that finds it owned sleeps until release_sock wakes it; sockLock=1, the
 * default: every user's server socket is written by the room's 19 other srv_snd threads and read by its srv_rcv);
 * 2.4.17's Nagle, delayed ACKs and prequeue only with nagle=1.
 * Each thread's working set is 8 KiB (two pages: its stack and its message buffer), what a switch or a migration
 * has to bring back into cache.
 */
import { ProgramBuilder } from './program.js';
import type { WorkloadEntry } from './workload.js';

const USERS = 20;
const MSG = 100;
/** Largest semaphore value (SEMVMX): the capacity of a semaphore channel of 1-byte tokens. */
const SEMVMX = 32_767;

export const chat: WorkloadEntry = {
  name: 'chat',
  description: "Hartner's chat benchmark (chat_c rooms messages): 20 users a room, 4 threads a user; figure: messages/s",
  params: [
    { name: 'rooms', default: 10, unit: 'count', min: 1, max: 100000, meaning: 'chat rooms (chat_c argument 2)' },
    { name: 'messages', default: 100, unit: 'count', min: 1, max: 1000000000, meaning: 'messages each user sends (chat_c argument 3)' },
    { name: 'nice', default: 0, unit: 'nice', meaning: 'nice value of the client threads (the announcement also ran nice -n 19 chat_c)' },
    { name: 'serverNice', default: 0, unit: 'nice', meaning: "nice value of chat_s's threads (a separate process: nice -n 19 chat_c leaves them at 0)" },
    { name: 'layout', default: 'source', unit: 'choice', choices: ['source', 'queues'], meaning: "server threads' roles: as chat 1.0.1's source (srv_snd fans out) or queues (the earlier reconstruction)" },
    { name: 'userNs', default: 1_000, unit: 'ns', meaning: 'user work per message in each thread that handles it' },
    { name: 'jitter', default: 0, unit: 'percent', min: 0, max: 100, meaning: "percent: each message's user work drawn uniformly from userNs +- jitter% with the run's seed, so seeds differ (reproduce --jitter sets it in every chat run); 0: fixed, as every figure in the docs" },
    { name: 'nagle', default: 0, unit: 'count', min: 0, max: 1, meaning: "1: 2.4.17's Nagle, delayed-ACK and prequeue rules on the loopback connections (chat's sockets had no TCP_NODELAY; docs/workloads.md); 0: every write goes out at once" },
    { name: 'sockLock', default: 1, unit: 'count', min: 0, max: 1, meaning: "1: every send and recv owns its TCP socket for the call (lock_sock), and a thread that finds the socket owned sleeps until the owner's release_sock wakes it (docs/workloads.md); 0: sockets are never owned" },
    { name: 'bufKb', default: 16, unit: 'count', min: 1, max: 1048576, meaning: 'capacity of one loopback TCP direction in KiB of payload (2.4 default tcp_wmem: 16 KiB)' },
  ],
  setup(k, v) {
    const rooms = v.rooms as number;
    const m = v.messages as number;
    const nice = v.nice as number;
    const serverNice = v.serverNice as number;
    const userNs = v.userNs as number;
    const jitter = v.jitter as number;
    // a message's user work: fixed, or uniform over [userNs - d, userNs + d] (symmetric, so the mean stays userNs)
    const d = Math.min(userNs, Math.round((userNs * jitter) / 100));
    const work = (b: ProgramBuilder): ProgramBuilder => (d > 0 ? b.computeUniform(userNs - d, userNs + d) : b.compute(userNs));
    const cap = (v.bufKb as number) * 1024;
    const nagle = v.nagle === 1;
    const sockLock = v.sockLock === 1;
    const others = USERS - 1;
    // every thread: fd 0 = ready pipe, fd 1 = start pipe, its own descriptors from fd 2 on; it reports ready and
    // waits for the start (the client has connected every user before any message flows)
    const ready = k.addChannel(1 << 20, 'pipe');
    const start = k.addChannel(1 << 20, 'pipe');
    // chat_c's threads wait for the start (semop on clientsemall); chat_s's go straight to their first recv or semop
    const thread = (name: string, gated = true): ProgramBuilder => {
      const b = new ProgramBuilder(name, 8 * 1024).send(0, 1);
      return gated ? b.poll(1) : b;
    };
    const queues = v.layout === 'queues';
    // one message per iteration: receive on fd 2 (a message or a semaphore token), pass `outBytes` on fd 3
    const relay = (b: ProgramBuilder, inBytes: number, outBytes: number, n: number): number => {
      const top = b.here();
      work(b.recv(2, inBytes)).send(3, outBytes).loop(top, n);
      return k.addProgram(b.build());
    };
    // receive on fd 2, then send the message to fds 3..21 in turn (the other 19 users' connections or queues)
    const fanOut = (b: ProgramBuilder, inBytes: number): number => {
      const top = b.here();
      work(b.recv(2, inBytes));
      const inner = b.here();
      b.sendRoundRobin(3, others, MSG).loop(inner, others).loop(top, m);
      return k.addProgram(b.build());
    };
    const cs = thread('client_send');
    let top = cs.here();
    work(cs).send(2, MSG);
    if (!queues) cs.count(1); // chat_c's figure counts sent messages too
    cs.loop(top, m);
    const csP = k.addProgram(cs.build());
    const cr = thread('client_recv');
    top = cr.here();
    work(cr.recv(2, MSG)).count(1).loop(top, others * m);
    const crP = k.addProgram(cr.build());
    // source: server_recv relays each message as a semaphore token to its server_send, which fans it out to the
    // other users' down connections. queues: server_recv fans each message out to the other users' server_send
    // queues, and each server_send relays it to its own user's down connection.
    const srP = queues ? fanOut(thread('server_recv', false), MSG) : relay(thread('server_recv', false), MSG, 1, m);
    const ssP = queues ? relay(thread('server_send', false), MSG, MSG, others * m) : fanOut(thread('server_send', false), 1);
    // chat_s and chat_c create their threads one by one (pthread_create: a clone at no modelled cost); chat_c waits
    // for every thread to be ready, marks the start and lets them go; both then wait for their threads
    const srv = new ProgramBuilder('chat_s', 256 * 1024);
    const cli = new ProgramBuilder('chat_c', 256 * 1024);
    let nSrv = 0;
    let nCli = 0;
    for (let r = 0; r < rooms; r++) {
      const up = Array.from({ length: USERS }, () => k.addChannel(cap, 'tcp', nagle, sockLock));
      const down = Array.from({ length: USERS }, () => k.addChannel(cap, 'tcp', nagle, sockLock));
      // one connection per user carries both directions (chat_c: snd_socket = rcv_socket): each endpoint's readers
      // and writers share its wait queue
      for (let u = 0; u < USERS; u++) k.pairChannels(up[u]!, down[u]!);
      // between a user's two server threads: its semaphore (source) or its server_send's queue (queues)
      const mid = Array.from({ length: USERS }, () => k.addChannel(queues ? 1 << 20 : SEMVMX, 'queue'));
      for (let u = 0; u < USERS; u++) {
        const targets: number[] = [];
        if (queues) {
          for (let o = 1; o < USERS; o++) targets.push(mid[(u + o) % USERS]!);
          srv.fork(srP, true, k.addFdTable([ready, start, up[u]!, ...targets]), true);
          srv.fork(ssP, true, k.addFdTable([ready, start, mid[u]!, down[u]!]), true);
          cli.fork(crP, true, k.addFdTable([ready, start, down[u]!]), true).fork(csP, true, k.addFdTable([ready, start, up[u]!]), true);
        } else {
          // srv_snd sends to the room's other users in slot order, skipping its own
          for (let j = 0; j < USERS; j++) if (j !== u) targets.push(down[j]!);
          srv.fork(srP, true, k.addFdTable([ready, start, up[u]!, mid[u]!]), true);
          srv.fork(ssP, true, k.addFdTable([ready, start, mid[u]!, ...targets]), true);
          cli.fork(csP, true, k.addFdTable([ready, start, up[u]!]), true).fork(crP, true, k.addFdTable([ready, start, down[u]!]), true);
        }
        nSrv += 2;
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
    k.spawn(k.addProgram(srv.build()), { name: 'chat_s', nice: serverNice, cpu: 0, fds: [ready, start] });
    k.spawn(k.addProgram(cli.build()), { name: 'chat_c', nice, cpu: Math.min(1, k.nCpus - 1), fds: [ready, start] });
    // chat_c's figure counts the messages its threads sent and those they received (queues: received only)
    const total = rooms * USERS * m * (queues ? others : 1 + others);
    return {
      outcome(kk, simNs, finished) {
        const messages = kk.throughput;
        // measured from the start signal (the threads are all connected) to the end
        const t0 = kk.marks.length >= 2 ? kk.marks[1]! : simNs;
        const rate = simNs > t0 ? (messages * 1e9) / (simNs - t0) : 0;
        return {
          throughput: rate,
          unit: 'messages/s',
          extra: { messages, messagesTotal: total, threads: rooms * USERS * 4, finished: finished ? 1 : 0, startNs: t0 },
          lines: [
            `chat_c 127.0.0.1 ${rooms} ${m}${nice !== 0 ? ` (nice ${nice})` : ''}${serverNice !== 0 ? `, chat_s at nice ${serverNice}` : ''}: ${rooms * USERS} users`,
            `Total messages     : ${messages}${finished ? '' : ` of ${total} (time limit)`}`,
            `Elapsed time       : ${((simNs - t0) / 1e9).toFixed(2)} seconds`,
            `Average throughput : ${rate.toFixed(2)} messages per second`,
          ],
        };
      },
    };
  },
};
