/**
 * The policy registry: names to policies. The only place (with presets) that imports policies; the core never does.
 */
import type { PolicyEntry } from '../kernel/sched-class.js';
import { dssPolicy, plsPolicy } from './dss.js';
import { mqsPolicy, pmqsPolicy } from './mqs.js';
import { o1Policy } from './o1.js';
import { o1v252Policy } from './o1-252.js';
import { rrPolicy } from './rr.js';

export const POLICIES: readonly PolicyEntry[] = [rrPolicy, dssPolicy, plsPolicy, mqsPolicy, pmqsPolicy, o1Policy, o1v252Policy];

export function findPolicy(name: string): PolicyEntry | undefined {
  return POLICIES.find((p) => p.name === name);
}
