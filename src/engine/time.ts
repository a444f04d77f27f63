/**
 * Simulated time. All model time is an integer count of nanoseconds held in a JS number, exact up to 2^53 ns
 * (about 104 days), far beyond any run. No wall clock is read anywhere in the model.
 *
 * parseDuration accepts what users type on the command line: "2s", "500ms", "10us", "250ns", "1.5s", "3m" is
 * rejected (ambiguous), a bare number is taken as nanoseconds only when it is 0.
 */
export const NS = 1;
export const US = 1_000;
export const MS = 1_000_000;
export const SEC = 1_000_000_000;

const UNITS: Record<string, number> = { ns: NS, us: US, 'µs': US, ms: MS, s: SEC };

/** Parses "2s", "500ms", "10us", "100ns" into integer ns; returns an error string on bad input. */
export function parseDuration(text: string): number | string {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s)\s*$/.exec(text);
  if (!m) {
    if (/^\s*0+\s*$/.test(text)) return 0;
    return `"${text}" is not a duration; write a number and a unit, e.g. 2s, 500ms, 10us or 250ns`;
  }
  const unit = UNITS[m[2]!]!;
  return Math.round(Number(m[1]) * unit);
}

/** Formats ns for humans with 3 significant decimals: 1.234ms, 12.5us, 3.000s. */
export function formatDuration(ns: number): string {
  const a = Math.abs(ns);
  if (a >= SEC) return `${(ns / SEC).toFixed(3)}s`;
  if (a >= MS) return `${(ns / MS).toFixed(3)}ms`;
  if (a >= US) return `${(ns / US).toFixed(3)}us`;
  return `${Math.round(ns)}ns`;
}
