/**
 * A `Network` run one step at a time through a backend's kernels, each value its own array: what a
 * backend without `runNetwork` does, and what a fused network is checked against.
 */
import type { Backend, Network, NetworkStep } from './backend.js';

function trivial(length: number) {
  return { shape: [length], aStrides: [1], bStrides: [1] };
}

/** Runs `step` on the values in `values` (its output's array among them). */
export function runStep(b: Backend, step: NetworkStep, values: readonly Float32Array[]): void {
  switch (step.op) {
    case 'conv2d': {
      const out = values[step.output];
      if (step.residual === null) {
        b.conv2d(step.geom, values[step.input], step.weight, step.bias, out, step.activation);
        return;
      }
      b.conv2d(step.geom, values[step.input], step.weight, step.bias, out, 'none');
      b.binary('add', trivial(out.length), out, values[step.residual], out);
      if (step.activation !== 'none') runStep(b, { op: 'activation', kind: step.activation, input: step.output, output: step.output }, values);
      return;
    }
    case 'maxPool2d':
      b.maxPool2d(step.geom, values[step.input], values[step.output], new Int32Array(values[step.output].length));
      return;
    case 'avgPool2d':
      b.avgPool2d(step.geom, values[step.input], values[step.output]);
      return;
    case 'activation':
      if (step.kind === 'relu') b.relu(values[step.input], values[step.output]);
      else b.activation(step.kind, values[step.input], values[step.output]);
      return;
    case 'add':
      b.binary('add', trivial(values[step.output].length), values[step.a], values[step.b], values[step.output]);
      return;
    case 'concat': {
      const out = values[step.output];
      const block = out.length / step.outer;
      let at = 0;
      for (const v of step.inputs) {
        const x = values[v];
        const size = x.length / step.outer;
        for (let o = 0; o < step.outer; o++) out.set(x.subarray(o * size, (o + 1) * size), o * block + at);
        at += size;
      }
      return;
    }
    case 'expand': {
      const x = values[step.input];
      const out = values[step.output];
      for (let i = 0; i < x.length; i++) out.fill(x[i], i * step.repeat, (i + 1) * step.repeat);
      return;
    }
  }
}

/** Runs `network` through `b`'s kernels, each value in an array of its own. */
export function runNetworkSteps(b: Backend, network: Network, input: Float32Array, output: Float32Array): void {
  const values = network.sizes.map((size, v) => (v === 0 ? input : v === network.output ? output : new Float32Array(size)));
  for (const step of network.steps) runStep(b, step, values);
}
