/**
 * A fixed-size bitmap over CPU ids (struct cpumask): set, clear, test, count, and a wrapping search for the next set
 * bit from a start CPU (for_each_cpu_wrap), allocation-free; callers loop over findFrom to filter.
 */
export class CpuMask {
  readonly words: Uint32Array;
  readonly n: number;
  count = 0;

  constructor(n: number) {
    this.n = n;
    this.words = new Uint32Array((n + 31) >>> 5);
  }

  /** Number of 32-bit words a full scan reads (for pricing a search). */
  get nWords(): number {
    return this.words.length;
  }

  has(c: number): boolean {
    return (this.words[c >>> 5]! & (1 << (c & 31))) !== 0;
  }

  set(c: number): void {
    const w = c >>> 5;
    const b = 1 << (c & 31);
    if ((this.words[w]! & b) === 0) {
      this.words[w]! |= b;
      this.count++;
    }
  }

  clear(c: number): void {
    const w = c >>> 5;
    const b = 1 << (c & 31);
    if ((this.words[w]! & b) !== 0) {
      this.words[w]! &= ~b;
      this.count--;
    }
  }

  /** First set CPU at or after `from`, wrapping around; -1 if none. */
  findFrom(from: number): number {
    if (this.count === 0) return -1;
    const words = this.words;
    const nw = words.length;
    const start = from >>> 5;
    let w = start;
    let bits = words[w]! & (~0 << (from & 31));
    for (let i = 0; i <= nw; i++) {
      while (bits !== 0) {
        const low = bits & -bits;
        const c = (w << 5) + (31 - Math.clz32(low));
        if (c < this.n) return c;
        bits ^= low;
      }
      w = w + 1 === nw ? 0 : w + 1;
      bits = words[w]!;
      if (i === nw - 1) {
        // back at the start word: only the bits below `from`
        const below = from & 31;
        bits = below === 0 ? 0 : bits & ~(~0 << below);
      }
    }
    return -1;
  }
}
