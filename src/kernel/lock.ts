/**
 * A simulated spinlock: a resource with an order, a cache line and statistics.
 *
 * Model (the core in kernel.ts drives it; docs/design.md has the whole protocol):
 * 1. A request at time t is granted at once if nobody holds or waits for the lock (busyUntil <= t): the grant time
 *    is t plus the transfer of the lock's cache line from the last holder's CPU (zero if it is the same CPU).
 * 2. Otherwise the requesting CPU joins the FIFO (ticket order = the order requests are processed, which is time
 *    order) and spins. When the holder's critical section ends at busyUntil, the head is granted at busyUntil plus
 *    the line transfer from the holder's CPU to the head's CPU.
 * 3. The critical section's decision is taken at its grant with the state as of then; its hold time is priced from
 *    the declared work, and busyUntil = grant + hold.
 * 4. A nested acquisition inside another critical section (double locking, trylock) does not queue: it waits until
 *    busyUntil, takes the line and extends busyUntil to the end of the outer section. Queued waiters whose grant
 *    falls before the new busyUntil are deferred (their grant event re-checks busyUntil).
 * 5. With test-and-set spinlocks (machine `spinlocks: tas`, the kernel core decides): a CPU that released the lock and
 *    requests it again before the nearest waiter can see the release (grantAt) takes it at once; otherwise, at
 *    grantAt, the winner is drawn at random among the CPUs waiting then, from those on the releasing CPU's node if
 *    any, and is granted the lock once the line reaches it.
 *
 * Statistics follow lockmeter's: acquisitions, contended acquisitions (had to wait), hold and wait times.
 */
export class SpinLock {
  readonly id: number;
  readonly name: string;
  /** CPU that last held the lock (owner of its cache line), or -1. */
  lastCpu = -1;
  /** End of the current or last critical section. */
  busyUntil = 0;
  /** FIFO of waiting CPU ids (ring buffer). */
  q: Int32Array;
  qHead = 0;
  qLen = 0;
  /** Pending grant event slot, or -1. */
  grantEv = -1;
  /** Time of the pending grant (valid while grantEv >= 0). */
  grantAt = 0;

  acquisitions = 0;
  contended = 0;
  holdNs = 0;
  waitNs = 0;
  maxHoldNs = 0;
  maxWaitNs = 0;
  trylockFailures = 0;
  /** Test-and-set locks: acquisitions by the releasing CPU ahead of the waiters. */
  captures = 0;

  constructor(id: number, name: string, nCpus: number) {
    this.id = id;
    this.name = name;
    this.q = new Int32Array(Math.min(Math.max(4, nCpus + 1), 64)); // grows when more CPUs wait
  }

  push(cpu: number): void {
    const cap = this.q.length;
    if (this.qLen === cap) {
      const nq = new Int32Array(cap * 2);
      for (let i = 0; i < this.qLen; i++) nq[i] = this.q[(this.qHead + i) % cap]!;
      this.q = nq;
      this.qHead = 0;
    }
    this.q[(this.qHead + this.qLen) % this.q.length] = cpu;
    this.qLen++;
  }

  /** Removes waiting CPU `cpu` from the queue (it must be there), keeping the others' order. */
  remove(cpu: number): void {
    const n = this.q.length;
    let i = 0;
    while (i < this.qLen && this.q[(this.qHead + i) % n] !== cpu) i++;
    if (i === this.qLen) throw new Error(`lock ${this.name}: CPU ${cpu} is not waiting`);
    for (; i > 0; i--) this.q[(this.qHead + i) % n] = this.q[(this.qHead + i - 1) % n]!;
    this.qHead = (this.qHead + 1) % n;
    this.qLen--;
  }

  /** The i-th waiting CPU (0: the head). */
  at(i: number): number {
    return this.q[(this.qHead + i) % this.q.length]!;
  }

  head(): number {
    return this.q[this.qHead]!;
  }

  shift(): number {
    const c = this.q[this.qHead]!;
    this.qHead = (this.qHead + 1) % this.q.length;
    this.qLen--;
    return c;
  }

  /** True if a request at time t would be granted without waiting. */
  freeAt(t: number): boolean {
    return this.qLen === 0 && this.grantEv < 0 && this.busyUntil <= t;
  }

  recordHold(ns: number): void {
    this.holdNs += ns;
    if (ns > this.maxHoldNs) this.maxHoldNs = ns;
  }

  recordWait(ns: number): void {
    this.waitNs += ns;
    if (ns > this.maxWaitNs) this.maxWaitNs = ns;
  }
}
