/**
 * The public API of schedlab as a library (the model only: no Node built-ins, usable in a browser worker).
 *
 *   import { runExperiment } from 'schedlab';
 *   const r = runExperiment({ machine: 'smp8', sched: 'dss', workload: 'loop_yield', durationNs: 2e8, seed: 1 });
 */
export { runExperiment, resolveMachine, type RunSpec, type RunResult, type RunOptions } from './experiments/run.js';
export { runReproduction, type Reproduction, type ReproResult } from './experiments/reproduce.js';
export { REPRODUCTIONS, findReproduction } from './experiments/reproductions.js';
export { POLICIES, findPolicy } from './policies/registry.js';
export { WORKLOADS, findWorkload } from './workloads/registry.js';
export { buildPreset, listMachinePresets, machineFromObject, MachineFile } from './machine/presets.js';
export { COST_PRESETS, type CostTable } from './machine/costs.js';
export { Machine } from './machine/topology.js';
export { Kernel, ModelError, type KernelObserver, type KernelOptions, type SpawnOptions } from './kernel/kernel.js';
export type { SchedPolicy, SchedCtx, KernelView, PolicyEntry, TunableDecl } from './kernel/sched-class.js';
export { Task } from './kernel/task.js';
export { ProgramBuilder, type Program } from './workloads/program.js';
export { parseDuration, formatDuration } from './engine/time.js';
