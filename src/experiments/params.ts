/**
 * Parameters of policies and workloads: "name:k=v,k=v" parsed against a declared table. Durations accept units
 * (10ms, 500us); errors name the parameter and list what exists.
 */
import { formatDuration, parseDuration } from '../engine/time.js';
import type { TunableDecl, TunableValues } from '../kernel/sched-class.js';

export class ParamError extends Error {}

/** Splits "rr:slice=10ms,foo=1" into the name and raw key/value pairs. */
export function splitSpec(text: string): { name: string; raw: Record<string, string> } {
  const i = text.indexOf(':');
  const name = (i < 0 ? text : text.slice(0, i)).trim();
  const raw: Record<string, string> = {};
  if (i >= 0) {
    for (const part of text.slice(i + 1).split(',')) {
      if (part.trim() === '') continue;
      const eq = part.indexOf('=');
      if (eq < 0) throw new ParamError(`parameter "${part}" of "${name}" has no value; write key=value, e.g. ${name}:${part}=1`);
      raw[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
    }
  }
  return { name, raw };
}

/** Validates raw values against the declarations; returns every parameter with defaults filled in. */
export function resolveParams(owner: string, decls: readonly TunableDecl[], raw: Record<string, string | number>): TunableValues {
  const out: TunableValues = {};
  for (const d of decls) out[d.name] = d.default;
  for (const [key, value] of Object.entries(raw)) {
    const d = decls.find((x) => x.name === key);
    if (!d) {
      const known = decls.length ? decls.map((x) => x.name).join(', ') : '(none)';
      throw new ParamError(`${owner} has no parameter "${key}"; its parameters are: ${known}`);
    }
    out[key] = parseValue(owner, d, String(value));
  }
  return out;
}

function parseValue(owner: string, d: TunableDecl, v: string): number | string {
  const where = `${owner} parameter "${d.name}"`;
  const r = parseRaw(where, d, v);
  if (typeof r === 'number') {
    const min = d.unit === 'nice' ? -20 : d.min;
    const max = d.unit === 'nice' ? 19 : d.max;
    if (min !== undefined && r < min) throw new ParamError(`${where}: ${v} is below its minimum ${min}`);
    if (max !== undefined && r > max) throw new ParamError(`${where}: ${v} is above its maximum ${max}`);
    if (!Number.isSafeInteger(Math.round(r))) throw new ParamError(`${where}: ${v} is too large`);
  }
  return r;
}

function parseRaw(where: string, d: TunableDecl, v: string): number | string {
  switch (d.unit) {
    case 'ns': {
      const r = /^\d+$/.test(v) ? Number(v) : parseDuration(v);
      if (typeof r === 'string') throw new ParamError(`${where}: ${r}`);
      return r;
    }
    case 'bool':
      if (v === '1' || v === 'true' || v === 'yes' || v === 'on') return 1;
      if (v === '0' || v === 'false' || v === 'no' || v === 'off') return 0;
      throw new ParamError(`${where}: "${v}" is not a boolean; use 1 or 0`);
    case 'choice':
      if (!d.choices?.includes(v)) throw new ParamError(`${where}: "${v}" is not one of ${d.choices?.join(', ')}`);
      return v;
    case 'string':
      return v;
    default: {
      const n = Number(v);
      if (!Number.isFinite(n)) throw new ParamError(`${where}: "${v}" is not a number`);
      if ((d.unit === 'count' || d.unit === 'nice') && !Number.isInteger(n)) throw new ParamError(`${where}: "${v}" must be a whole number`);
      return n;
    }
  }
}

/** "slice=10ms (default 10.000ms, ns): meaning [kernel name]" for --help and list. */
export function describeTunable(d: TunableDecl): string {
  const def = d.unit === 'ns' && typeof d.default === 'number' ? formatDuration(d.default) : String(d.default);
  const k = d.kernelName ? ` [${d.kernelName}]` : '';
  const ch = d.choices ? ` (${d.choices.join('|')})` : '';
  return `${d.name}=${def}${ch}: ${d.meaning}${k}`;
}
