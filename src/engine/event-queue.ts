/**
 * The event calendar: a 4-ary min-heap of event slots ordered by (time, sequence), and lanes (below).
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
 * - Lanes: a second structure for owners that have at most one pending event each (the CPUs' continuations). Nearly
 *   every event of a run is a lane event, and its handler sets the same lane a few microseconds later, at a random
 *   rank among the other lanes; a tree over the lanes would walk all log2(lanes) levels for each. Lane events live
 *   instead in a calendar (a bucket queue, R. Brown, CACM 1988): a ring of `2 x lanes` buckets of equal width, a lane
 *   linked into the bucket of its time, each bucket a list sorted by (time, seq); the earliest lane is the first
 *   bucket head at or after the bucket of the last one whose time falls in the bucket's current turn of the ring.
 *   This costs O(1) expected when the width is near the spacing of consecutive lane events: every WINDOW lane events
 *   the width is doubled or halved from what finding and inserting cost in the window (see adaptWidth), and the
 *   lanes are re-bucketed (deterministic: it depends on event times only). The order is exact whatever the width,
 *   so it never depends on the tuning. With few lanes (up to TREE_LANES) a tournament tree (a winner tree over the
 *   lanes, log2(lanes) levels of one comparison) costs less than the calendar's bookkeeping and is used instead.
 *   Lane events share the sequence counter with heap events, so the order of everything is (time, seq) exactly as
 *   if they were in one heap.
 *
 * Protocol for the loop owner
 * 1. `pop()` removes the earliest event, copies it to `time/kind/target` and frees its slot; returns false if empty.
 *    `popUntil(t)` does the same if that event's time is at most t (one call per event for a loop that runs to t).
 * 2. The owner dispatches on `kind`; handlers may schedule, cancel and move other events.
 */
/** Up to this many lanes, a tournament tree instead of the calendar (measured: 8-64 lanes, see docs/performance.md). */
const TREE_LANES = 32;
/** Lane pops between two checks of the calendar's bucket width. */
const WINDOW = 1024;
/** Bounds of the bucket width (ns). */
const MIN_WIDTH = 1 / 16;
const MAX_WIDTH = 2 ** 40;

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
  // lanes: per lane its key (laneT is Infinity when the lane has no pending event), kind and calendar links
  private readonly nLanes: number;
  private readonly laneT: Float64Array;
  private readonly laneS: Float64Array;
  private readonly laneKind: Int32Array;
  private readonly laneNext: Int32Array;
  private readonly lanePrev: Int32Array;
  private readonly laneBucket: Int32Array;
  private lanesPending = 0;
  /** Few lanes: the tournament tree. Its internal nodes win[1, P) hold the index of their winning leaf. */
  private readonly tree: boolean;
  private readonly P: number;
  private readonly win: Int32Array;
  /** Tree only: a lane popped but left in the tree (its key, the current time, is still the minimum), or -1. */
  private staleLane = -1;
  // the calendar: bucket i holds the lanes whose time t has floor(t / width) = i (mod buckets), as a doubly linked list
  // sorted by (time, seq)
  private readonly bucketHead: Int32Array;
  private readonly bucketTail: Int32Array;
  private readonly bucketMask: number;
  /** Bucket width (ns), a power of two so that t / width is exact. */
  private width = 1;
  private invWidth = 1;
  /** The cursor: the absolute bucket number floor(t / width) no pending lane is before, and its ring index. */
  private cur = 0;
  private curIdx = 0;
  /** The earliest pending lane if known, else -1 (found again by scanning from the cursor). */
  private minLane = -1;
  /** Lane events popped in the current window, empty buckets passed and lanes stepped over to insert in it. */
  private winPops = 0;
  private winEmpty = 0;
  private winSteps = 0;
  /**
   * The root entry was popped but is left in place until the handler schedules its first event, which then takes
   * the root's place with one sift-down (instead of a removal and an insertion). The stale root's time is the current
   * time, the minimum of everything in the heap, so the heap stays valid meanwhile.
   */
  private rootStale = false;

  constructor(capacity = 1024, lanes = 0) {
    this.nLanes = lanes;
    this.tree = lanes <= TREE_LANES;
    let P = 1;
    while (this.tree && P < lanes) P *= 2;
    this.P = P;
    this.win = new Int32Array(this.tree ? 2 * P : 0);
    let nb = 64;
    while (nb < 2 * lanes) nb *= 2;
    this.bucketMask = nb - 1;
    this.bucketHead = new Int32Array(nb).fill(-1);
    this.bucketTail = new Int32Array(nb).fill(-1);
    this.laneT = new Float64Array(this.tree ? P : lanes).fill(Infinity);
    this.laneS = new Float64Array(this.tree ? P : lanes);
    this.laneKind = new Int32Array(lanes);
    this.laneNext = new Int32Array(lanes);
    this.lanePrev = new Int32Array(lanes);
    this.laneBucket = new Int32Array(lanes);
    if (this.tree) {
      for (let i = 0; i < P; i++) this.win[P + i] = i;
      for (let n = P - 1; n >= 1; n--) this.win[n] = this.win[2 * n]!;
    }
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
    if (this.rootStale) this.settle();
    if (this.staleLane >= 0) this.settleLane();
    return this.n + this.lanesPending;
  }

  /** Time of the earliest event, or Infinity. */
  peekTime(): number {
    if (this.rootStale) this.settle();
    if (this.staleLane >= 0) this.settleLane();
    const ht = this.n > 0 ? this.hT[0]! : Infinity;
    const lt = this.lanesPending > 0 ? this.laneT[this.findMinLane()]! : Infinity;
    return ht < lt ? ht : lt;
  }

  /** Sets (or moves) lane `lane`'s event to `time`, with a fresh sequence number. */
  setLane(lane: number, time: number, kind: number): void {
    if (this.tree) {
      this.setTreeLane(lane, time, kind);
      return;
    }
    const lt = this.laneT;
    const old = lt[lane]!;
    const b = Math.floor(time * this.invWidth);
    if (old !== Infinity) {
      this.unlinkLane(lane);
      if (this.minLane === lane) this.minLane = -1;
    } else if (this.lanesPending++ === 0) {
      // the calendar was empty: the cursor jumps to this lane's bucket
      this.curIdx = (this.curIdx + (b - this.cur)) & this.bucketMask;
      this.cur = b;
      this.minLane = lane;
    }
    let d = b - this.cur;
    if (d < 0) {
      // earlier than the cursor (an event at the current time, before the lanes' earliest): the cursor moves back
      this.curIdx = (this.curIdx + d) & this.bucketMask;
      this.cur = b;
      d = 0;
    }
    const m = this.minLane;
    if (m >= 0 && time < lt[m]!) this.minLane = lane; // the fresh seq loses ties
    lt[lane] = time;
    this.laneS[lane] = this.seq++;
    this.laneKind[lane] = kind;
    this.scheduled++;
    this.linkLane(lane, (this.curIdx + d) & this.bucketMask);
  }

  clearLane(lane: number): void {
    if (this.staleLane >= 0) this.settleLane();
    if (this.laneT[lane] === Infinity) throw new Error(`lane ${lane} has no pending event`);
    this.lanesPending--;
    this.laneT[lane] = Infinity;
    if (this.tree) {
      this.replay(lane);
      return;
    }
    this.unlinkLane(lane);
    if (this.minLane === lane) this.minLane = -1;
  }

  /** Time of lane `lane`'s pending event, or Infinity. */
  laneTime(lane: number): number {
    return lane === this.staleLane ? Infinity : this.laneT[lane]!;
  }

  private setTreeLane(lane: number, time: number, kind: number): void {
    if (this.staleLane === lane) {
      // the popped lane schedules its next event: one re-play instead of two
      this.staleLane = -1;
      this.lanesPending++;
    } else {
      if (this.staleLane >= 0) this.settleLane();
      if (this.laneT[lane] === Infinity) this.lanesPending++;
    }
    this.laneT[lane] = time;
    this.laneS[lane] = this.seq++;
    this.laneKind[lane] = kind;
    this.scheduled++;
    this.replay(lane);
  }

  /** Tree: the popped lane scheduled nothing; its leaf is emptied. */
  private settleLane(): void {
    const l = this.staleLane;
    this.staleLane = -1;
    this.laneT[l] = Infinity;
    this.replay(l);
  }

  /**
   * Tree: re-plays the matches on the path from a leaf to the root after the leaf's key changed. It stops at the first
   * node whose winner is unchanged and is another leaf: that leaf's key did not change, so nothing above can.
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

  /**
   * Inserts a lane (its key already set) into a bucket's sorted list, searching from the tail: a lane set by a handler
   * has the largest seq so far, so it goes after every lane of the same time (lanes in lockstep, all at one time,
   * cost O(1)), and a bucket holds a lane or two when the width fits the spacing of events.
   */
  private linkLane(lane: number, bucket: number): void {
    const lt = this.laneT;
    const ls = this.laneS;
    const prev = this.lanePrev;
    const next = this.laneNext;
    const t = lt[lane]!;
    const s = ls[lane]!;
    let p = this.bucketTail[bucket]!;
    let steps = 0;
    while (p >= 0 && (lt[p]! > t || (lt[p] === t && ls[p]! > s))) {
      p = prev[p]!;
      steps++;
    }
    this.winSteps += steps;
    const n = p >= 0 ? next[p]! : this.bucketHead[bucket]!;
    prev[lane] = p;
    next[lane] = n;
    if (p >= 0) next[p] = lane;
    else this.bucketHead[bucket] = lane;
    if (n >= 0) prev[n] = lane;
    else this.bucketTail[bucket] = lane;
    this.laneBucket[lane] = bucket;
  }

  private unlinkLane(lane: number): void {
    const p = this.lanePrev[lane]!;
    const n = this.laneNext[lane]!;
    if (p >= 0) this.laneNext[p] = n;
    else this.bucketHead[this.laneBucket[lane]!] = n;
    if (n >= 0) this.lanePrev[n] = p;
    else this.bucketTail[this.laneBucket[lane]!] = p;
  }

  /**
   * The earliest pending lane (lanesPending > 0). Scans the buckets from the cursor: the first one whose head (its
   * earliest lane) belongs to the current turn of the ring (time below the bucket's end) holds the earliest lane.
   * After a full turn without one (every lane more than a ring ahead) it searches all lanes.
   */
  private findMinLane(): number {
    if (this.tree) return this.win[1]!;
    let m = this.minLane;
    if (m >= 0) return m;
    const head = this.bucketHead;
    const lt = this.laneT;
    const mask = this.bucketMask;
    const w = this.width;
    let idx = this.curIdx;
    let end = (this.cur + 1) * w;
    for (let k = 0; k <= mask; k++) {
      m = head[idx]!;
      if (m >= 0 && lt[m]! < end) {
        this.winEmpty += k;
        this.cur += k;
        this.curIdx = idx;
        this.minLane = m;
        return m;
      }
      idx = (idx + 1) & mask;
      end += w;
    }
    this.winEmpty += mask + 1;
    return this.searchAllLanes();
  }

  private searchAllLanes(): number {
    const lt = this.laneT;
    const ls = this.laneS;
    let m = -1;
    let bt = Infinity;
    let bs = 0;
    for (let l = 0; l < this.nLanes; l++) {
      const t = lt[l]!;
      if (t < bt || (t === bt && t !== Infinity && ls[l]! < bs)) {
        m = l;
        bt = t;
        bs = ls[l]!;
      }
    }
    const b = Math.floor(bt * this.invWidth);
    this.curIdx = (this.curIdx + (b - this.cur)) & this.bucketMask;
    this.cur = b;
    this.minLane = m;
    return m;
  }

  /**
   * Called every WINDOW lane pops, at time `now`. Finding the earliest lane costs one step per empty bucket passed
   * (about 1 / (density x width) per pop), inserting one step per later lane of its bucket (about density x width / 2
   * per insertion): the width is doubled when the first dominates, halved when the second does, and the lanes are
   * re-bucketed. The thresholds leave a 4x band in which the width stays, so that it does not oscillate.
   */
  private adaptWidth(now: number): void {
    const empty = this.winEmpty;
    const steps = this.winSteps;
    this.winPops = 0;
    this.winEmpty = 0;
    this.winSteps = 0;
    let w = this.width;
    if (empty > WINDOW && steps < WINDOW / 4 && w < MAX_WIDTH) w *= 2;
    else if (steps > WINDOW && empty < WINDOW / 4 && w > MIN_WIDTH) w /= 2;
    else return;
    this.width = w;
    this.invWidth = 1 / w;
    this.bucketHead.fill(-1);
    this.bucketTail.fill(-1);
    const nb = this.bucketMask + 1;
    const b = Math.floor(now * this.invWidth);
    this.cur = b;
    this.curIdx = (b - Math.floor(b / nb) * nb) | 0;
    const lt = this.laneT;
    for (let l = 0; l < this.nLanes; l++) {
      const t = lt[l]!;
      if (t !== Infinity) this.linkLane(l, (this.curIdx + (Math.floor(t * this.invWidth) - b)) & this.bucketMask);
    }
    this.winSteps = 0;
    this.minLane = -1;
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
    this.rootStale = false;
    this.removeAt(0, false);
  }

  /** Moves a pending event to a new time; it gets a fresh sequence number (fires after events already at that time). */
  reschedule(slot: number, time: number): void {
    if (this.rootStale) this.settle();
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
    if (this.rootStale) this.settle();
    const i = this.pos[slot]!;
    if (i < 0) throw new Error(`event slot ${slot} is not pending`);
    this.removeAt(i);
  }

  pop(): boolean {
    return this.popUntil(Infinity);
  }

  /** Pops the earliest event if its time is at most `until`; returns false (and pops nothing) otherwise. */
  popUntil(until: number): boolean {
    if (this.rootStale) this.settle();
    if (this.staleLane >= 0) this.settleLane();
    if (this.lanesPending > 0) {
      const l = this.findMinLane();
      const lt = this.laneT[l]!;
      if (this.n === 0 || lt < this.hT[0]! || (lt === this.hT[0]! && this.laneS[l]! < this.hS[0]!)) {
        if (lt > until) return false;
        this.time = lt;
        this.kind = this.laneKind[l]!;
        this.target = l;
        this.lanesPending--;
        if (this.tree) {
          this.staleLane = l; // left in the tree (its key is the minimum) until the handler sets it or the next pop
          return true;
        }
        // the earliest lane is the head of its bucket
        const b = this.laneBucket[l]!;
        const n = this.laneNext[l]!;
        this.bucketHead[b] = n;
        if (n >= 0) this.lanePrev[n] = -1;
        else this.bucketTail[b] = -1;
        this.laneT[l] = Infinity;
        this.minLane = -1;
        if (++this.winPops === WINDOW) this.adaptWidth(lt);
        return true;
      }
    }
    if (this.n === 0) return false;
    const ht = this.hT[0]!;
    if (ht > until) return false;
    const s = this.hSlot[0]!;
    this.time = ht;
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
