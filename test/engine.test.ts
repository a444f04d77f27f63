import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventQueue } from '../src/engine/event-queue.js';
import { Rng } from '../src/engine/rng.js';
import { parseDuration, formatDuration } from '../src/engine/time.js';
import { Histogram } from '../src/metrics/histogram.js';

test('event queue pops in (time, insertion) order and supports cancel and reschedule (against an oracle)', () => {
  const q = new EventQueue(4); // tiny capacity: exercises growth
  const rng = new Rng(7, 'queue-test');
  type E = { time: number; seq: number; id: number; slot: number };
  const live = new Map<number, E>(); // by slot
  let seq = 0;
  let id = 0;
  let now = 0;
  const oracleMin = (): E | undefined => {
    let best: E | undefined;
    for (const e of live.values()) if (!best || e.time < best.time || (e.time === best.time && e.seq < best.seq)) best = e;
    return best;
  };
  for (let step = 0; step < 20000; step++) {
    const r = rng.int(10);
    if (r < 5 || live.size === 0) {
      const time = now + rng.int(50); // many ties
      const e: E = { time, seq: seq++, id: id++, slot: -1 };
      e.slot = q.schedule(time, 1, e.id);
      live.set(e.slot, e);
    } else if (r < 6) {
      const slots = [...live.keys()];
      const s = slots[rng.int(slots.length)]!;
      q.cancel(s);
      live.delete(s);
    } else if (r < 7) {
      const slots = [...live.keys()];
      const s = slots[rng.int(slots.length)]!;
      const e = live.get(s)!;
      e.time = now + rng.int(50);
      e.seq = seq++;
      q.reschedule(s, e.time);
    } else {
      const want = oracleMin()!;
      assert.equal(q.pop(), true);
      assert.equal(q.time, want.time);
      assert.equal(q.target, want.id);
      live.delete(want.slot);
      now = q.time;
    }
    assert.equal(q.size, live.size);
  }
});

test('event queue: the handler of a popped event may schedule, cancel and move others before its own next event', () => {
  const q = new EventQueue();
  const a = q.schedule(10, 1, 1);
  q.schedule(20, 1, 2);
  const c = q.schedule(30, 1, 3);
  assert.ok(q.pop());
  assert.equal(q.target, 1);
  q.cancel(c); // root still stale: must settle correctly
  q.reschedule(a === 0 ? 1 : 1, 25);
  q.schedule(5 + 10, 1, 4);
  const order: number[] = [];
  while (q.pop()) order.push(q.target);
  assert.deepEqual(order, [4, 2]);
});

test('random streams are deterministic, independent by name, and uniform enough', () => {
  const a1 = new Rng(42, 'a');
  const a2 = new Rng(42, 'a');
  const b = new Rng(42, 'b');
  const xs = Array.from({ length: 1000 }, () => a1.next());
  assert.deepEqual(xs, Array.from({ length: 1000 }, () => a2.next()));
  assert.notDeepEqual(xs.slice(0, 10), Array.from({ length: 10 }, () => b.next()));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.05, `mean ${mean}`);
  const e = new Rng(1, 'exp');
  let s = 0;
  for (let i = 0; i < 20000; i++) s += e.exp(1000);
  assert.ok(Math.abs(s / 20000 - 1000) < 40, `exp mean ${s / 20000}`);
});

test('durations parse with units and reject ambiguity', () => {
  assert.equal(parseDuration('2s'), 2_000_000_000);
  assert.equal(parseDuration('500ms'), 500_000_000);
  assert.equal(parseDuration('10us'), 10_000);
  assert.equal(parseDuration('250ns'), 250);
  assert.equal(parseDuration('1.5ms'), 1_500_000);
  assert.equal(typeof parseDuration('3m'), 'string');
  assert.equal(typeof parseDuration('10'), 'string');
  assert.equal(formatDuration(1_500_000), '1.500ms');
});

test('histogram quantiles are within 1% of the exact order statistics', () => {
  const h = new Histogram();
  const r = new Rng(3, 'hist');
  const vals: number[] = [];
  for (let i = 0; i < 50000; i++) {
    const v = Math.floor(r.exp(20000));
    vals.push(v);
    h.record(v);
  }
  vals.sort((x, y) => x - y);
  for (const q of [0.5, 0.9, 0.99, 0.999]) {
    const exact = vals[Math.ceil(q * vals.length) - 1]!;
    const got = h.quantile(q);
    assert.ok(got >= exact && got <= exact * 1.01 + 1, `q${q}: ${got} vs ${exact}`);
  }
  assert.equal(h.max, vals[vals.length - 1]);
  assert.equal(h.count, 50000);
});

test('lane events and heap events pop in one (time, seq) order (against an oracle), in the tree and the calendar', () => {
  for (const LANES of [13, 37]) laneOrder(LANES);
});

function laneOrder(LANES: number): void {
  const q = new EventQueue(8, LANES);
  const rng = new Rng(11, 'lanes');
  type E = { time: number; seq: number; key: string };
  const heap = new Map<number, E>();
  const lanes = new Map<number, E>();
  let seq = 0;
  let now = 0;
  for (let step = 0; step < 30000; step++) {
    const r = rng.int(12);
    if (r < 3) {
      const time = now + rng.int(40);
      const slot = q.schedule(time, 1, 1000 + step);
      heap.set(slot, { time, seq: seq++, key: `h${1000 + step}` });
    } else if (r < 7) {
      const lane = rng.int(LANES);
      const time = now + rng.int(40);
      q.setLane(lane, time, 2);
      lanes.set(lane, { time, seq: seq++, key: `l${lane}` });
    } else if (r < 8 && lanes.size > 0) {
      const lane = [...lanes.keys()][rng.int(lanes.size)]!;
      q.clearLane(lane);
      lanes.delete(lane);
      assert.equal(q.laneTime(lane), Infinity);
    } else if (heap.size + lanes.size > 0) {
      let best: [string, number, E] | undefined;
      for (const [s, e] of heap) if (!best || e.time < best[2].time || (e.time === best[2].time && e.seq < best[2].seq)) best = ['h', s, e];
      for (const [l, e] of lanes) if (!best || e.time < best[2].time || (e.time === best[2].time && e.seq < best[2].seq)) best = ['l', l, e];
      assert.ok(q.pop());
      assert.equal(q.time, best![2].time);
      assert.equal(q.kind === 1 ? `h${q.target}` : `l${q.target}`, best![2].key);
      if (best![0] === 'h') heap.delete(best![1]);
      else lanes.delete(best![1]);
      now = q.time;
      if (best![0] === 'l' && rng.int(2) === 0) {
        // as the kernel does: the popped lane's handler sets its next event before anything else
        const time = now + rng.int(40);
        q.setLane(best![1], time, 2);
        lanes.set(best![1], { time, seq: seq++, key: `l${best![1]}` });
      }
    }
    assert.equal(q.size, heap.size + lanes.size);
  }
}

test('lane calendar: order stays exact while the bucket width adapts to spacings from ties to milliseconds', () => {
  const LANES = 300;
  const q = new EventQueue(8, LANES);
  const rng = new Rng(5, 'calendar');
  type E = { time: number; seq: number };
  const lanes = new Map<number, E>();
  const heap = new Map<number, E & { slot: number }>();
  let seq = 0;
  let now = 0;
  // spacing scales (ns) in phases: lockstep ties, fractions of a ns, a few ns, microseconds, milliseconds, and outliers
  const scales = [0, 0.25, 4, 3000, 2e6, 5e9];
  for (let step = 0; step < 120000; step++) {
    const phase = Math.floor(step / 8000) % scales.length;
    const scale = scales[phase]!;
    const r = rng.int(20);
    if (r < 12 || lanes.size + heap.size === 0) {
      const lane = rng.int(LANES);
      const far = rng.int(100) === 0 ? scales[rng.int(scales.length)]! * 1000 : 0; // now and then far ahead
      const time = now + (scale === 0 ? 20 * rng.int(2) : rng.next() * scale) + far;
      q.setLane(lane, time, 2);
      lanes.set(lane, { time, seq: seq++ });
    } else if (r < 13 && lanes.size > 0) {
      const lane = [...lanes.keys()][rng.int(lanes.size)]!;
      q.clearLane(lane);
      lanes.delete(lane);
    } else if (r < 14) {
      const time = now + rng.next() * scale;
      const slot = q.schedule(time, 1, 7);
      heap.set(slot, { time, seq: seq++, slot });
    } else {
      let best: [boolean, number, E] | undefined;
      for (const [s, e] of heap) if (!best || e.time < best[2].time || (e.time === best[2].time && e.seq < best[2].seq)) best = [false, s, e];
      for (const [l, e] of lanes) if (!best || e.time < best[2].time || (e.time === best[2].time && e.seq < best[2].seq)) best = [true, l, e];
      if (!best) continue;
      assert.equal(q.peekTime(), best[2].time);
      assert.ok(q.pop());
      assert.equal(q.time, best[2].time);
      if (best[0]) {
        assert.equal(q.kind, 2);
        assert.equal(q.target, best[1]);
        lanes.delete(best[1]);
        assert.equal(q.laneTime(best[1]), Infinity);
      } else {
        assert.equal(q.kind, 1);
        heap.delete(best[1]);
      }
      now = q.time;
    }
    assert.equal(q.size, heap.size + lanes.size);
  }
});
