import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPreset, machineFromObject, machinePresetNames } from '../src/machine/presets.js';
import { DIST_LLC, DIST_NODE, DIST_REMOTE, DIST_SELF, DIST_SMT } from '../src/machine/topology.js';

test('the machine presets exist with the sizes the names promise', () => {
  const want: Record<string, number> = { up: 1, smp2: 2, smp4: 4, smp8: 8, numaq16: 16, opteron6272: 64, 'epyc9654-2s': 384, kilo1024: 1024 };
  assert.deepEqual(machinePresetNames().sort(), Object.keys(want).sort());
  for (const [name, cpus] of Object.entries(want)) {
    const m = buildPreset(name)!;
    assert.equal(m.nCpus, cpus, name);
    // dense ids, every CPU in a node
    let sum = 0;
    for (let n = 0; n < m.nNodes; n++) sum += m.nodeCpuCount[n]!;
    assert.equal(sum, cpus);
  }
  assert.equal(buildPreset('numaq16')!.nNodes, 4);
  assert.equal(buildPreset('opteron6272')!.nNodes, 8);
  assert.equal(buildPreset('epyc9654-2s')!.nLlcs, 24);
});

test('distance classes and line costs grow with distance', () => {
  const m = buildPreset('kilo1024')!;
  assert.equal(m.distClass(0, 0), DIST_SELF);
  assert.equal(m.distClass(0, 1), DIST_SMT);
  assert.equal(m.distClass(0, 2), DIST_LLC);
  assert.equal(m.distClass(0, 16), DIST_NODE);
  assert.equal(m.distClass(0, 128), DIST_REMOTE);
  const costs = [m.lineNs(0, 1), m.lineNs(0, 2), m.lineNs(0, 16), m.lineNs(0, 128)];
  for (let i = 1; i < costs.length; i++) assert.ok(costs[i]! > costs[i - 1]!, costs.join(' '));
  assert.equal(m.lineNs(0, 128), m.cost.lineRemoteNs); // reference distance 32
  assert.ok(m.refillNs(0, 128, 1 << 20) > m.refillNs(0, 16, 1 << 20));
  assert.equal(m.refillNs(0, 1, 1 << 20), 0);
  const o = buildPreset('opteron6272')!;
  assert.equal(o.cpuDistance(0, 8), 16); // nodes 0 and 1: one hop
  assert.equal(o.cpuDistance(0, 24), 22); // nodes 0 and 3: two hops
});

test('machine files are validated with errors that name the field and the fix', () => {
  const ok = machineFromObject({ name: 'box', sockets: 2, coresPerLlc: 4, threadsPerCore: 2, costs: 'x86-2023' }, 'box.yaml');
  assert.ok(!Array.isArray(ok));
  if (!Array.isArray(ok)) assert.equal(ok.nCpus, 16);
  const bad = machineFromObject({ name: 'box', sockets: 0, coresPerLlc: 'four', smt: 2 }, 'box.yaml');
  assert.ok(Array.isArray(bad));
  const text = (bad as string[]).join('\n');
  assert.match(text, /box\.yaml: field "sockets": must be at least 1/);
  assert.match(text, /field "coresPerLlc"/);
  assert.match(text, /unknown field\(s\) smt/);
  const badDist = machineFromObject({ name: 'b', sockets: 2, coresPerLlc: 2, distances: [[10, 20], [21, 10]] }, 'b.json');
  assert.match((badDist as string[]).join('\n'), /field "distances.0.1": the matrix must be symmetric/);
  const badCost = machineFromObject({ name: 'b', sockets: 1, coresPerLlc: 2, costs: { preset: 'x86-2023', overrides: { ipiNS: 3 } } }, 'b.json');
  assert.match((badCost as string[]).join('\n'), /field "costs.overrides.ipiNS": unknown cost entry/);
  const badPreset = machineFromObject({ name: 'b', sockets: 1, coresPerLlc: 2, costs: 'z80' }, 'b.json');
  assert.match((badPreset as string[]).join('\n'), /unknown cost preset "z80"/);
  const missing = machineFromObject({ name: 'b', sockets: 1 }, 'b.json');
  assert.match((missing as string[]).join('\n'), /field "coresPerLlc": is missing \(cores sharing one last-level cache: a whole number, at least 1\)/);
});

test('docs/machines.md shows the cost tables as they are in the code', async () => {
  const { readFileSync } = await import('node:fs');
  const { fileURLToPath } = await import('node:url');
  const { COST_PRESETS } = await import('../src/machine/costs.js');
  const doc = readFileSync(fileURLToPath(new URL('../../docs/machines.md', import.meta.url)), 'utf8');
  const keys = Object.keys(COST_PRESETS[0]!).filter((k) => !['name', 'description', 'sources'].includes(k));
  for (const k of keys) {
    const row = `| ${k} | ${COST_PRESETS.map((p) => (p as unknown as Record<string, number>)[k]).join(' | ')} |`;
    assert.ok(doc.includes(row), `docs/machines.md lacks the row ${row}`);
  }
});
