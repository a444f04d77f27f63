/**
 * Task programs: what a simulated task does, as a small instruction list the kernel core interprets.
 *
 * A program is shared by all tasks of one role; per-task state (program counter, loop counters, fd table, round-
 * robin cursor, remaining compute) lives in the Task. Instructions are stored struct-of-arrays (opcode, two numeric
 * arguments, one integer argument) so interpretation allocates nothing.
 *
 * Instructions (a, b: numbers; c: integer):
 *   COMPUTE a            run in user mode for a ns
 *   COMPUTE_EXP a        run for an exponentially distributed time of mean a ns (workload random stream)
 *   COMPUTE_UNIF a b     run for a uniformly distributed time in [a, b] ns
 *   SLEEP a              block for a ns (timer wakeup)
 *   YIELD                sched_yield()
 *   SEND a=fd b=bytes    write to the channel behind fd; blocks while the channel is full
 *   SEND_RR a=fd b=bytes c=n   write to fd + (cursor mod n), then advance the cursor (one write per instruction)
 *   RECV a=fd b=bytes    read exactly b bytes; blocks until they are there
 *   POLL a=fd            block until the channel behind fd holds data, without reading it (poll(POLLIN))
 *   FORK a=program b=flags c=fd table (-1: inherit the parent's)   the child starts at its program's first
 *                        instruction; flags: 1 a thread (shares the address space), 2 free (the workload's
 *                        stand-in for a child that exists before the measured phase: no fork cost is charged)
 *   EXEC a=program       replace the program and the address space
 *   EXIT                 exit; the parent reaps with WAIT (tasks without a parent are reaped at once)
 *   WAIT                 wait for any child to exit and reap it (returns at once if there are no children)
 *   LOOP a=target b=count c=slot   jump back to target until executed `count` times (count < 0: forever)
 *   COUNT a              add a to the workload's throughput counter
 *   MARK a               record (a, now) in the kernel's marks (the workload's own timestamps, like gettimeofday)
 *   SETAFFINITY a b      sched_setaffinity(0, CPUs a .. a+b-1): if the task's CPU leaves its mask, it is moved (by the
 *                        policy's migration thread, or by the core at its next schedule())
 *   MIGRATION            kernel only: one round of the per-CPU migration thread (take a request, move the task,
 *                        complete the request; sleep when there is none)
 */
export const OP_COMPUTE = 1;
export const OP_COMPUTE_EXP = 2;
export const OP_COMPUTE_UNIF = 3;
export const OP_SLEEP = 4;
export const OP_YIELD = 5;
export const OP_SEND = 6;
export const OP_SEND_RR = 7;
export const OP_RECV = 8;
export const OP_FORK = 9;
export const OP_EXEC = 10;
export const OP_EXIT = 11;
export const OP_WAIT = 12;
export const OP_LOOP = 13;
export const OP_COUNT = 14;
export const OP_POLL = 15;
export const OP_MARK = 16;
export const OP_SETAFFINITY = 17;
export const OP_MIGRATION = 18;

export const OP_NAMES: Record<number, string> = {
  [OP_COMPUTE]: 'compute',
  [OP_COMPUTE_EXP]: 'compute_exp',
  [OP_COMPUTE_UNIF]: 'compute_unif',
  [OP_SLEEP]: 'sleep',
  [OP_YIELD]: 'yield',
  [OP_SEND]: 'send',
  [OP_SEND_RR]: 'send_rr',
  [OP_RECV]: 'recv',
  [OP_FORK]: 'fork',
  [OP_EXEC]: 'exec',
  [OP_EXIT]: 'exit',
  [OP_WAIT]: 'wait',
  [OP_LOOP]: 'loop',
  [OP_COUNT]: 'count',
  [OP_POLL]: 'poll',
  [OP_MARK]: 'mark',
  [OP_SETAFFINITY]: 'setaffinity',
  [OP_MIGRATION]: 'migration',
};

export interface Program {
  readonly name: string;
  readonly op: Int32Array;
  readonly a: Float64Array;
  readonly b: Float64Array;
  readonly c: Int32Array;
  /** Number of loop slots the program uses. */
  readonly loopSlots: number;
  /** Working-set size in bytes: what a migration has to refill. */
  readonly wsBytes: number;
  /** Pages the task writes soon after a fork (copy-on-write faults: a copy while the other side still shares). */
  readonly cowPages: number;
}

/** Builds a program instruction by instruction. Labels are instruction indices (`here()`). */
export class ProgramBuilder {
  private ops: number[] = [];
  private as: number[] = [];
  private bs: number[] = [];
  private cs: number[] = [];
  private slots = 0;

  constructor(
    readonly name: string,
    private readonly wsBytes = 0,
    private readonly cowPages = 0,
  ) {}

  private emit(op: number, a = 0, b = 0, c = 0): this {
    this.ops.push(op);
    this.as.push(a);
    this.bs.push(b);
    this.cs.push(c);
    return this;
  }

  here(): number {
    return this.ops.length;
  }
  compute(ns: number): this {
    return this.emit(OP_COMPUTE, Math.max(0, Math.round(ns)));
  }
  computeExp(meanNs: number): this {
    return this.emit(OP_COMPUTE_EXP, meanNs);
  }
  computeUniform(loNs: number, hiNs: number): this {
    return this.emit(OP_COMPUTE_UNIF, Math.round(loNs), Math.round(hiNs));
  }
  sleep(ns: number): this {
    return this.emit(OP_SLEEP, Math.round(ns));
  }
  yield(): this {
    return this.emit(OP_YIELD);
  }
  send(fd: number, bytes: number): this {
    return this.emit(OP_SEND, fd, bytes);
  }
  sendRoundRobin(fd: number, nFds: number, bytes: number): this {
    return this.emit(OP_SEND_RR, fd, bytes, nFds);
  }
  recv(fd: number, bytes: number): this {
    return this.emit(OP_RECV, fd, bytes);
  }
  /** Forks a child running `program`; `fdTable` (from Kernel.addFdTable) gives the child its own descriptors. */
  fork(program: number, thread = false, fdTable = -1, free = false): this {
    return this.emit(OP_FORK, program, (thread ? 1 : 0) | (free ? 2 : 0), fdTable);
  }
  poll(fd: number): this {
    return this.emit(OP_POLL, fd);
  }
  mark(id: number): this {
    return this.emit(OP_MARK, id);
  }
  exec(program: number): this {
    return this.emit(OP_EXEC, program);
  }
  exit(): this {
    return this.emit(OP_EXIT);
  }
  wait(): this {
    return this.emit(OP_WAIT);
  }
  /** Jumps back to `target` until this instruction has run `count` times in a row; count < 0 loops forever. */
  loop(target: number, count: number): this {
    return this.emit(OP_LOOP, target, count, this.slots++);
  }
  count(n = 1): this {
    return this.emit(OP_COUNT, n);
  }
  /** sched_setaffinity(0, mask) with the mask CPUs first .. first + n - 1. */
  setAffinity(first: number, n: number): this {
    return this.emit(OP_SETAFFINITY, first, n);
  }
  /** The migration thread's body (kernel threads only). */
  migration(): this {
    return this.emit(OP_MIGRATION);
  }

  build(): Program {
    if (this.ops.length === 0 || this.ops[this.ops.length - 1] !== OP_EXIT) this.exit();
    return {
      name: this.name,
      op: Int32Array.from(this.ops),
      a: Float64Array.from(this.as),
      b: Float64Array.from(this.bs),
      c: Int32Array.from(this.cs),
      loopSlots: this.slots,
      wsBytes: this.wsBytes,
      cowPages: this.cowPages,
    };
  }
}
