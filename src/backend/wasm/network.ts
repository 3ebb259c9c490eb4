/**
 * Networks whose values never leave WebAssembly memory: the input is copied in, the output out, and
 * every step reads and writes the arena in place.
 */
import type { Network, NetworkStep } from '../backend.js';
import { runStep } from '../network.js';
import { referenceBackend } from '../reference/index.js';
import { execute } from './execute.js';
import type { WasmInstance } from './instance.js';
import type { ThreadPool } from './pool.js';
import { prepare } from './prepare.js';

/** The values `step` reads. */
function reads(step: NetworkStep): readonly number[] {
  switch (step.op) {
    case 'conv2d': return step.residual === null ? [step.input] : [step.input, step.residual];
    case 'add': return [step.a, step.b];
    case 'concat': return step.inputs;
    default: return [step.input];
  }
}

/** The last step that reads each value: its space is free after that step. */
function lastReads(network: Network): number[] {
  const last = network.sizes.map(() => -1);
  network.steps.forEach((step, i) => {
    for (const v of reads(step)) last[v] = i;
  });
  last[network.output] = network.steps.length;
  return last;
}

/**
 * Byte offsets for the values, reusing the space of values no longer read: each value takes the
 * smallest free block that holds it (a block is free once its last value's last reader has run), or a
 * new one.
 */
function layout(instance: WasmInstance, network: Network): number[] {
  const last = lastReads(network);
  const blocks: Array<{ at: number; bytes: number; busyUntil: number }> = [];
  const offsets = network.sizes.map(() => 0);
  const place = (v: number, step: number) => {
    const bytes = network.sizes[v] * 4;
    let best: (typeof blocks)[number] | undefined;
    for (const b of blocks) if (b.busyUntil < step && b.bytes >= bytes && (best === undefined || b.bytes < best.bytes)) best = b;
    if (best === undefined) {
      best = { at: instance.alloc('network', bytes), bytes, busyUntil: 0 };
      blocks.push(best);
    }
    best.busyUntil = last[v];
    offsets[v] = best.at;
  };
  place(0, -1);
  network.steps.forEach((step, i) => place(step.output, i));
  return offsets;
}

/**
 * Runs `network` with its values in WebAssembly memory. Each convolution's transformed weights (and,
 * for a `constant` network, its packed weights and biases) are kept resident where they all fit at
 * once; else each is laid out with its step. Steps other than
 * convolutions run the reference kernels on views of the memory (pooling, concatenation: memory-bound
 * and small beside the convolutions).
 */
export function runNetwork(instance: WasmInstance, pool: ThreadPool, network: Network, input: Float32Array, output: Float32Array): boolean {
  const evictions = instance.evictions;
  const residency = network.constant === true ? 'all' : 'transformed';
  const convs = network.steps.map((s) => (s.op === 'conv2d' ? prepare(instance, s.geom, s.weight, s.bias, residency, true) : null));
  const resident = instance.evictions === evictions;
  instance.reset();
  const offsets = layout(instance, network);
  instance.write(offsets[0], input);
  const mark = instance.mark();
  network.steps.forEach((step, i) => {
    const prepared = step.op !== 'conv2d' ? null : resident ? convs[i] : prepare(instance, step.geom, step.weight, step.bias, 'none', true);
    if (step.op === 'conv2d' && prepared !== null) {
      execute(instance, pool, step.geom, prepared, offsets[step.input], step.weight, step.bias, offsets[step.output], step.activation, step.residual === null ? 0 : offsets[step.residual]);
    } else {
      runOnViews(instance, network, step, offsets); // a convolution on the reference kernel too
    }
    instance.release(mark);
  });
  instance.readInto(offsets[network.output], output);
  return true;
}

/** `step` on the reference kernels, its values read and written in place in the memory. */
function runOnViews(instance: WasmInstance, network: Network, step: NetworkStep, offsets: readonly number[]): void {
  const values: Float32Array[] = [];
  for (const v of [...reads(step), step.output]) values[v] = instance.floats(offsets[v], network.sizes[v]);
  runStep(referenceBackend, step, values);
}
