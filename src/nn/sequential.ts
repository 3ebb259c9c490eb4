import type { Activation } from '../backend/backend.js';
import { conv2dChain, type Conv2dStep } from '../ops/conv2d.js';
import type { Tensor } from '../tensor.js';
import { argError, show } from '../errors.js';
import { moduleFromJSON } from './json.js';
import { checkModule, Module } from './module.js';
import { ReLU } from './relu.js';
import { inferenceForward } from '../infer/inference.js';

/**
 * A layer that can apply an activation as it writes its output (Conv2d, DepthwiseSeparableConv2d), and
 * say which convolutions it runs, so that consecutive ones run as one chain.
 */
interface Convolution {
  forwardActivation(input: Tensor, activation: Activation): Tensor;
  convSteps(activation: Activation): Conv2dStep[] | null;
}

function isConvolution(layer: Module): layer is Module & Convolution {
  const c = layer as Partial<Convolution>;
  return typeof c.forwardActivation === 'function' && typeof c.convSteps === 'function';
}

function parseJSON(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw argError('Sequential.fromJSON', `invalid JSON: ${(e as Error).message}`);
  }
}

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

  /**
   * Runs the layers in order. A convolution followed by `ReLU` runs as one layer that applies the ReLU as
   * it writes its output: the same values, one pass over the output instead of two. Consecutive
   * convolutions (zero-padded, with or without that ReLU) run as one `conv2dChain`: on the wasm backend
   * the outputs between them stay in WebAssembly memory. In evaluation mode without gradients the whole
   * model runs as one compiled network instead (see `setFusion`).
   */
  forward(input: Tensor): Tensor {
    const compiled = inferenceForward(this, input);
    if (compiled !== null) return compiled;
    let x = input;
    let chain: Conv2dStep[] = [];
    for (let i = 0; i < this.layers.length; i++) {
      const layer = this.layers[i];
      const relu = isConvolution(layer) && this.layers[i + 1] instanceof ReLU;
      if (relu) i++; // applied as the convolution writes
      const activation = relu ? 'relu' : 'none';
      const steps = isConvolution(layer) ? layer.convSteps(activation) : null;
      if (steps !== null) {
        chain.push(...steps);
        continue;
      }
      if (chain.length > 0) x = conv2dChain(x, chain);
      chain = [];
      x = isConvolution(layer) ? layer.forwardActivation(x, activation) : layer.forward(x);
    }
    return chain.length > 0 ? conv2dChain(x, chain) : x;
  }

  /** `{ type: 'Sequential', layers: [...] }`: the architecture, no weights; `JSON.stringify(model)` uses it. */
  toJSON(): object {
    return { type: 'Sequential', layers: this.layers.map((layer) => layer.toJSON()) };
  }

  /** Builds a model, with freshly initialised weights, from what `toJSON` writes (an object or its JSON text). */
  static fromJSON(json: unknown): Sequential {
    const parsed = typeof json === 'string' ? parseJSON(json) : json;
    const model = moduleFromJSON(parsed, 'Sequential.fromJSON');
    if (!(model instanceof Sequential)) throw argError('Sequential.fromJSON', `expected type 'Sequential', got ${show((parsed as { type?: unknown }).type)}`);
    return model;
  }

  /** Each layer's output shape, fed to the next. */
  override outputShape(inputShape: readonly number[]): number[] {
    return this.layers.reduce((shape, layer) => layer.outputShape(shape), [...inputShape]);
  }
}
