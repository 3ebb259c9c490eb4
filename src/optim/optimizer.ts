/**
 * The base of every optimiser, as PyTorch 1.13's `torch.optim.Optimizer`: parameter groups with
 * per-group options, per-parameter state, `zeroGrad`, and state dicts in torch's layout.
 */
import { argError, show } from '../errors.js';
import { sameShape, Tensor } from '../tensor.js';

/** A parameter group as given: its parameters, and options that override the optimiser's defaults. */
export interface ParamGroupInput {
  params: Tensor | Iterable<Tensor>;
  [option: string]: unknown;
}

/**
 * A parameter group as the optimiser holds it: its parameters and every option (camelCase), which
 * may be changed between steps (schedulers set `lr`, and record `initialLr` and the like here).
 */
export interface ParamGroup {
  params: Tensor[];
  lr: number;
  [option: string]: unknown;
}

/** What the optimiser keeps for one parameter, under torch's keys (`momentum_buffer`, `exp_avg`, `step`...). */
export type ParamState = Record<string, Tensor | null>;

/**
 * An optimiser's state dict in torch's layout: `state` keyed by the parameter's index (counted across
 * groups in order), `param_groups` with torch's snake_case option keys and `params` as those indices.
 */
export interface OptimizerStateDict {
  state: Record<number, Record<string, unknown>>;
  param_groups: Array<{ params: number[]; [option: string]: unknown }>;
}

/** Marks an option that has no default, like torch's `required` (SGD's `lr`). */
export const REQUIRED: unique symbol = Symbol('required');

/** Options by camelCase name, each its default (REQUIRED: none, the user must give it). */
export type Defaults = Record<string, unknown>;

/** PyTorch's snake_case key for a camelCase option: `weightDecay` -> `weight_decay`, `initialLr` -> `initial_lr`. */
export function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** convkit's camelCase name for one of torch's snake_case keys. */
export function camelCase(key: string): string {
  return key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** A finite number, or an argument error naming the option. */
export function checkNumber(where: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw argError(where, `${name} must be a finite number, got ${show(value)}`);
  return value;
}

/** A boolean, or an argument error naming the option. */
export function checkBoolean(where: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw argError(where, `${name} must be true or false, got ${show(value)}`);
  return value;
}

/** The defaults with `options` over them: an option name that is not a default's is refused (a typo, or torch's snake_case). */
export function optionsOver(where: string, defaults: Defaults, options: unknown): Defaults {
  if (options === undefined) return { ...defaults };
  if (!isPlainObject(options)) throw argError(where, `options must be an object, got ${show(options)}`);
  const names = Object.keys(defaults);
  for (const key of Object.keys(options)) {
    if (!names.includes(key)) throw argError(where, `unexpected option ${show(key)} (options: ${names.join(', ')})`);
  }
  const merged: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(options)) if (value !== undefined) merged[key] = value;
  return merged;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Tensor)
    && typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== 'function';
}

function isIterable(value: unknown): value is Iterable<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function';
}

/**
 * The base class of SGD, Adam and AdamW. A subclass states its defaults, how it checks a group's options,
 * its update, and how it takes in one parameter's saved state.
 */
export abstract class Optimizer<G extends ParamGroup = ParamGroup> {
  /** The options every group starts from (camelCase), as torch's `optimizer.defaults`. */
  readonly defaults: Readonly<Defaults>;
  /** The parameter groups, in order; a group's options may be changed between steps. */
  readonly paramGroups: G[] = [];
  /** Per-parameter state, made on a parameter's first step. */
  protected readonly state = new Map<Tensor, ParamState>();

  /**
   * @param where the class name, for messages
   * @param params an iterable of Tensors (one group), or of groups `{ params, ...options }`
   * @param defaults every option's default; REQUIRED where a group must give it
   */
  protected constructor(protected readonly where: string, params: unknown, defaults: Defaults) {
    this.defaults = Object.freeze({ ...defaults });
    if (params instanceof Tensor || !isIterable(params)) {
      throw argError(where, `params argument given to the optimizer should be an iterable of Tensors or dicts, but got ${show(params)}`);
    }
    let groups = [...params];
    if (groups.length === 0) throw argError(where, 'optimizer got an empty parameter list');
    if (!isPlainObject(groups[0])) groups = [{ params: groups }];
    for (const group of groups) this.addParamGroup(group as ParamGroupInput);
  }

  /** Updates every parameter that has a gradient (one whose `grad` is null is left alone), once. */
  abstract step(): void;

  /**
   * Checks a group's options (after defaults are filled in), throwing what torch's constructor would; without
   * `ranges` (a loaded state dict's groups) only that each option is of the right kind.
   */
  protected abstract checkGroup(group: G, ranges: boolean): void;

  /**
   * One parameter's state taken from a loaded state dict (torch's keys), checked against the parameter
   * and copied; `index` is its index in the state dict, for messages.
   */
  protected abstract loadParamState(param: Tensor, saved: Record<string, unknown>, group: G, index: number): ParamState;

  /** torch's options that convkit has no use for, with the values torch's state dict shows for them. */
  protected abstract readonly torchOnlyOptions: Readonly<Record<string, unknown>>;

  /**
   * Adds a group of parameters with its own options, like `add_param_group`: options it leaves out take
   * the optimiser's defaults.
   * @throws if a parameter is not a leaf Tensor, appears twice (torch 1.13 only warns of that within one
   *   group, and updates it twice; convkit refuses it, as torch says it will), or is already in another group;
   *   if a required option is missing or an option is invalid.
   */
  addParamGroup(paramGroup: ParamGroupInput): void {
    const where = this.where;
    if (!isPlainObject(paramGroup)) throw argError(where, `param group must be a dict, got ${show(paramGroup)}`);
    const given = paramGroup.params;
    let params: unknown[];
    if (given instanceof Tensor) params = [given];
    else if (given instanceof Set) {
      throw argError(where, 'optimizer parameters need to be organized in ordered collections, but the ordering of tensors in sets will change between runs. Please use a list instead.');
    } else if (isIterable(given)) params = [...given];
    else throw argError(where, `param group's params must be a Tensor or an iterable of Tensors, got ${show(given)}`);
    for (const p of params) {
      if (!(p instanceof Tensor)) throw argError(where, `optimizer can only optimize Tensors, but one of the params is ${show(p)}`);
      if (!p.isLeaf) throw argError(where, "can't optimize a non-leaf Tensor");
    }
    const tensors = params as Tensor[];
    const group: Record<string, unknown> = { ...paramGroup, params: tensors };
    for (const [name, value] of Object.entries(this.defaults)) {
      if (value === REQUIRED && group[name] === undefined) {
        throw argError(where, `parameter group didn't specify a value of required optimization parameter ${snakeCase(name)}`);
      }
      if (group[name] === undefined) group[name] = value;
    }
    this.checkGroup(group as G, true);
    if (new Set(tensors).size !== tensors.length) {
      throw argError(where, 'optimizer contains a parameter group with duplicate parameters: give each parameter once');
    }
    const taken = new Set(this.paramGroups.flatMap((g) => g.params));
    if (tensors.some((p) => taken.has(p))) throw argError(where, 'some parameters appear in more than one parameter group');
    this.paramGroups.push(group as G);
  }

  /**
   * Clears the gradients of every parameter: fills them with zeros, or with `setToNone` sets them to
   * null (torch 1.13's default is false). A step skips a parameter whose grad is null, but not one of zeros.
   */
  zeroGrad(setToNone = false): void {
    checkBoolean('zeroGrad', 'setToNone', setToNone);
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        if (setToNone) p.grad = null;
        else p.grad?.data.fill(0);
      }
    }
  }

  /**
   * The optimiser's state in torch's layout (see OptimizerStateDict). Like torch's `state_dict()`, the
   * state tensors are the optimiser's own (not copies): the next step changes them.
   */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    for (const p of this.paramGroups.flatMap((g) => g.params)) index.set(p, index.size);
    const param_groups = this.paramGroups.map((group) => {
      const packed: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(group)) {
        if (key !== 'params') packed[snakeCase(key)] = Array.isArray(value) ? [...value] : value;
      }
      for (const [key, value] of Object.entries(this.torchOnlyOptions)) if (!(key in packed)) packed[key] = value;
      return { ...packed, params: group.params.map((p) => index.get(p)!) };
    });
    const state: OptimizerStateDict['state'] = {};
    for (const [p, s] of this.state) state[index.get(p)!] = { ...s };
    return { state, param_groups };
  }

  /**
   * Loads a state dict from `stateDict()` or from torch (tensors as Tensors; `step` may be a number), like
   * `load_state_dict`: the groups' options are replaced by the saved ones (torch's snake_case keys), the
   * state is copied in. Nothing changes if it throws.
   * @throws if the number of groups or any group's number of parameters differs, a saved state refers to
   *   no parameter, or a state tensor's shape differs from its parameter's.
   */
  loadStateDict(stateDict: OptimizerStateDict): void {
    const where = this.where;
    if (!isPlainObject(stateDict) || !Array.isArray(stateDict.param_groups) || !isPlainObject(stateDict.state)) {
      throw argError(where, `state dict must be an object with state and param_groups, got ${show(stateDict)}`);
    }
    const saved = stateDict.param_groups;
    if (saved.length !== this.paramGroups.length) throw argError(where, 'loaded state dict has a different number of parameter groups');
    for (const g of saved) {
      if (!isPlainObject(g) || !Array.isArray(g.params)) throw argError(where, `a saved parameter group must be an object with params, got ${show(g)}`);
    }
    if (saved.some((g, i) => g.params.length !== this.paramGroups[i].params.length)) {
      throw argError(where, "loaded state dict contains a parameter group that doesn't match the size of optimizer's group");
    }
    const groups = saved.map((g, i) => {
      const group: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(g)) {
        if (key !== 'params' && !(key in this.torchOnlyOptions)) group[camelCase(key)] = Array.isArray(value) ? [...value] : value;
      }
      // Options added after a state dict was saved take their defaults, as torch's __setstate__ does
      for (const [name, value] of Object.entries(this.defaults)) if (group[name] === undefined && value !== REQUIRED) group[name] = value;
      group.params = this.paramGroups[i].params;
      this.checkGroup(group as G, false);
      return group as G;
    });
    const byId = new Map<string, { param: Tensor; group: G }>();
    saved.forEach((g, i) => g.params.forEach((id, j) => byId.set(String(id), { param: groups[i].params[j], group: groups[i] })));
    const state = new Map<Tensor, ParamState>();
    for (const [id, value] of Object.entries(stateDict.state)) {
      const target = byId.get(id);
      if (target === undefined) throw argError(where, `loaded state dict has state for parameter ${id}, which is in none of its param_groups`);
      if (!isPlainObject(value)) throw argError(where, `the state of parameter ${id} must be an object, got ${show(value)}`);
      state.set(target.param, this.loadParamState(target.param, value, target.group, Number(id)));
    }
    this.paramGroups.splice(0, this.paramGroups.length, ...groups);
    this.state.clear();
    for (const [p, s] of state) this.state.set(p, s);
  }

  /** A copy of a saved state tensor, checked to have its parameter's shape. */
  protected loadedTensor(param: Tensor, saved: Record<string, unknown>, key: string, index: number): Tensor {
    const value = saved[key];
    if (!(value instanceof Tensor)) throw argError(this.where, `the state of parameter ${index} needs ${key} as a Tensor, got ${show(value)}`);
    if (!sameShape(value.shape, param.shape)) {
      throw argError(this.where, `the state of parameter ${index} has ${key} of shape ${show(value.shape)} for a parameter of shape ${show(param.shape)}`);
    }
    return new Tensor(value.data.slice(), param.shape);
  }

  toString(): string {
    const groups = this.paramGroups.map((group, i) => {
      const options = Object.keys(group).filter((k) => k !== 'params').sort().map((k) => `    ${k}: ${show(group[k])}`);
      return `Parameter Group ${i}\n${options.join('\n')}`;
    });
    return `${this.where} (\n${groups.join('\n')}\n)`;
  }
}
