/**
 * Channels: the pipes and stream sockets tasks talk over. A channel holds a byte count (the data itself does not
 * matter), a capacity, and FIFO wait queues of blocked readers and writers (linked through task.waitNext).
 *
 * Semantics (follow Linux 6.x fs/pipe.c pipe_write/pipe_read and net/unix/af_unix.c unix_stream_sendmsg):
 * - a write of n bytes blocks while fewer than n bytes of room remain (writes up to PIPE_BUF are atomic);
 * - a read of n bytes blocks until n bytes are there (hackbench reads a 100-byte message, looping on short reads);
 * - a write wakes every blocked reader and a read that frees room wakes every blocked writer; pipes and AF_UNIX
 *   sockets with a sync wakeup on modern kernels (wake_up_interruptible_sync_poll), without it on 2.4 and 2.6.0
 *   (policy.syncIpcWakeups); loopback TCP readers from interrupt context (the network softirq); the woken tasks retry
 *   their read or write.
 * - loopback TCP (Linux 2.4.17 net/ipv4/tcp.c tcp_write_space, include/net/tcp.h tcp_wspace and
 *   tcp_min_write_space; the same rule in 2.6.0 and in today's sk_stream_write_space): a blocked writer is woken
 *   only once sndbuf - queued >= queued / 2, a third of the buffer free; and the two directions of one connection
 *   (Kernel.pairChannels) share each endpoint's wait queue (sk->sleep, woken whole by sock_def_readable and
 *   tcp_write_space), so arriving data also wakes the endpoint's blocked writers and freed room its blocked readers,
 *   which find nothing to do and sleep again.
 * Simplifications: a TCP channel's capacity counts payload bytes, one buffer for both sides of the connection;
 * 2.4 charges each segment's truesize (about 4 KB for a 100-byte segment sent alone, 100 bytes when Nagle
 * coalesces small writes while earlier data is unacknowledged) to the sender's queue until it is acknowledged and to
 * the receiver's while it is unread. The room is freed when the reader reads, not when an ACK comes back.
 * - optionally (addChannel's `sockLock`), each TCP endpoint's socket lock: a send or recv owns the socket for the
 *   call and a second caller sleeps until the owner's release wakes it (SockLock below);
 * - optionally (addChannel's `nagle`), 2.4.17's Nagle, delayed-ACK and prequeue rules (Kernel.tcpTransmit and the
 *   functions after it; net/ipv4/tcp.c tcp_sendmsg, tcp_recvmsg, cleanup_rbuf; tcp_input.c tcp_event_data_recv,
 *   __tcp_ack_snd_check; tcp_output.c tcp_send_delayed_ack, tcp_event_data_sent; tcp_timer.c tcp_delack_timer;
 *   include/net/tcp.h tcp_nagle_check, tcp_prequeue):
 *   - Nagle with Minshall's rule: a write while a small segment is unacknowledged is held, later writes join it, and
 *     it leaves as one segment with the ACK (or at once when it reaches the loopback MSS);
 *   - every data segment carries an ACK of what its endpoint has processed of the other direction, and a reply
 *     within the ACK timeout (TCP_ATO_MIN = HZ/25) of the last data received puts the endpoint in interactive
 *     ("pingpong") mode;
 *   - the receiver ACKs at once past TCP_MIN_RCVMSS (536) unacknowledged bytes, or while in quick-ACK mode (16
 *     quick ACKs on the first data and after a gap longer than TCP_RTO_MIN, not in pingpong mode); else the
 *     delayed-ACK timer fires TCP_ATO_MIN after the current jiffy (a timer due within a jiffy means an ACK now);
 *     when it fires, a connection in pingpong mode leaves it;
 *   - while a reader waits in recv (tp->ucopy.task), every segment arriving at its endpoint, pure ACKs included,
 *     goes to the prequeue: the first wakes the endpoint's wait queue and, if no ACK is due, sets the delayed-ACK
 *     timer to 3 x TCP_RTO_MIN / 4 (150 ms); TCP processes them (ACKs received, ACK decisions) only when the reader
 *     runs or that timer fires;
 *   - a read that drains the queue of a connection not in pingpong mode ACKs at once (cleanup_rbuf).
 *   Simplifications: the window never limits (no window updates from reads, no zero window), rcv_mss stays at 536
 *   (chat's segments are all small), ATO stays at its minimum, the capacity counts payload bytes (held data
 *   included), a socket owned by a task in a system call does not defer segments to its backlog, ACKs cost nothing,
 *   and `tcpOpNs` is charged per write and per read as if every write were its own segment (with Nagle several
 *   writes share one).
 */
import type { Task } from './task.js';

/**
 * A TCP endpoint's socket lock (2.4.17 include/net/sock.h lock_sock / release_sock, net/core/sock.c __lock_sock; 2.6.0
 * and today's lock_sock_nested own the socket the same way, but their waiters (prepare_to_wait_exclusive) leave the
 * queue when woken and rejoin at the tail; the model applies 2.4's order to every policy): tcp_sendmsg and
 * tcp_recvmsg own the socket (sk->lock.users) for the whole call; a second task that finds it owned sleeps TASK_UNINTERRUPTIBLE on sk->lock.wq, an exclusive waiter,
 * and release_sock wakes one exclusive waiter (wake_up), from the owner's CPU, when the owner's call ends. The woken
 * task retries; if another task took the socket meanwhile it sleeps again, keeping its place at the head (2.4's
 * wake_up leaves it on the queue). Simplifications: the whole system call counts as owned (lock_sock comes after the
 * syscall entry, and tcp_sendmsg / tcp_recvmsg release the socket while they sleep for room or data, which the model
 * has as the call's end); segments that reach an owned socket are processed at once, not from its backlog (nor is
 * the delayed-ACK timer deferred on an owned socket); the wakeup is bound to the first waiter when the ownership
 * starts, and a woken waiter leaves the queue (2.4 leaves it in place and wakes the first one still asleep at the
 * release, and wakes a second when the first is still on a runqueue); a call that sleeps pays the syscall entry and
 * its retry pays it again (as a retried blocked read or write does); a waiter still current on its CPU is made
 * running by the wakeup without the runqueue lock (Kernel.wakeStep), even when its CPU already waits for that lock
 * in schedule(), so under 2.4 most collisions cost the loser no context switch (a review in the eighth session
 * counted 2,507 of 3,610 lock wakeups so on smp8 under dss; docs/workloads.md).
 */
export class SockLock {
  /** When the owner's call ends (release_sock), or -1: owned while now < until. */
  until = -1;
  /** The owner's CPU: its wake list carries release_sock's wake_up. */
  cpu = -1;
  /** A waiter's wakeup is queued for the current ownership's release. */
  wakeArmed = false;
  /** Sleepers on sk->lock.wq, FIFO (linked through task.waitNext). */
  head: Task | null = null;
  tail: Task | null = null;

  add(t: Task, atHead: boolean): void {
    if (atHead || this.head === null) {
      t.waitNext = this.head;
      this.head = t;
      if (this.tail === null) this.tail = t;
      return;
    }
    t.waitNext = null;
    this.tail!.waitNext = t;
    this.tail = t;
  }

  /** Detaches and returns the first waiter, or null. */
  shift(): Task | null {
    const t = this.head;
    if (t === null) return null;
    this.head = t.waitNext;
    if (this.head === null) this.tail = null;
    t.waitNext = null;
    return t;
  }
}

export const PIPE_CAPACITY = 65536; // PIPE_DEF_BUFFERS (16) x 4 KiB pages
export const SOCKET_CAPACITY = 212992; // default net.core.wmem_default: one socket's send buffer
/** 2.4's receive MSS estimate for a connection of small segments (TCP_MIN_RCVMSS): more unacknowledged means ACK now. */
export const TCP_RCV_MSS = 536;
/** Loopback's MSS in 2.4.17 (MTU 16436 less headers and timestamps, capped at half the peer's 32767 window). */
export const TCP_LOOPBACK_MSS = 16383;

export class Channel {
  readonly id: number;
  readonly capacity: number;
  /** Kernel work per read or write besides syscall entry and copy (pipe or socket, from the cost table). */
  readonly opNs: number;
  /** Flags of the wakeups a write or read causes (WF_SYNC for pipes and AF_UNIX sockets, none for loopback TCP). */
  readonly wakeFlags: number;
  /**
   * Free room a read must leave before blocked writers are woken, as a fraction of the bytes still queued: 0 wakes
   * them on any read (pipes, AF_UNIX, queues); 0.5 for loopback TCP (2.4's tcp_write_space: tcp_wspace(sk) >=
   * tcp_min_write_space(sk), i.e. sndbuf - wmem_queued >= wmem_queued / 2).
   */
  readonly writeWakeRatio: number;
  /**
   * The other direction of the same TCP connection, or null. Its writers sleep on the wait queue of the endpoint this
   * channel's readers sleep on (2.4's sk->sleep is one queue for a socket's readers and writers; sock_def_readable
   * and tcp_write_space both wake the whole queue), so data arriving here also wakes them, and room freed there also
   * wakes this channel's readers; a woken task that still cannot proceed sleeps again.
   */
  partner: Channel | null = null;
  /**
   * Loopback TCP with 2.4.17's Nagle, delayed-ACK and prequeue rules (Kernel.addChannel's `nagle`; the rules are in
   * the header of this file and in Kernel.tcpTransmit). Sender side of this direction: `unacked`, `held`. Receiver
   * side (the endpoint that reads this channel, which also sends on `partner`): the other fields.
   */
  readonly nagle: boolean;
  /** A small segment is out and not yet acknowledged (Minshall's Nagle test: tcp_minshall_check). */
  unacked = false;
  /** Bytes the sender holds back (Nagle), in one unsent segment. */
  held = 0;
  /** Bytes the receiver has processed and not yet acknowledged (rcv_nxt - rcv_wup); > 0 means an ACK is due. */
  rcvSinceAck = 0;
  /** When the receiver endpoint's delayed-ACK timer (TCP_TIME_DACK) fires, or -1 when it is not armed. */
  ackTimerAt = -1;
  /** The receiver endpoint is in interactive mode (tp->ack.pingpong): no quick ACKs, no ACK when a read drains. */
  pingpong = false;
  /** Quick ACKs left (tp->ack.quick): each segment is ACKed at once while > 0 and not in pingpong mode. */
  quick = 0;
  /** When the receiver endpoint last processed data of this direction (tp->ack.lrcvtime), or -1 before any. */
  lrcv = -1;
  /** A reader of this channel waits in recv (tp->ucopy.task): segments arriving at its endpoint are prequeued. */
  ucopy = false;
  /** Segments in the reader endpoint's prequeue (not yet processed by TCP). */
  preCount = 0;
  /** Data bytes of this direction in the prequeue: readable, but not yet counted for the ACK. */
  preRcv = 0;
  /** The prequeue holds an ACK for the data its endpoint sent on `partner`. */
  preAckPartner = false;
  /**
   * Socket locks (SockLock) when the channel models them (Kernel.addChannel's `sockLock`): `rdLock` is the endpoint
   * that reads this channel, `wrLock` the one that writes it (the partner's rdLock once paired).
   */
  rdLock: SockLock | null = null;
  wrLock: SockLock | null = null;
  /** CPU that touched the channel last (its lines are in that CPU's cache), or -1. */
  lastCpu = -1;
  bytes = 0;
  messages = 0;
  readersHead: Task | null = null;
  readersTail: Task | null = null;
  writersHead: Task | null = null;
  writersTail: Task | null = null;

  constructor(id: number, capacity: number, opNs: number, wakeFlags: number, writeWakeRatio = 0, nagle = false) {
    this.id = id;
    this.nagle = nagle;
    this.capacity = capacity;
    this.opNs = opNs;
    this.wakeFlags = wakeFlags;
    this.writeWakeRatio = writeWakeRatio;
  }

  addReader(t: Task): void {
    t.waitNext = null;
    if (this.readersTail) this.readersTail.waitNext = t;
    else this.readersHead = t;
    this.readersTail = t;
  }

  addWriter(t: Task): void {
    t.waitNext = null;
    if (this.writersTail) this.writersTail.waitNext = t;
    else this.writersHead = t;
    this.writersTail = t;
  }
}
