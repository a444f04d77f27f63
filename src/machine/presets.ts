/**
 * Machine presets and the validation of user machine files. The preset names are a public contract (scripts rely
 * on them): up, smp2, smp4, smp8, numaq16, opteron6272, epyc9654-2s, kilo1024.
 *
 * A machine file (YAML or JSON, parsed by the CLI) has the shape of MachineFile below. Validation uses zod; every
 * error names the field path and says how to fix it.
 */
import { z } from 'zod';
import { COST_PRESETS, findCostPreset, type CostTable } from './costs.js';
import { Machine, type TopologySpec } from './topology.js';

interface PresetDef {
  name: string;
  description: string;
  shape: [sockets: number, nodesPerSocket: number, llcsPerNode: number, coresPerLlc: number, threadsPerCore: number];
  costs: string;
  distances: (nNodes: number, nodesPerSocket: number) => number[][];
  /** Node holding the kernel's data (task structures, runqueues), if not spread: NUMA-Q under 2.4.5 kept it on node 0. */
  kernelMemNode?: number;
  /** Where user memory lives (TopologySpec.userMemory); NUMA-Q under 2.4.5: flat. */
  userMemory?: 'first-touch' | 'flat';
}

/** SLIT: 10 on the diagonal, `same` between nodes of one socket, `remote` across sockets. */
function twoLevel(same: number, remote: number) {
  return (nn: number, perSocket: number): number[][] =>
    Array.from({ length: nn }, (_, a) =>
      Array.from({ length: nn }, (_, b) =>
        a === b ? 10 : Math.floor(a / perSocket) === Math.floor(b / perSocket) ? same : remote,
      ),
    );
}

/**
 * Opteron 6272 4P (8 dies): 10 local, 16 one HyperTransport hop, 22 two hops. The reference gives node 0's
 * one-hop neighbours as 1, 2, 4 and 6; we extend that by symmetry (nodes i and j one hop apart iff i xor j is 1, 2,
 * 4 or 6), an assumption documented in docs/machines.md.
 */
function opteronSlit(nn: number): number[][] {
  return Array.from({ length: nn }, (_, a) =>
    Array.from({ length: nn }, (_, b) => {
      if (a === b) return 10;
      const x = a ^ b;
      return x === 1 || x === 2 || x === 4 || x === 6 ? 16 : 22;
    }),
  );
}

const PRESETS: PresetDef[] = [
  { name: 'up', description: 'uniprocessor Pentium III (2001)', shape: [1, 1, 1, 1, 1], costs: 'p3-2way', distances: twoLevel(10, 10) },
  { name: 'smp2', description: '2-way Pentium III SMP on one front-side bus (2001)', shape: [1, 1, 2, 1, 1], costs: 'p3-2way', distances: twoLevel(10, 10) },
  { name: 'smp4', description: '4-way Pentium III SMP on one front-side bus (2001)', shape: [1, 1, 4, 1, 1], costs: 'p3-8way', distances: twoLevel(10, 10) },
  { name: 'smp8', description: '8-way Pentium III Xeon SMP (2001, e.g. Netfinity 8500R)', shape: [1, 1, 8, 1, 1], costs: 'p3-8way', distances: twoLevel(10, 10) },
  { name: 'numaq16', description: 'PMQS paper 16-way NUMA: 4 quads x 4 Pentium III 450 MHz (2001)', shape: [4, 1, 4, 1, 1], costs: 'p3-numaq', kernelMemNode: 0, userMemory: 'flat', distances: twoLevel(10, 40) },
  { name: 'opteron6272', description: 'Wasted Cores paper: 64 Opteron 6272 cores in 8 nodes (2012)', shape: [4, 2, 1, 8, 1], costs: 'opteron-2012', distances: (nn) => opteronSlit(nn) },
  { name: 'epyc9654-2s', description: '2 x AMD EPYC 9654 (Zen 4), NPS1: 384 CPUs, 24 LLCs of 16 CPUs', shape: [2, 1, 12, 8, 2], costs: 'x86-2023', distances: twoLevel(10, 32) },
  { name: 'kilo1024', description: '1024 CPUs: 8 sockets x 64 cores x 2 threads, 8-core LLCs', shape: [8, 1, 8, 8, 2], costs: 'x86-2023', distances: twoLevel(10, 32) },
];

export function listMachinePresets(): { name: string; description: string; cpus: number; nodes: number; costs: string }[] {
  return PRESETS.map((p) => {
    const [s, n, l, c, t] = p.shape;
    return { name: p.name, description: p.description, cpus: s * n * l * c * t, nodes: s * n, costs: p.costs };
  });
}

export function machinePresetNames(): string[] {
  return PRESETS.map((p) => p.name);
}

export function buildPreset(name: string): Machine | undefined {
  const p = PRESETS.find((x) => x.name === name);
  if (!p) return undefined;
  const [sockets, nodesPerSocket, llcsPerNode, coresPerLlc, threadsPerCore] = p.shape;
  const nn = sockets * nodesPerSocket;
  return new Machine({
    name: p.name,
    description: p.description,
    sockets,
    nodesPerSocket,
    llcsPerNode,
    coresPerLlc,
    threadsPerCore,
    nodeDistance: p.distances(nn, nodesPerSocket),
    cost: findCostPreset(p.costs)!,
    kernelMemNode: p.kernelMemNode ?? -1,
    userMemory: p.userMemory ?? 'first-touch',
  });
}

const positiveInt = (what: string) =>
  z
    .number({ error: (iss) => (iss.input === undefined ? `is missing (${what}: a whole number, at least 1)` : `must be a whole number (${what})`) })
    .int(`must be a whole number (${what})`)
    .min(1, `must be at least 1 (${what})`);

const costKeys = Object.keys(COST_PRESETS[0]!).filter((k) => k !== 'name' && k !== 'description' && k !== 'sources');

const CostOverrides = z
  .record(z.string(), z.number({ error: 'must be a number of nanoseconds (or the unit its name says)' }).min(0, 'must not be negative').max(1e12, 'must be at most 1e12'))
  .superRefine((rec, ctx) => {
    for (const k of Object.keys(rec)) {
      if (!costKeys.includes(k))
        ctx.addIssue({ code: 'custom', path: [k], message: `unknown cost entry; known entries: ${costKeys.join(', ')}` });
    }
  });

export const MachineFile = z
  .object({
    name: z.string({ error: 'must be a string naming the machine' }).min(1, 'must not be empty'),
    description: z.string().optional(),
    sockets: positiveInt('number of sockets'),
    nodesPerSocket: positiveInt('NUMA nodes per socket').default(1),
    llcsPerNode: positiveInt('last-level caches per node').default(1),
    coresPerLlc: positiveInt('cores sharing one last-level cache'),
    threadsPerCore: positiveInt('SMT threads per core').default(1),
    distances: z
      .union([
        z.object({
          sameSocket: z.number().int().min(10, 'must be at least 10 (SLIT local distance)').optional(),
          remote: z.number().int().min(10, 'must be at least 10 (SLIT local distance)').optional(),
        }).strict(),
        z.array(z.array(z.number().int().min(10, 'SLIT entries are at least 10'))),
      ], { error: 'must be {sameSocket, remote} or a square matrix of SLIT distances (10 on the diagonal)' })
      .optional(),
    kernelMemNode: z.number().int().min(0, 'must be a node number (0 ..)').optional(),
    userMemory: z.enum(['first-touch', 'flat'], { error: 'must be "first-touch" (pages where a task first computes) or "flat" (spread over all nodes)' }).optional(),
    spinlocks: z.enum(['fifo', 'tas'], { error: 'must be "fifo" (ticket order, the default) or "tas" (test-and-set: the releasing CPU can take the lock back, waiters are served in random order, those on its node first)' }).optional(),
    wakeups: z.enum(['direct', 'locked'], { error: 'must be "direct" (the default: a task still current on its CPU is woken without a lock) or "locked" (the waker takes its runqueue lock, as Linux does)' }).optional(),
    costs: z
      .union([
        z.string(),
        z.object({ preset: z.string(), overrides: CostOverrides.optional() }).strict(),
      ], { error: `must be a cost preset name (${COST_PRESETS.map((c) => c.name).join(', ')}) or {preset, overrides}` })
      .default('x86-2023'),
  })
  .strict();
export type MachineFile = z.input<typeof MachineFile>;

/** Validates a parsed machine file and builds the machine; returns a list of error lines on failure. */
export function machineFromObject(raw: unknown, source: string): Machine | string[] {
  const r = MachineFile.safeParse(raw);
  if (!r.success) {
    return r.error.issues.map((i) => {
      const path = i.path.length ? i.path.join('.') : '(top level)';
      let msg = i.message;
      if (i.code === 'unrecognized_keys')
        msg = `unknown field(s) ${i.keys.join(', ')}; known fields: name, description, sockets, nodesPerSocket, llcsPerNode, coresPerLlc, threadsPerCore, distances, kernelMemNode, userMemory, spinlocks, wakeups, costs`;
      return `${source}: field "${path}": ${msg}`;
    });
  }
  const m = r.data;
  const nn = m.sockets * m.nodesPerSocket;
  const cpus = nn * m.llcsPerNode * m.coresPerLlc * m.threadsPerCore;
  const errs: string[] = [];
  if (cpus > 16384) errs.push(`${source}: the machine has ${cpus} CPUs; schedlab supports at most 16384 (sockets x nodesPerSocket x llcsPerNode x coresPerLlc x threadsPerCore)`);
  if (m.kernelMemNode !== undefined && m.kernelMemNode >= nn) errs.push(`${source}: field "kernelMemNode": node ${m.kernelMemNode} does not exist (the machine has ${nn} nodes, 0..${nn - 1})`);
  let dist: number[][];
  if (Array.isArray(m.distances)) {
    dist = m.distances;
    if (dist.length !== nn || dist.some((row) => row.length !== nn))
      errs.push(`${source}: field "distances": must be a ${nn} x ${nn} matrix (one row and column per NUMA node: sockets x nodesPerSocket)`);
    else
      for (let a = 0; a < nn; a++)
        for (let b = 0; b < nn; b++) {
          if (a === b && dist[a]![b] !== 10) errs.push(`${source}: field "distances.${a}.${b}": the diagonal must be 10`);
          if (dist[a]![b] !== dist[b]![a]) errs.push(`${source}: field "distances.${a}.${b}": the matrix must be symmetric`);
        }
  } else {
    dist = twoLevel(m.distances?.sameSocket ?? 12, m.distances?.remote ?? 21)(nn, m.nodesPerSocket);
  }
  const costName = typeof m.costs === 'string' ? m.costs : m.costs.preset;
  const base = findCostPreset(costName);
  if (!base) errs.push(`${source}: field "costs": unknown cost preset "${costName}"; known: ${COST_PRESETS.map((c) => c.name).join(', ')}`);
  if (errs.length) return errs;
  const overrides = typeof m.costs === 'string' ? {} : (m.costs.overrides ?? {});
  for (const [k, min] of [['lineBytes', 1], ['refillMlp', 0.001], ['cacheKb', 1], ['remoteRefDistance', 11]] as const) {
    const v = overrides[k];
    if (v !== undefined && v < min) errs.push(`${source}: field "costs.overrides.${k}": must be at least ${min}`);
  }
  if (errs.length) return errs;
  const cost: CostTable = { ...base!, ...overrides, name: Object.keys(overrides).length ? `${base!.name}+overrides` : base!.name };
  const spec: TopologySpec = {
    name: m.name,
    description: m.description ?? `user machine from ${source}`,
    sockets: m.sockets,
    nodesPerSocket: m.nodesPerSocket,
    llcsPerNode: m.llcsPerNode,
    coresPerLlc: m.coresPerLlc,
    threadsPerCore: m.threadsPerCore,
    nodeDistance: dist,
    cost,
    kernelMemNode: m.kernelMemNode ?? -1,
    userMemory: m.userMemory ?? 'first-touch',
    spinlocks: m.spinlocks ?? 'fifo',
    wakeups: m.wakeups ?? 'direct',
  };
  return new Machine(spec);
}
