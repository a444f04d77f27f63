/**
 * The O(1) scheduler's prio_array: one FIFO list per priority level (intrusive, through task.qNext/qPrev), a bitmap
 * of non-empty levels searched lowest-first (sched_find_first_bit), and the count of queued tasks. Shared by o1
 * (140 levels) and o1-2.5.2 (64 levels and a 100-level realtime array).
 */
import type { Task } from '../kernel/task.js';

export class PrioArray {
  nrActive = 0;
  readonly bitmap: Uint32Array;
  readonly heads: (Task | null)[];
  readonly tails: (Task | null)[];

  constructor(readonly levels: number) {
    this.bitmap = new Uint32Array((levels + 31) >>> 5);
    this.heads = new Array<Task | null>(levels).fill(null);
    this.tails = new Array<Task | null>(levels).fill(null);
  }

  /** Lowest non-empty level at or after `from`, or `levels` if none. */
  firstBit(from = 0): number {
    for (let w = from >>> 5; w < this.bitmap.length; w++) {
      let bits = this.bitmap[w]!;
      if (w === from >>> 5) bits &= ~0 << (from & 31);
      if (bits !== 0) return (w << 5) + (31 - Math.clz32(bits & -bits));
    }
    return this.levels;
  }

  /** Appends t at the tail of level p (enqueue_task). */
  add(t: Task, p: number): void {
    t.qNext = null;
    t.qPrev = this.tails[p]!;
    if (this.tails[p]) this.tails[p]!.qNext = t;
    else this.heads[p] = t;
    this.tails[p] = t;
    this.bitmap[p >>> 5]! |= 1 << (p & 31);
    this.nrActive++;
  }

  /** Inserts t just before `before` in level p (list_add_tail(&t->run_list, &before->run_list)). */
  addBefore(t: Task, before: Task, p: number): void {
    t.qNext = before;
    t.qPrev = before.qPrev;
    if (before.qPrev) before.qPrev.qNext = t;
    else this.heads[p] = t;
    before.qPrev = t;
    this.bitmap[p >>> 5]! |= 1 << (p & 31);
    this.nrActive++;
  }

  /** Removes t from level p (dequeue_task). */
  remove(t: Task, p: number): void {
    if (t.qPrev) t.qPrev.qNext = t.qNext;
    else this.heads[p] = t.qNext;
    if (t.qNext) t.qNext.qPrev = t.qPrev;
    else this.tails[p] = t.qPrev;
    t.qNext = t.qPrev = null;
    if (this.heads[p] === null) this.bitmap[p >>> 5]! &= ~(1 << (p & 31));
    this.nrActive--;
  }
}
