/**
 * The base of every layer: parameters and buffers by name, state dicts with PyTorch's keys, training and
 * evaluation mode, PyTorch's printed form, a forward pass.
 */
import { argError, show } from '../errors.js';
import { loadSafetensors } from '../io/safetensors.js';
import { sameShape, Tensor } from '../tensor.js';

export type StateDict = Record<string, Tensor>;

/** What one child of a module is fed when the module runs, as {@link Module.childInputs} tells `summary` and `layerCost`. */
export interface ChildInput {
  /** The shape of the child's input. */
  shape: number[];
  /**
   * What the input is made of: `''` for the module's own input, else the dotted path below the module of a
   * submodule listed before this child whose output it is (`'bn3'`, `'convs.2'`); several where outputs are
   * concatenated or added. Receptive fields follow it.
   */
  from: string[];
  /** Whether what `from` gives is averaged over its whole height and width on the way (a global pool). */
  pooled?: boolean;
}

export abstract class Module {
  /**
   * Whether the module is in training mode (the default), as PyTorch's `module.training`: dropout drops
   * and batch normalisation uses the batch's statistics. Set it with `train()` and `eval()`.
   */
  training = true;

  /** Runs the layer on `input`. */
  abstract forward(input: Tensor): Tensor;

  /** The layer's type and constructor arguments (no weights), as `moduleFromJSON` reads them. */
  abstract toJSON(): object;

  /** This module's own parameters, in PyTorch's registration order (absent ones, like a disabled bias, left out). */
  protected ownParameters(): Array<[string, Tensor]> {
    return [];
  }

  /**
   * This module's own buffers: state that is saved and loaded but not learned by gradients (batch
   * normalisation's running statistics), in PyTorch's registration order.
   */
  protected ownBuffers(): Array<[string, Tensor]> {
    return [];
  }

  /** The direct submodules, by the attribute name PyTorch gives them. */
  namedChildren(): Array<[string, Module]> {
    return [];
  }

  /** This module and every submodule, depth first, keyed by dotted path (`''` for this one), like `named_modules()`. */
  namedModules(): Array<[string, Module]> {
    const nested = this.namedChildren().flatMap(([prefix, child]) =>
      child.namedModules().map(([name, m]): [string, Module] => [name === '' ? prefix : `${prefix}.${name}`, m]),
    );
    return [['', this], ...nested];
  }

  /**
   * Sets training mode on this module and every submodule, like `module.train(mode)`; `train(false)` is
   * `eval()`. Returns this module.
   */
  train(mode = true): this {
    if (typeof mode !== 'boolean') throw argError('train', `training mode is expected to be boolean, got ${show(mode)}`);
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  /** Evaluation mode: dropout passes its input through and batch normalisation uses its running statistics. */
  eval(): this {
    return this.train(false);
  }

  /**
   * The shape `forward` returns for an input of `inputShape`, computed without running it: what `summary`
   * and `layerCost` walk a model with. Every convkit module states it; a module of your own must override
   * it (the default throws), since a wrong guess would make a summary silently wrong.
   * @throws the error `forward` would throw for that shape.
   */
  outputShape(inputShape: readonly number[]): number[] {
    void inputShape;
    throw argError('outputShape', `${this.constructor.name} does not declare its output shape: override outputShape(inputShape) to use it in summary`);
  }

  /**
   * What each child (in `namedChildren` order) is fed when `forward` runs on an input of `inputShape`,
   * computed without running it: what `summary` and `layerCost` walk a model with. By default the children
   * form a chain, each fed the output of the one before (the first, the module's input), as in a
   * Sequential; a module whose forward runs children side by side, feeds one the module's input past
   * others, joins their outputs or reshapes between them overrides it (adding the input back to the last
   * child's output needs nothing: the output shape is that child's, and `summary` counts the larger
   * receptive field, the child's).
   * @throws the error `forward` would throw for that shape.
   */
  childInputs(inputShape: readonly number[]): ChildInput[] {
    const children = this.namedChildren();
    const inputs: ChildInput[] = [{ shape: [...inputShape], from: [''] }];
    for (let i = 1; i < children.length; i++) {
      const [name, child] = children[i - 1];
      inputs.push({ shape: child.outputShape(inputs[i - 1].shape), from: [name] });
    }
    return inputs.slice(0, children.length);
  }

  /**
   * The arguments PyTorch's `extra_repr` shows inside the parentheses of this module's printed form,
   * e.g. `64, 10, bias=True`; empty by default.
   */
  protected extraRepr(): string {
    return '';
  }

  /** The module tree as PyTorch's `repr(module)` prints it: `Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1))`, children indented. */
  toString(): string {
    const name = this.constructor.name;
    const children = this.namedChildren();
    const extra = this.extraRepr();
    if (children.length === 0) return `${name}(${extra})`;
    const lines = [...(extra === '' ? [] : extra.split('\n')), ...children.map(([key, child]) => `(${key}): ${String(child)}`)];
    return `${name}(\n${lines.map((line) => `  ${line.replace(/\n/g, '\n  ')}`).join('\n')}\n)`;
  }

  /** Every parameter of this module and its submodules, keyed by dotted path (`depthwise.weight`, `0.bias`). */
  namedParameters(): Array<[string, Tensor]> {
    const own = this.ownParameters();
    const nested = this.namedChildren().flatMap(([prefix, child]) =>
      child.namedParameters().map(([name, p]): [string, Tensor] => [`${prefix}.${name}`, p]),
    );
    return [...own, ...nested];
  }

  /** Every buffer of this module and its submodules, keyed by dotted path (`0.running_mean`), like `named_buffers()`. */
  namedBuffers(): Array<[string, Tensor]> {
    return this.namedModules().flatMap(([path, m]) => m.ownBuffers().map(([name, b]): [string, Tensor] => [path === '' ? name : `${path}.${name}`, b]));
  }

  /** Every buffer tensor (shared, not copied), like `module.buffers()`. */
  buffers(): Tensor[] {
    return this.namedBuffers().map(([, b]) => b);
  }

  /** Every parameter tensor (shared, not copied), like `module.parameters()`. */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /**
   * Resets the gradients of every parameter, as PyTorch 1.13's `zero_grad(set_to_none=False)`: filled
   * with zeros in place where there is one, or with `setToNone` set to null (the next backward then
   * allocates them anew).
   */
  zeroGrad(setToNone = false): void {
    if (typeof setToNone !== 'boolean') throw argError('zeroGrad', `setToNone must be true or false, got ${show(setToNone)}`);
    for (const p of this.parameters()) {
      if (setToNone) p.grad = null;
      else p.grad?.data.fill(0);
    }
  }

  /**
   * The parameters and buffers by PyTorch's key names and in its order (each module's parameters, then its
   * buffers, then its children's), detached as PyTorch's `state_dict()` gives them: they share the
   * module's data (changing one changes the module) but require no grad and record no graph.
   */
  stateDict(): StateDict {
    return Object.fromEntries(this.stateEntries().map(([key, t]) => [key, t.detach()]));
  }

  /** Every tensor of the state dict, in its order. */
  private stateEntries(): Array<[string, Tensor]> {
    return this.namedModules().flatMap(([path, m]) =>
      [...m.ownParameters(), ...m.ownBuffers()].map(([name, t]): [string, Tensor] => [path === '' ? name : `${path}.${name}`, t]),
    );
  }

  /**
   * Copies parameters and buffers in from a state dict with PyTorch's keys, so that weights exported from a
   * PyTorch model load unchanged: a `StateDict`, or the bytes of a safetensors file (read by
   * `loadSafetensors`, which converts other dtypes such as int64 `num_batches_tracked` to float32).
   * @param strict when true (the default), missing and unexpected keys are errors, as in PyTorch.
   * @throws Error listing missing or unexpected keys and any size mismatch; nothing is copied then.
   */
  loadStateDict(source: StateDict | Uint8Array, strict = true): void {
    // The safetensors reader sits in io/, above nn/ in design.md's layers: a file format is the one way in
    // that users ask for by name here, so the module takes it directly.
    const state = source instanceof Uint8Array ? loadSafetensors(source).tensors : source;
    if (state === null || typeof state !== 'object') throw argError('loadStateDict', `state must be an object of tensors, got ${show(state)}`);
    const own = new Map(this.stateEntries());
    const problems: string[] = [];
    for (const [key, value] of Object.entries(state)) {
      const target = own.get(key);
      if (target === undefined) {
        if (strict) problems.push(`unexpected key ${show(key)}`);
      } else if (!(value instanceof Tensor)) {
        problems.push(`${show(key)} must be a Tensor, got ${show(value)}`);
      } else if (!sameShape(value.shape, target.shape)) {
        problems.push(`size mismatch for ${show(key)}: copying a tensor of shape ${show(value.shape)}, the parameter has shape ${show(target.shape)}`);
      }
    }
    if (strict) {
      for (const key of own.keys()) if (!(key in state)) problems.push(`missing key ${show(key)}`);
    }
    if (problems.length > 0) throw argError('loadStateDict', `cannot load state into ${this.constructor.name}: ${problems.join('; ')}`);
    for (const [key, target] of own) {
      const value = state[key];
      if (value !== undefined) target.data.set(value.data), target.markChanged();
    }
  }
}

export function checkModule(where: string, value: unknown): Module {
  if (!(value instanceof Module)) throw argError(where, `expected a Module, got ${show(value)}`);
  return value;
}
