/**
 * An intrusive doubly linked list of tasks through task.qNext / task.qPrev (task_struct's run_list): O(1) insertion at
 * either end and removal, no allocation. A task is in at most one such list at a time; policies own their lists.
 */
import type { Task } from './task.js';

export class TaskList {
  head: Task | null = null;
  tail: Task | null = null;
  /** Tasks in the list. */
  n = 0;

  pushTail(t: Task): void {
    t.qNext = null;
    t.qPrev = this.tail;
    if (this.tail) this.tail.qNext = t;
    else this.head = t;
    this.tail = t;
    this.n++;
  }

  pushHead(t: Task): void {
    t.qPrev = null;
    t.qNext = this.head;
    if (this.head) this.head.qPrev = t;
    else this.tail = t;
    this.head = t;
    this.n++;
  }

  remove(t: Task): void {
    if (t.qPrev) t.qPrev.qNext = t.qNext;
    else this.head = t.qNext;
    if (t.qNext) t.qNext.qPrev = t.qPrev;
    else this.tail = t.qPrev;
    t.qNext = t.qPrev = null;
    this.n--;
  }
}
