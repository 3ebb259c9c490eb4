import type { Tensor } from '../tensor.js';
import { checkModule, Module } from './module.js';

/**
 * Layers applied in order, like `nn.Sequential`; state-dict keys are prefixed with the layer's index
 * (`0.weight`, `0.bias`, `2.weight`, ...), as in PyTorch.
 *
 * @example
 * const block = new Sequential(new Conv2d(64, 32, 1), new ReLU(), new Conv2d(32, 32, 3, { padding: 1 }));
 */
export class Sequential extends Module {
  readonly layers: readonly Module[];

  constructor(...layers: Module[]) {
    super();
    layers.forEach((layer, i) => checkModule(`Sequential: layer ${i}`, layer));
    this.layers = Object.freeze([...layers]);
  }

  get length(): number {
    return this.layers.length;
  }

  override namedChildren(): Array<[string, Module]> {
    return this.layers.map((layer, i): [string, Module] => [String(i), layer]);
  }

  forward(input: Tensor): Tensor {
    return this.layers.reduce((x, layer) => layer.forward(x), input);
  }

  override toString(): string {
    const lines = this.layers.map((layer, i) => `  (${i}): ${String(layer).replace(/\n/g, '\n  ')}`);
    return `Sequential(\n${lines.join('\n')}\n)`;
  }
}
