/** Chains of convolutions whose intermediate outputs never leave WebAssembly memory. */
import type { ConvStep } from '../backend.js';
import { execute } from './execute.js';
import type { WasmInstance } from './instance.js';
import type { ThreadPool } from './pool.js';
import { prepare, type Prepared } from './prepare.js';
import { chooseStrategy } from './strategy.js';

/**
 * Runs a chain of convolutions with the outputs between them left in WebAssembly memory, where the next
 * step reads them in place: they alternate between two slots, each as large as the largest output it
 * holds, and each step is laid out past both. False where a step runs on the reference kernel (tiny: it
 * reads arrays), or where keeping every step's transformed weights evicted some of them.
 */
export function runConv2dChain(instance: WasmInstance, pool: ThreadPool, steps: readonly ConvStep[], input: Float32Array, output: Float32Array): boolean {
  // decided before any step keeps its transformed weights: the steps run one by one would check them again
  if (steps.some((s) => chooseStrategy(s.geom) === 'reference')) return false;
  const evictions = instance.evictions;
  const prepared = steps.map((s) => prepare(instance, s.geom, s.weight));
  if (instance.evictions !== evictions) return false;
  instance.reset();
  const slotBytes = [0, 0];
  steps.slice(0, -1).forEach(({ geom: g }, i) => {
    slotBytes[i % 2] = Math.max(slotBytes[i % 2], g.n * g.cOut * g.outH * g.outW * 4);
  });
  const slots = slotBytes.map((bytes) => instance.alloc('conv2d', bytes));
  const mark = instance.mark();
  let from: Float32Array | number = input;
  steps.forEach((s, i) => {
    const to = i === steps.length - 1 ? output : slots[i % 2];
    execute(instance, pool, s.geom, prepared[i] as Prepared, from, s.weight, s.bias, to, s.activation);
    instance.release(mark);
    from = to;
  });
  return true;
}
