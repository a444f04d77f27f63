/**
 * The event calendar: a 4-ary min-heap of event slots ordered by (time, sequence).
 *
 * Model
 * - An event is (time ns, kind, target). `seq` is a global insertion counter, so two events at the same time fire in
 *   the order they were scheduled: runs are deterministic.
 * - Events live in slots (struct-of-arrays in typed arrays: no allocation per event). The heap holds slot ids and
 *   every slot knows its heap position, so an event can be cancelled or moved in O(log n).
 * - A handle is the slot id. It is valid from schedule() until the event fires or is cancelled; after that the slot
 *   is reused, so owners must forget a handle when its event fires (the kernel sets its fields to -1).
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
  private tm: Float64Array;
  private sq: Float64Array;
  private kd: Int32Array;
  private tg: Int32Array;
  private pos: Int32Array;
  private heap: Int32Array;
  private n = 0;
  private free: Int32Array;
  private nFree: number;
  private seq = 0;

  constructor(capacity = 1024) {
    this.cap = capacity;
    this.tm = new Float64Array(capacity);
    this.sq = new Float64Array(capacity);
    this.kd = new Int32Array(capacity);
    this.tg = new Int32Array(capacity);
    this.pos = new Int32Array(capacity).fill(-1);
    this.heap = new Int32Array(capacity);
    this.free = new Int32Array(capacity);
    for (let i = 0; i < capacity; i++) this.free[i] = capacity - 1 - i;
    this.nFree = capacity;
  }

  get size(): number {
    return this.n;
  }

  /** Time of the earliest event, or Infinity. */
  peekTime(): number {
    return this.n > 0 ? this.tm[this.heap[0]!]! : Infinity;
  }

  schedule(time: number, kind: number, target: number): number {
    if (this.nFree === 0) this.grow();
    const s = this.free[--this.nFree]!;
    this.tm[s] = time;
    this.sq[s] = this.seq++;
    this.kd[s] = kind;
    this.tg[s] = target;
    this.scheduled++;
    const i = this.n++;
    this.heap[i] = s;
    this.pos[s] = i;
    this.up(i);
    return s;
  }

  /** Moves a pending event to a new time; it gets a fresh sequence number (fires after events already at that time). */
  reschedule(slot: number, time: number): void {
    const i = this.pos[slot]!;
    if (i < 0) throw new Error(`event slot ${slot} is not pending`);
    const old = this.tm[slot]!;
    this.tm[slot] = time;
    this.sq[slot] = this.seq++;
    if (time < old) this.up(i);
    else this.down(i);
  }

  /** Time of a pending event. */
  timeOf(slot: number): number {
    return this.tm[slot]!;
  }

  cancel(slot: number): void {
    const i = this.pos[slot]!;
    if (i < 0) throw new Error(`event slot ${slot} is not pending`);
    this.removeAt(i);
  }

  pop(): boolean {
    if (this.n === 0) return false;
    const s = this.heap[0]!;
    this.time = this.tm[s]!;
    this.kind = this.kd[s]!;
    this.target = this.tg[s]!;
    this.removeAt(0);
    return true;
  }

  private removeAt(i: number): void {
    const s = this.heap[i]!;
    this.pos[s] = -1;
    this.free[this.nFree++] = s;
    const last = --this.n;
    if (i !== last) {
      const m = this.heap[last]!;
      this.heap[i] = m;
      this.pos[m] = i;
      this.down(i);
      this.up(this.pos[m]!);
    }
  }

  private less(a: number, b: number): boolean {
    const ta = this.tm[a]!;
    const tb = this.tm[b]!;
    return ta < tb || (ta === tb && this.sq[a]! < this.sq[b]!);
  }

  private up(i: number): void {
    const heap = this.heap;
    const s = heap[i]!;
    while (i > 0) {
      const p = (i - 1) >> 2;
      const ps = heap[p]!;
      if (!this.less(s, ps)) break;
      heap[i] = ps;
      this.pos[ps] = i;
      i = p;
    }
    heap[i] = s;
    this.pos[s] = i;
  }

  private down(i: number): void {
    const heap = this.heap;
    const n = this.n;
    const s = heap[i]!;
    for (;;) {
      const c0 = 4 * i + 1;
      if (c0 >= n) break;
      let best = c0;
      let bs = heap[c0]!;
      const end = c0 + 4 < n ? c0 + 4 : n;
      for (let c = c0 + 1; c < end; c++) {
        const cs = heap[c]!;
        if (this.less(cs, bs)) {
          best = c;
          bs = cs;
        }
      }
      if (!this.less(bs, s)) break;
      heap[i] = bs;
      this.pos[bs] = i;
      i = best;
    }
    heap[i] = s;
    this.pos[s] = i;
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
    this.tm = f64(this.tm);
    this.sq = f64(this.sq);
    this.kd = i32(this.kd);
    this.tg = i32(this.tg);
    this.pos = i32(this.pos, -1);
    this.heap = i32(this.heap);
    this.free = new Int32Array(cap);
    for (let i = 0; i < old; i++) this.free[i] = cap - 1 - i;
    this.nFree = old;
    this.cap = cap;
  }
}
