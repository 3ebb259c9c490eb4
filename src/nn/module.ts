/** The base of every layer: parameters by name, state dicts with PyTorch's keys, a forward pass. */
import { argError, show } from '../errors.js';
import { sameShape, Tensor } from '../tensor.js';

export type StateDict = Record<string, Tensor>;

export abstract class Module {
  /** Runs the layer on `input`. */
  abstract forward(input: Tensor): Tensor;

  /** The layer's type and constructor arguments (no weights), as `moduleFromJSON` reads them. */
  abstract toJSON(): object;

  /** This module's own parameters, in PyTorch's registration order (absent ones, like a disabled bias, left out). */
  protected ownParameters(): Array<[string, Tensor]> {
    return [];
  }

  /** The direct submodules, by the attribute name PyTorch gives them. */
  namedChildren(): Array<[string, Module]> {
    return [];
  }

  /** Every parameter of this module and its submodules, keyed by dotted path (`depthwise.weight`, `0.bias`). */
  namedParameters(): Array<[string, Tensor]> {
    const own = this.ownParameters();
    const nested = this.namedChildren().flatMap(([prefix, child]) =>
      child.namedParameters().map(([name, p]): [string, Tensor] => [`${prefix}.${name}`, p]),
    );
    return [...own, ...nested];
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
   * The parameters by PyTorch's key names, detached as PyTorch's `state_dict()` gives them: they share the
   * module's data (changing one changes the module) but require no grad and record no graph.
   */
  stateDict(): StateDict {
    return Object.fromEntries(this.namedParameters().map(([key, p]) => [key, p.detach()]));
  }

  /**
   * Copies parameters in from a state dict with PyTorch's keys, so that weights exported from a PyTorch
   * model load unchanged.
   * @param strict when true (the default), missing and unexpected keys are errors, as in PyTorch.
   * @throws Error listing missing or unexpected keys and any size mismatch; nothing is copied then.
   */
  loadStateDict(state: StateDict, strict = true): void {
    if (state === null || typeof state !== 'object') throw argError('loadStateDict', `state must be an object of tensors, got ${show(state)}`);
    const own = new Map(this.namedParameters());
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
      if (value !== undefined) target.data.set(value.data);
    }
  }
}

export function checkModule(where: string, value: unknown): Module {
  if (!(value instanceof Module)) throw argError(where, `expected a Module, got ${show(value)}`);
  return value;
}
