/** Architecture rules that are costly to undo: the model imports no Node built-ins; the core never names a policy. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

function files(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

const importsOf = (src: string): string[] => [...src.matchAll(/from\s+'([^']+)'/g)].map((m) => m[1]!);

test('the model (engine to workloads, metrics, experiments) imports no Node built-ins', () => {
  for (const d of ['engine', 'machine', 'kernel', 'policies', 'workloads', 'metrics', 'experiments']) {
    for (const f of files(join(root, 'src', d))) {
      for (const i of importsOf(readFileSync(f, 'utf8'))) {
        assert.ok(!i.startsWith('node:') && !['fs', 'path', 'process', 'os', 'worker_threads', 'child_process'].includes(i), `${f} imports ${i}`);
      }
    }
  }
});

test('the kernel core and the engine never import a policy', () => {
  for (const d of ['engine', 'kernel', 'machine']) {
    for (const f of files(join(root, 'src', d))) {
      for (const i of importsOf(readFileSync(f, 'utf8'))) assert.ok(!i.includes('/policies/'), `${f} imports ${i}`);
    }
  }
});
