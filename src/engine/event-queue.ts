/**
 * The event calendar: a 4-ary min-heap of event slots ordered by (time, sequence).
 *
 * Model
 * - An event is (time ns, kind, target). `seq` is a global insertion counter, so two events at the same time fire in
 *   the order they were scheduled: runs are deterministic.
 * - Events live in slots (struct-of-arrays in typed arrays: no allocation per event). The heap holds each entry's
 *   key (time, seq) inline next to its slot id, so comparisons read no other array; every slot knows its heap
 *   position, so an event can be cancelled or moved in O(log n).
 * - A handle is the slot id. It is valid from schedule() until the event fires or is cancelled; after that the slot
 *   is reused, so owners must forget a handle when its event fires (the kernel sets its fields to -1).
 *
 * - Lanes: a second structure for owners that have at most one pending event each (the CPUs' continuations). Lane
 *   events live in a tournament tree (a winner tree over the lanes): setting, moving or clearing a lane's event walks
 *   log2(lanes) levels with one comparison each, cheaper than a heap of all events. Lane events share the sequence
 *   counter with heap events, so the order of everything is (time, seq) exactly as if they were in one heap.
 *
 * Protocol for the loop owner
 * 1. `pop()` removes the earliest event, copies it to `time/kind/target` and frees its slot; returns false if empty.
 * 2. The owner dispatches on `kind`; handlers may schedule, cancel and move other events.
 */
export class EventQueue {
  /** Fields of the event last popped. */
  time = 0;
  kind = 0;
  target = 0;
  /** Events ever scheduled (for statistics). */
  scheduled = 0;

  private cap: number;
  // the heap, with each entry's key stored inline (no indirection in comparisons)
  private hT: Float64Array;
  private hS: Float64Array;
  private hSlot: Int32Array;
  // per slot
  private kd: Int32Array;
  private tg: Int32Array;
  private pos: Int32Array;
  private n = 0;
  private free: Int32Array;
  private nFree: number;
  private seq = 0;
  // lanes: leaves laneT/laneS/laneKind, internal nodes hold the index of the winning leaf
  private readonly nLanes: number;
  private readonly P: number;
  private readonly laneT: Float64Array;
  private readonly laneS: Float64Array;
  private readonly laneKind: Int32Array;
  private readonly win: Int32Array;
  private lanesPending = 0;
  /** A lane popped but left in the tree (its key, the current time, is still the minimum), or -1; see rootStale. */
  private staleLane = -1;
  /**
   * The root entry was popped but is left in place until the handler schedules its first event, which then takes
   * the root's place with one sift-down (instead of a removal and an insertion). The stale root's time is the current
   * time, the minimum of everything in the heap, so the heap stays valid meanwhile.
   */
  private rootStale = false;

  constructor(capacity = 1024, lanes = 0) {
    this.nLanes = lanes;
    let P = 1;
    while (P < lanes) P *= 2;
    this.P = P;
    this.laneT = new Float64Array(P).fill(Infinity);
    this.laneS = new Float64Array(P);
    this.laneKind = new Int32Array(P);
    this.win = new Int32Array(2 * P);
    for (let i = 0; i < P; i++) this.win[P + i] = i;
    for (let n = P - 1; n >= 1; n--) this.win[n] = this.win[2 * n]!;
    this.cap = capacity;
    this.hT = new Float64Array(capacity);
    this.hS = new Float64Array(capacity);
    this.hSlot = new Int32Array(capacity);
    this.kd = new Int32Array(capacity);
    this.tg = new Int32Array(capacity);
    this.pos = new Int32Array(capacity).fill(-1);
    this.free = new Int32Array(capacity);
    for (let i = 0; i < capacity; i++) this.free[i] = capacity - 1 - i;
    this.nFree = capacity;
  }

  /** Pending events, lanes included. */
  get size(): number {
    if (this.rootStale || this.staleLane >= 0) this.settle();
    return this.n + this.lanesPending;
  }

  /** Time of the earliest event, or Infinity. */
  peekTime(): number {
    if (this.rootStale || this.staleLane >= 0) this.settle();
    const ht = this.n > 0 ? this.hT[0]! : Infinity;
    const lt = this.nLanes > 0 ? this.laneT[this.win[1]!]! : Infinity;
    return ht < lt ? ht : lt;
  }

  /** Sets (or moves) lane `lane`'s event to `time`, with a fresh sequence number. */
  setLane(lane: number, time: number, kind: number): void {
    if (this.staleLane === lane) {
      // the popped lane schedules its next event: one re-play instead of two
      this.staleLane = -1;
      this.lanesPending++;
      this.laneT[lane] = time;
      this.laneS[lane] = this.seq++;
      this.laneKind[lane] = kind;
      this.scheduled++;
      this.replay(lane);
      return;
    }
    if (this.rootStale || this.staleLane >= 0) this.settle();
    if (this.laneT[lane] === Infinity) this.lanesPending++;
    this.laneT[lane] = time;
    this.laneS[lane] = this.seq++;
    this.laneKind[lane] = kind;
    this.scheduled++;
    this.replay(lane);
  }

  clearLane(lane: number): void {
    if (this.rootStale || this.staleLane >= 0) this.settle();
    if (this.laneT[lane] === Infinity) throw new Error(`lane ${lane} has no pending event`);
    this.lanesPending--;
    this.laneT[lane] = Infinity;
    this.replay(lane);
  }

  /** Time of lane `lane`'s pending event, or Infinity. */
  laneTime(lane: number): number {
    return lane === this.staleLane ? Infinity : this.laneT[lane]!;
  }

  /**
   * Re-plays the matches on the path from a leaf to the root after the leaf's key changed. It stops at the first node
   * whose winner is unchanged and is another leaf: that leaf's key did not change, so nothing above can.
   */
  private replay(lane: number): void {
    const win = this.win;
    const lt = this.laneT;
    const ls = this.laneS;
    let node = (lane + this.P) >> 1;
    while (node >= 1) {
      const a = win[2 * node]!;
      const b = win[2 * node + 1]!;
      const ta = lt[a]!;
      const tb = lt[b]!;
      const w = ta < tb || (ta === tb && ls[a]! < ls[b]!) ? a : b;
      if (w === win[node] && w !== lane) return;
      win[node] = w;
      node >>= 1;
    }
  }

  schedule(time: number, kind: number, target: number): number {
    if (this.nFree === 0) this.grow();
    const s = this.free[--this.nFree]!;
    this.kd[s] = kind;
    this.tg[s] = target;
    this.scheduled++;
    if (this.rootStale) {
      this.rootStale = false;
      this.siftDown(0, time, this.seq++, s);
    } else this.siftUp(this.n++, time, this.seq++, s);
    return s;
  }

  private settle(): void {
    if (this.rootStale) {
      this.rootStale = false;
      this.removeAt(0, false);
    }
    const l = this.staleLane;
    if (l >= 0) {
      this.staleLane = -1;
      this.laneT[l] = Infinity;
      this.replay(l);
    }
  }

  /** Moves a pending event to a new time; it gets a fresh sequence number (fires after events already at that time). */
  reschedule(slot: number, time: number): void {
    if (this.rootStale || this.staleLane >= 0) this.settle();
    const i = this.pos[slot]!;
    if (i < 0) throw new Error(`event slot ${slot} is not pending`);
    const old = this.hT[i]!;
    if (time < old) this.siftUp(i, time, this.seq++, slot);
    else this.siftDown(i, time, this.seq++, slot);
  }

  /** Time of a pending event. */
  timeOf(slot: number): number {
    return this.hT[this.pos[slot]!]!;
  }

  cancel(slot: number): void {
    if (this.rootStale || this.staleLane >= 0) this.settle();
    const i = this.pos[slot]!;
    if (i < 0) throw new Error(`event slot ${slot} is not pending`);
    this.removeAt(i);
  }

  pop(): boolean {
    if (this.rootStale || this.staleLane >= 0) this.settle();
    if (this.nLanes > 0) {
      const l = this.win[1]!;
      const lt = this.laneT[l]!;
      if (lt !== Infinity && (this.n === 0 || lt < this.hT[0]! || (lt === this.hT[0]! && this.laneS[l]! < this.hS[0]!))) {
        this.time = lt;
        this.kind = this.laneKind[l]!;
        this.target = l;
        this.lanesPending--;
        this.staleLane = l;
        return true;
      }
    }
    if (this.n === 0) return false;
    const s = this.hSlot[0]!;
    this.time = this.hT[0]!;
    this.kind = this.kd[s]!;
    this.target = this.tg[s]!;
    this.pos[s] = -1;
    this.free[this.nFree++] = s;
    this.rootStale = true;
    return true;
  }

  private removeAt(i: number, freeSlot = true): void {
    if (freeSlot) {
      const s = this.hSlot[i]!;
      this.pos[s] = -1;
      this.free[this.nFree++] = s;
    }
    const last = --this.n;
    if (i === last) return;
    const t = this.hT[last]!;
    const q = this.hS[last]!;
    const m = this.hSlot[last]!;
    if (i > 0) {
      const p = (i - 1) >> 2;
      const pt = this.hT[p]!;
      if (t < pt || (t === pt && q < this.hS[p]!)) {
        this.siftUp(i, t, q, m);
        return;
      }
    }
    this.siftDown(i, t, q, m);
  }

  /** Places entry (t, q, s) at hole i or above. */
  private siftUp(i: number, t: number, q: number, s: number): void {
    const hT = this.hT;
    const hS = this.hS;
    const hSlot = this.hSlot;
    const pos = this.pos;
    while (i > 0) {
      const p = (i - 1) >> 2;
      const pt = hT[p]!;
      if (t > pt || (t === pt && q > hS[p]!)) break;
      hT[i] = pt;
      hS[i] = hS[p]!;
      const ps = hSlot[p]!;
      hSlot[i] = ps;
      pos[ps] = i;
      i = p;
    }
    hT[i] = t;
    hS[i] = q;
    hSlot[i] = s;
    pos[s] = i;
  }

  /** Places entry (t, q, s) at hole i or below. */
  private siftDown(i: number, t: number, q: number, s: number): void {
    const hT = this.hT;
    const hS = this.hS;
    const hSlot = this.hSlot;
    const pos = this.pos;
    const n = this.n;
    for (;;) {
      const c0 = 4 * i + 1;
      if (c0 >= n) break;
      let best = c0;
      let bt = hT[c0]!;
      let bq = hS[c0]!;
      const end = c0 + 4 < n ? c0 + 4 : n;
      for (let c = c0 + 1; c < end; c++) {
        const ct = hT[c]!;
        if (ct < bt || (ct === bt && hS[c]! < bq)) {
          best = c;
          bt = ct;
          bq = hS[c]!;
        }
      }
      if (t < bt || (t === bt && q < bq)) break;
      hT[i] = bt;
      hS[i] = bq;
      const bs = hSlot[best]!;
      hSlot[i] = bs;
      pos[bs] = i;
      i = best;
    }
    hT[i] = t;
    hS[i] = q;
    hSlot[i] = s;
    pos[s] = i;
  }

  private grow(): void {
    const old = this.cap;
    const cap = old * 2;
    const f64 = (a: Float64Array) => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    const i32 = (a: Int32Array, fill = 0) => {
      const b = new Int32Array(cap).fill(fill);
      b.set(a);
      return b;
    };
    this.hT = f64(this.hT);
    this.hS = f64(this.hS);
    this.hSlot = i32(this.hSlot);
    this.kd = i32(this.kd);
    this.tg = i32(this.tg);
    this.pos = i32(this.pos, -1);
    this.free = new Int32Array(cap);
    for (let i = 0; i < old; i++) this.free[i] = cap - 1 - i;
    this.nFree = old;
    this.cap = cap;
  }
}
