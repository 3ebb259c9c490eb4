/**
 * Evaluation-mode forward passes run as one compiled `Network`: a model's containers (`Sequential` and
 * convkit's architectures) ask here first. A model is compiled once per input shape and kept while its
 * parameters and buffers are the same tensors at the same versions (`Tensor.version`).
 */
import { isGradEnabled } from '../autograd/grad-mode.js';
import { backend } from '../backend/registry.js';
import { argError, show } from '../errors.js';
import type { Module } from '../nn/module.js';
import { runNetwork } from '../ops/network.js';
import { numelOf, Tensor } from '../tensor.js';
import { compile, type Compiled } from './compile.js';

/** A model's compiled form for one input shape (null: it has none), and what it was compiled from. */
interface Entry {
  readonly compiled: Compiled | null;
  readonly state: readonly Tensor[];
  readonly versions: readonly number[];
}

/** Input shapes kept per model: a model fed many batch sizes keeps the latest few. */
const SHAPES_KEPT = 4;

let fusion = true;
const cache = new WeakMap<Module, Map<string, Entry>>();

/**
 * Turns compiled inference on (the default) or off. On, a model in evaluation mode run where no
 * gradient is recorded (`noGrad`, or nothing requires grad) runs as one network on backends that run
 * networks (wasm): BatchNorm folded into the convolution before it, ReLU, ReLU6 and residual adds done
 * as the convolution writes, the values between layers kept in WebAssembly memory. Folding rounds
 * differently from normalising after the convolution (relative differences of about 1e-7 to 1e-6):
 * turn it off to get each module's own rounding.
 */
export function setFusion(on: boolean): void {
  if (typeof on !== 'boolean') throw argError('setFusion', `on must be true or false, got ${show(on)}`);
  fusion = on;
}

/** Whether compiled inference is on. */
export function getFusion(): boolean {
  return fusion;
}

function current(entry: Entry, state: readonly Tensor[]): boolean {
  return entry.state.length === state.length && state.every((t, i) => t === entry.state[i] && t.version === entry.versions[i]);
}

/**
 * `model`'s output for `input` from its compiled network, or null where it does not run that way (in
 * training mode, recording gradients, fusion off, on a backend without networks, or a model with a
 * module the compiler has no form for): the caller then runs its modules.
 */
export function inferenceForward(model: Module, input: Tensor): Tensor | null {
  if (!fusion || model.training || !(input instanceof Tensor) || input.ndim !== 4 || backend().runNetwork === undefined) return null;
  if (model.namedModules().some(([, m]) => m.training)) return null;
  const parameters = model.parameters();
  if (isGradEnabled() && (input.requiresGrad || parameters.some((p) => p.requiresGrad))) return null;
  const state = [...parameters, ...model.buffers()];
  let shapes = cache.get(model);
  if (shapes === undefined) cache.set(model, (shapes = new Map()));
  const key = input.shape.join();
  let entry = shapes.get(key);
  if (entry === undefined || !current(entry, state)) {
    let compiled: Compiled | null = null;
    try {
      compiled = compile(model, input.shape);
    } catch {
      // a shape or module the exporter refuses: the modules' own forward gives the error, or runs
    }
    entry = { compiled, state, versions: state.map((t) => t.version) };
    shapes.delete(key);
    shapes.set(key, entry);
    if (shapes.size > SHAPES_KEPT) shapes.delete(shapes.keys().next().value as string);
  }
  if (entry.compiled === null) return null;
  const output = new Float32Array(numelOf(entry.compiled.outputShape));
  runNetwork(entry.compiled.network, input.data, output);
  return new Tensor(output, entry.compiled.outputShape);
}
