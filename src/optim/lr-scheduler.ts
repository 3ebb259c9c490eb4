/**
 * Learning-rate schedules, as PyTorch 1.13's `torch.optim.lr_scheduler`: StepLR, CosineAnnealingLR and
 * OneCycleLR, each computing its rates with torch's formulas in torch's (float64) order of operations.
 */
import { argError, isInt, show } from '../errors.js';
import { camelCase, checkBoolean, checkNumber, Optimizer, optionsOver, snakeCase, type ParamGroup } from './optimizer.js';

/** A scheduler's state dict: torch's keys (`last_epoch`, `base_lrs`, `_step_count`, `_last_lr`, and its own). */
export type SchedulerStateDict = Record<string, unknown>;

/** Keys of torch's scheduler state dicts that convkit has no use for (`anneal_func` is a bound method in 1.13). */
const IGNORED_KEYS = new Set(['verbose', '_get_lr_called_within_step', 'anneal_func']);

function checkLastEpoch(where: string, lastEpoch: unknown): number {
  if (!isInt(lastEpoch) || lastEpoch < -1) throw argError(where, `lastEpoch must be an integer >= -1, got ${show(lastEpoch)}`);
  return lastEpoch;
}

/**
 * The base of every schedule, as torch's `_LRScheduler`: it records `initialLr` in each group (when
 * `lastEpoch` is -1; resuming needs it there already), takes the groups' `initialLr` as `baseLrs`, and
 * takes its first step on construction, so that the groups hold the rate of epoch 0.
 */
export abstract class LRScheduler {
  readonly optimizer: Optimizer;
  /** Each group's rate at epoch 0. */
  baseLrs: number[];
  #lastEpoch: number;
  /** How many times `step` ran, the constructor's included (torch's `_step_count`). */
  protected stepCount = 0;
  #lastLr: number[] = [];

  protected constructor(protected readonly where: string, optimizer: unknown, lastEpoch: number) {
    if (!(optimizer instanceof Optimizer)) throw argError(where, `${show(optimizer)} is not an Optimizer`);
    this.optimizer = optimizer;
    this.#lastEpoch = lastEpoch;
    const groups = optimizer.paramGroups as ParamGroup[];
    if (lastEpoch === -1) {
      for (const group of groups) if (group.initialLr === undefined) group.initialLr = group.lr;
    } else {
      groups.forEach((group, i) => {
        if (group.initialLr === undefined) throw argError(where, `param 'initial_lr' is not specified in param_groups[${i}] when resuming an optimizer`);
      });
    }
    this.baseLrs = groups.map((group) => group.initialLr as number);
  }

  /** The index of the last epoch (or batch) stepped: 0 after construction, then one more each `step()`. */
  get lastEpoch(): number {
    return this.#lastEpoch;
  }

  /** Advances the schedule by one epoch (or batch) and sets each group's `lr`. Call it after `optimizer.step()`. */
  step(): void {
    this.stepCount += 1;
    this.#lastEpoch += 1;
    const lrs = this.computeLr();
    this.optimizer.paramGroups.forEach((group, i) => { group.lr = lrs[i]; });
    this.#lastLr = this.optimizer.paramGroups.map((group) => group.lr);
  }

  /** The rate of each group that the last `step()` (or the constructor) set. */
  getLastLr(): number[] {
    return [...this.#lastLr];
  }

  /** The rates for epoch `lastEpoch`, as torch's `get_lr()` (some schedules also set momentum here). */
  protected abstract computeLr(): number[];

  /** This schedule's own fields under torch's keys. */
  protected abstract ownState(): Record<string, unknown>;

  /** Takes this schedule's own fields from a state dict (torch's keys), throwing on bad values. */
  protected abstract loadOwnState(state: Record<string, unknown>): () => void;

  /** The schedule's state with torch's keys, as `state_dict()` gives it (`anneal_func` left out). */
  stateDict(): SchedulerStateDict {
    return {
      ...this.ownState(),
      base_lrs: [...this.baseLrs],
      last_epoch: this.#lastEpoch,
      verbose: false,
      _step_count: this.stepCount,
      _get_lr_called_within_step: false,
      _last_lr: this.getLastLr(),
    };
  }

  /**
   * Loads a state dict from `stateDict()` or torch's `state_dict()`, like `load_state_dict`: the keys it
   * has replace this schedule's fields. Nothing changes if it throws.
   * @throws on a key this schedule does not have, or a value of the wrong kind.
   */
  loadStateDict(stateDict: SchedulerStateDict): void {
    const where = this.where;
    if (typeof stateDict !== 'object' || stateDict === null || Array.isArray(stateDict)) throw argError(where, `state dict must be an object, got ${show(stateDict)}`);
    const own = this.ownState();
    for (const key of Object.keys(stateDict)) {
      if (!(key in own) && !IGNORED_KEYS.has(key) && !['base_lrs', 'last_epoch', '_step_count', '_last_lr', '_anneal_func_type'].includes(key)) {
        throw argError(where, `unexpected key ${show(key)} in a ${where} state dict`);
      }
    }
    const numbers = (key: string, fallback: number[]): number[] => {
      const value = stateDict[key];
      if (value === undefined) return fallback;
      if (!Array.isArray(value)) throw argError(where, `${key} must be an array of numbers, got ${show(value)}`);
      return value.map((x) => checkNumber(where, key, x));
    };
    const baseLrs = numbers('base_lrs', this.baseLrs);
    const lastLr = numbers('_last_lr', this.#lastLr);
    const lastEpoch = stateDict.last_epoch === undefined ? this.#lastEpoch : checkLastEpoch(where, stateDict.last_epoch);
    const stepCount = stateDict._step_count ?? this.stepCount;
    if (!isInt(stepCount) || stepCount < 0) throw argError(where, `_step_count must be a non-negative integer, got ${show(stepCount)}`);
    const commit = this.loadOwnState(stateDict);
    commit();
    this.baseLrs = baseLrs;
    this.#lastLr = lastLr;
    this.#lastEpoch = lastEpoch;
    this.stepCount = stepCount;
  }
}

/** StepLR's options. */
export interface StepLROptions {
  /** Decay the rate every `stepSize` epochs (a positive integer). */
  stepSize: number;
  /** The factor of each decay (default 0.1). */
  gamma?: number;
  /** The last epoch's index when resuming (default -1: start). */
  lastEpoch?: number;
}

/**
 * Multiplies each group's rate by `gamma` every `stepSize` epochs, as torch's `StepLR` (chainable: from the
 * group's current `lr`). torch 1.13 takes any `step_size` and fails on the first step for 0; convkit wants
 * a positive integer.
 */
export class StepLR extends LRScheduler {
  stepSize: number;
  gamma: number;

  constructor(optimizer: Optimizer, options: StepLROptions) {
    const o = optionsOver('StepLR', { stepSize: undefined, gamma: 0.1, lastEpoch: -1 }, options);
    const stepSize = o.stepSize;
    if (!isInt(stepSize) || stepSize <= 0) throw argError('StepLR', `stepSize must be a positive integer, got ${show(stepSize)}`);
    const gamma = checkNumber('StepLR', 'gamma', o.gamma);
    super('StepLR', optimizer, checkLastEpoch('StepLR', o.lastEpoch));
    this.stepSize = stepSize;
    this.gamma = gamma;
    this.step();
  }

  protected computeLr(): number[] {
    const lrs = this.optimizer.paramGroups.map((group) => group.lr);
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return lrs;
    return lrs.map((lr) => lr * this.gamma);
  }

  protected ownState(): Record<string, unknown> {
    return { step_size: this.stepSize, gamma: this.gamma };
  }

  protected loadOwnState(state: Record<string, unknown>): () => void {
    const stepSize = state.step_size ?? this.stepSize;
    if (!isInt(stepSize) || stepSize <= 0) throw argError(this.where, `step_size must be a positive integer, got ${show(stepSize)}`);
    const gamma = checkNumber(this.where, 'gamma', state.gamma ?? this.gamma);
    return () => { this.stepSize = stepSize; this.gamma = gamma; };
  }
}

/** CosineAnnealingLR's options. */
export interface CosineAnnealingLROptions {
  /** Half the period, in epochs (positive). */
  tMax: number;
  /** The lowest rate (default 0). */
  etaMin?: number;
  /** The last epoch's index when resuming (default -1: start). */
  lastEpoch?: number;
}

/**
 * Anneals each group's rate from its initial rate to `etaMin` along a half cosine over `tMax` epochs (and
 * back up after, periodically), as torch 1.13's `CosineAnnealingLR` computes it step by step (its recursive
 * form from the group's current `lr`, not the closed form), so that the rates equal torch's. torch takes
 * any `T_max` and fails on the first step for 0; convkit wants a positive number.
 */
export class CosineAnnealingLR extends LRScheduler {
  tMax: number;
  etaMin: number;

  constructor(optimizer: Optimizer, options: CosineAnnealingLROptions) {
    const o = optionsOver('CosineAnnealingLR', { tMax: undefined, etaMin: 0, lastEpoch: -1 }, options);
    const tMax = checkNumber('CosineAnnealingLR', 'tMax', o.tMax);
    if (tMax <= 0) throw argError('CosineAnnealingLR', `tMax must be positive, got ${show(tMax)}`);
    const etaMin = checkNumber('CosineAnnealingLR', 'etaMin', o.etaMin);
    super('CosineAnnealingLR', optimizer, checkLastEpoch('CosineAnnealingLR', o.lastEpoch));
    this.tMax = tMax;
    this.etaMin = etaMin;
    this.step();
  }

  protected computeLr(): number[] {
    const { tMax, etaMin, lastEpoch } = this;
    const groups = this.optimizer.paramGroups;
    if (lastEpoch === 0) return groups.map((group) => group.lr);
    if (this.stepCount === 1 && lastEpoch > 0) {
      return this.baseLrs.map((baseLr) => etaMin + (baseLr - etaMin) * (1 + Math.cos((lastEpoch) * Math.PI / tMax)) / 2);
    }
    if ((lastEpoch - 1 - tMax) % (2 * tMax) === 0) {
      return groups.map((group, i) => group.lr + (this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / tMax)) / 2);
    }
    return groups.map((group) => (1 + Math.cos(Math.PI * lastEpoch / tMax)) / (1 + Math.cos(Math.PI * (lastEpoch - 1) / tMax)) * (group.lr - etaMin) + etaMin);
  }

  protected ownState(): Record<string, unknown> {
    return { T_max: this.tMax, eta_min: this.etaMin };
  }

  protected loadOwnState(state: Record<string, unknown>): () => void {
    const tMax = checkNumber(this.where, 'T_max', state.T_max ?? this.tMax);
    if (tMax <= 0) throw argError(this.where, `T_max must be positive, got ${show(tMax)}`);
    const etaMin = checkNumber(this.where, 'eta_min', state.eta_min ?? this.etaMin);
    return () => { this.tMax = tMax; this.etaMin = etaMin; };
  }
}

/** OneCycleLR's options: `maxLr`, and `totalSteps` or both `epochs` and `stepsPerEpoch`. */
export interface OneCycleLROptions {
  /** The peak rate, for every group or one for each. */
  maxLr: number | number[];
  /** The number of steps in the cycle (or give `epochs` and `stepsPerEpoch`). */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** The fraction of the cycle spent raising the rate (default 0.3). */
  pctStart?: number;
  /** 'cos' (default) or 'linear'. */
  annealStrategy?: 'cos' | 'linear';
  /** Cycle momentum (SGD's `momentum`, Adam's `betas[0]`) inversely to the rate (default true). */
  cycleMomentum?: boolean;
  /** The lowest momentum, for every group or one for each (default 0.85). */
  baseMomentum?: number | number[];
  /** The highest momentum, for every group or one for each (default 0.95). */
  maxMomentum?: number | number[];
  /** initial rate = maxLr / divFactor (default 25). */
  divFactor?: number;
  /** final rate = initial rate / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** Three phases (up, down to the initial rate, down to the final rate) instead of two (default false). */
  threePhase?: boolean;
  /** The last step's index when resuming (default -1: start). */
  lastEpoch?: number;
}

/** One phase of the cycle: where it ends, and the group keys of the values it anneals between. */
interface Phase {
  endStep: number;
  startLr: string;
  endLr: string;
  startMomentum: string;
  endMomentum: string;
}

/** OneCycleLR's defaults, as torch's (undefined: no default). */
const ONE_CYCLE_DEFAULTS = {
  maxLr: undefined, totalSteps: undefined, epochs: undefined, stepsPerEpoch: undefined, pctStart: 0.3, annealStrategy: 'cos',
  cycleMomentum: true, baseMomentum: 0.85, maxMomentum: 0.95, divFactor: 25, finalDivFactor: 1e4, threePhase: false, lastEpoch: -1,
};

const ANNEAL = {
  cos: (start: number, end: number, pct: number): number => end + (start - end) / 2.0 * (Math.cos(Math.PI * pct) + 1),
  linear: (start: number, end: number, pct: number): number => (end - start) * pct + start,
};

function positiveInt(where: string, name: string, value: unknown): number {
  if (!isInt(value) || value <= 0) throw argError(where, `Expected positive integer ${name}, but got ${show(value)}`);
  return value;
}

/** One value for each group: `value` as given (one for each), or repeated. */
function perGroup(where: string, name: string, value: unknown, groups: number): number[] {
  if (!Array.isArray(value)) return Array(groups).fill(checkNumber(where, name, value));
  if (value.length !== groups) throw argError(where, `expected ${groups} values for ${name}, got ${value.length}`);
  return value.map((x) => checkNumber(where, name, x));
}

/**
 * The 1cycle policy, as torch 1.13's `OneCycleLR`, stepped once per batch: the rate rises from
 * `maxLr / divFactor` to `maxLr` over the first `pctStart` of the steps, then falls to
 * `initial / finalDivFactor`; with `cycleMomentum`, SGD's `momentum` (or Adam's `betas[0]`) moves the
 * other way between `maxMomentum` and `baseMomentum`. It records `initialLr`, `maxLr`, `minLr`,
 * `maxMomentum` and `baseMomentum` in each group, as torch does. It may step `totalSteps` times after
 * construction; one more step throws, as torch's does.
 * @throws as torch, e.g. `You must define either total_steps OR (epochs AND steps_per_epoch)`, and where a
 *   `pctStart` leaves a phase of no steps (torch's float division by zero) at the step that reaches it.
 */
export class OneCycleLR extends LRScheduler {
  totalSteps: number;
  cycleMomentum: boolean;
  /** Whether momentum is Adam's `betas[0]` rather than SGD's `momentum`. */
  useBeta1: boolean;
  annealStrategy: 'cos' | 'linear';
  #phases: Phase[];

  constructor(optimizer: Optimizer, options: OneCycleLROptions) {
    const where = 'OneCycleLR';
    if (!(optimizer instanceof Optimizer)) throw argError(where, `${show(optimizer)} is not an Optimizer`);
    const o = optionsOver(where, ONE_CYCLE_DEFAULTS, options);
    let totalSteps: number;
    if (o.totalSteps === undefined && o.epochs === undefined && o.stepsPerEpoch === undefined) {
      throw argError(where, 'You must define either total_steps OR (epochs AND steps_per_epoch)');
    } else if (o.totalSteps !== undefined) {
      totalSteps = positiveInt(where, 'total_steps', o.totalSteps);
    } else {
      totalSteps = positiveInt(where, 'epochs', o.epochs) * positiveInt(where, 'steps_per_epoch', o.stepsPerEpoch);
    }
    const pctStart = o.pctStart;
    if (typeof pctStart !== 'number' || !(pctStart >= 0 && pctStart <= 1)) {
      throw argError(where, `Expected float between 0 and 1 pct_start, but got ${show(pctStart)}`);
    }
    const annealStrategy = o.annealStrategy;
    if (annealStrategy !== 'cos' && annealStrategy !== 'linear') {
      throw argError(where, `anneal_strategy must by one of 'cos' or 'linear', instead got ${show(annealStrategy)}`);
    }
    const threePhase = checkBoolean(where, 'threePhase', o.threePhase);
    const cycleMomentum = checkBoolean(where, 'cycleMomentum', o.cycleMomentum);
    const lastEpoch = checkLastEpoch(where, o.lastEpoch);
    const groups = optimizer.paramGroups as ParamGroup[];
    const maxLrs = perGroup(where, 'max_lr', o.maxLr, groups.length);
    const divFactor = checkNumber(where, 'divFactor', o.divFactor);
    const finalDivFactor = checkNumber(where, 'finalDivFactor', o.finalDivFactor);
    if (divFactor === 0 || finalDivFactor === 0) throw argError(where, 'float division by zero: divFactor and finalDivFactor must not be 0');
    const useBeta1 = 'betas' in optimizer.defaults;
    if (cycleMomentum && !('momentum' in optimizer.defaults) && !useBeta1) {
      throw argError(where, 'optimizer must support momentum with `cycle_momentum` option enabled');
    }
    const maxMomentums = cycleMomentum ? perGroup(where, 'max_momentum', o.maxMomentum, groups.length) : [];
    const baseMomentums = cycleMomentum ? perGroup(where, 'base_momentum', o.baseMomentum, groups.length) : [];
    if (lastEpoch === -1) {
      groups.forEach((group, i) => {
        group.initialLr = maxLrs[i] / divFactor;
        group.maxLr = maxLrs[i];
        group.minLr = maxLrs[i] / divFactor / finalDivFactor;
        if (!cycleMomentum) return;
        if (useBeta1) group.betas = [maxMomentums[i], ...(group.betas as number[]).slice(1)];
        else group.momentum = maxMomentums[i];
        group.maxMomentum = maxMomentums[i];
        group.baseMomentum = baseMomentums[i];
      });
    } else {
      const keys = ['maxLr', 'minLr', ...(cycleMomentum ? ['maxMomentum', 'baseMomentum'] : [])];
      groups.forEach((group, i) => {
        for (const key of keys) {
          if (typeof group[key] !== 'number') throw argError(where, `param_groups[${i}] has no ${key} to resume a OneCycleLR from`);
        }
      });
    }
    super(where, optimizer, lastEpoch);
    this.totalSteps = totalSteps;
    this.cycleMomentum = cycleMomentum;
    this.useBeta1 = useBeta1;
    this.annealStrategy = annealStrategy;
    const up = { startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' };
    const last = (startLr: string): Phase => ({ endStep: totalSteps - 1, startLr, endLr: 'minLr', startMomentum: threePhase ? 'maxMomentum' : 'baseMomentum', endMomentum: 'maxMomentum' });
    this.#phases = threePhase
      ? [{ endStep: pctStart * totalSteps - 1, ...up },
        { endStep: 2 * pctStart * totalSteps - 2, startLr: 'maxLr', endLr: 'initialLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
        last('initialLr')]
      : [{ endStep: pctStart * totalSteps - 1, ...up }, last('maxLr')];
    this.step();
  }

  protected computeLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps) {
      throw argError(this.where, `Tried to step ${stepNum + 1} times. The specified number of total steps is ${this.totalSteps}`);
    }
    const anneal = ANNEAL[this.annealStrategy];
    return this.optimizer.paramGroups.map((group) => {
      let startStep = 0;
      for (const [i, phase] of this.#phases.entries()) {
        const endStep = phase.endStep;
        if (stepNum <= endStep || i === this.#phases.length - 1) {
          if (endStep === startStep) {
            throw argError(this.where, `float division by zero: phase ${i} of the schedule has no steps (torch 1.13 raises ZeroDivisionError here)`);
          }
          const pct = (stepNum - startStep) / (endStep - startStep);
          const lr = anneal(group[phase.startLr] as number, group[phase.endLr] as number, pct);
          if (this.cycleMomentum) {
            const momentum = anneal(group[phase.startMomentum] as number, group[phase.endMomentum] as number, pct);
            if (this.useBeta1) group.betas = [momentum, ...(group.betas as number[]).slice(1)];
            else group.momentum = momentum;
          }
          return lr;
        }
        startStep = phase.endStep;
      }
      throw new Error('unreachable: the last phase always matches');
    });
  }

  protected ownState(): Record<string, unknown> {
    return {
      total_steps: this.totalSteps,
      _schedule_phases: this.#phases.map((p) => ({
        end_step: p.endStep, start_lr: snakeCase(p.startLr), end_lr: snakeCase(p.endLr),
        start_momentum: snakeCase(p.startMomentum), end_momentum: snakeCase(p.endMomentum),
      })),
      // torch 1.13 saves the bound method `anneal_func`; later torch saves its name under this key
      _anneal_func_type: this.annealStrategy,
      cycle_momentum: this.cycleMomentum,
      ...(this.cycleMomentum ? { use_beta1: this.useBeta1 } : {}),
    };
  }

  protected loadOwnState(state: Record<string, unknown>): () => void {
    const where = this.where;
    const totalSteps = state.total_steps === undefined ? this.totalSteps : positiveInt(where, 'total_steps', state.total_steps);
    const cycleMomentum = checkBoolean(where, 'cycle_momentum', state.cycle_momentum ?? this.cycleMomentum);
    const useBeta1 = checkBoolean(where, 'use_beta1', state.use_beta1 ?? this.useBeta1);
    const annealStrategy = state._anneal_func_type ?? this.annealStrategy;
    if (annealStrategy !== 'cos' && annealStrategy !== 'linear') throw argError(where, `_anneal_func_type must be 'cos' or 'linear', got ${show(annealStrategy)}`);
    let phases = this.#phases;
    if (state._schedule_phases !== undefined) {
      const saved = state._schedule_phases;
      if (!Array.isArray(saved) || saved.length === 0) throw argError(where, `_schedule_phases must be a non-empty array, got ${show(saved)}`);
      phases = saved.map((p: Record<string, unknown>) => {
        if (typeof p !== 'object' || p === null) throw argError(where, `a schedule phase must be an object, got ${show(p)}`);
        const key = (name: string): string => {
          if (typeof p[name] !== 'string') throw argError(where, `a schedule phase's ${name} must be a key name, got ${show(p[name])}`);
          return camelCase(p[name] as string);
        };
        return { endStep: checkNumber(where, 'end_step', p.end_step), startLr: key('start_lr'), endLr: key('end_lr'), startMomentum: key('start_momentum'), endMomentum: key('end_momentum') };
      });
    }
    return () => {
      this.totalSteps = totalSteps;
      this.cycleMomentum = cycleMomentum;
      this.useBeta1 = useBeta1;
      this.annealStrategy = annealStrategy;
      this.#phases = phases;
    };
  }
}
