/** `ModuleList`: PyTorch's `nn.ModuleList`, submodules held by index, with no forward of its own. */
import { argError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { checkModule, Module, type ChildInput } from './module.js';

/**
 * Modules held in a list, like `nn.ModuleList`: their state-dict keys are prefixed with the index (`0.weight`,
 * `1.0.weight`, ...) and the module that holds the list decides how to run them (DeepLabV3's ASPP runs its
 * branches side by side). It has no forward pass and no JSON form, as in PyTorch.
 */
export class ModuleList extends Module {
  readonly modules: readonly Module[];

  constructor(...modules: Module[]) {
    super();
    modules.forEach((m, i) => checkModule(`ModuleList: module ${i}`, m));
    this.modules = Object.freeze([...modules]);
  }

  get length(): number {
    return this.modules.length;
  }

  override namedChildren(): Array<[string, Module]> {
    return this.modules.map((m, i): [string, Module] => [String(i), m]);
  }

  /** Every module on the list's input, side by side, as convkit's one holder of a list (ASPP) runs them. */
  override childInputs(inputShape: readonly number[]): ChildInput[] {
    return this.modules.map(() => ({ shape: [...inputShape], from: [''] }));
  }

  /** Throws: a ModuleList is a container, run by the module that holds it (torch raises NotImplementedError). */
  forward(input: Tensor): Tensor {
    void input;
    throw argError('ModuleList', 'a ModuleList has no forward: run its modules from the module that holds it');
  }

  /** Throws: the JSON form (`moduleFromJSON`) describes models a Sequential can hold, and a ModuleList has no forward to hold. */
  toJSON(): object {
    throw argError('ModuleList', 'a ModuleList has no JSON form: build the model that holds it in code');
  }
}
