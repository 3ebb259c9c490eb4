/** Adam, as PyTorch 1.13's `torch.optim.Adam`; AdamW (adamw.ts) takes the same step with its weight decay decoupled. */
import { argError, show } from '../errors.js';
import { Tensor } from '../tensor.js';
import { fma32 } from './float32.js';
import { checkBoolean, checkNumber, Optimizer, optionsOver, type ParamGroup, type ParamGroupInput, type ParamState } from './optimizer.js';

/** Adam's and AdamW's options. */
export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Decay rates of the gradient's running average and of its square's (default [0.9, 0.999]). */
  betas?: [number, number];
  /** Added to the denominator (default 1e-8). */
  eps?: number;
  /** Weight decay (default 0 for Adam, L2 added to the gradient; 1e-2 for AdamW, decoupled). */
  weightDecay?: number;
  /** Use the maximum of the squared gradient's running averages (AMSGrad; default false). */
  amsgrad?: boolean;
  /** Ascend the objective instead (default false). */
  maximize?: boolean;
}

/** A parameter group of Adam or AdamW: its parameters and every option (see AdamOptions). */
export interface AdamParamGroup extends ParamGroup {
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
}

/** The options' checks, in torch's order and with its messages; without `ranges` only their kinds (see SGD's). */
function checkOptions(where: string, o: Record<string, unknown>, ranges = true): void {
  if (!(checkNumber(where, 'lr', o.lr) >= 0) && ranges) throw argError(where, `Invalid learning rate: ${show(o.lr)}`);
  if (!(checkNumber(where, 'eps', o.eps) >= 0) && ranges) throw argError(where, `Invalid epsilon value: ${show(o.eps)}`);
  const betas = o.betas;
  if (!Array.isArray(betas) || betas.length !== 2) throw argError(where, `betas must be a pair of numbers, got ${show(betas)}`);
  betas.forEach((beta, i) => {
    if (!(checkNumber(where, `betas[${i}]`, beta) >= 0 && beta < 1) && ranges) throw argError(where, `Invalid beta parameter at index ${i}: ${show(beta)}`);
  });
  if (!(checkNumber(where, 'weightDecay', o.weightDecay) >= 0) && ranges) throw argError(where, `Invalid weight_decay value: ${show(o.weightDecay)}`);
  checkBoolean(where, 'amsgrad', o.amsgrad);
  checkBoolean(where, 'maximize', o.maximize);
}

/**
 * Adam, updating each parameter as torch 1.13's single-tensor path does, in float32 with its rounding
 * (the bias corrections in float64, as torch computes them in Python).
 *
 * Its state dict holds, for each parameter that has taken a step, `step` (a 0-d float32 Tensor, as torch
 * 1.13 keeps it, so that a dict goes to torch and back unchanged; counting in float32 like torch's, it
 * stops at 2^24), `exp_avg`, `exp_avg_sq` and, with amsgrad, `max_exp_avg_sq`. `loadStateDict` also takes
 * `step` as a number, as torch's older state dicts have it.
 *
 * Every group's options are checked as torch checks only the constructor's; non-finite numbers are refused.
 */
export class Adam extends Optimizer<AdamParamGroup> {
  protected readonly torchOnlyOptions: Readonly<Record<string, unknown>> = { foreach: null, capturable: false, differentiable: false, fused: false };
  /** AdamW's decoupled decay: `p *= 1 - lr * weightDecay` before the update, instead of L2 on the gradient. */
  protected readonly decoupled: boolean = false;

  /**
   * @param params `model.parameters()` or any iterable of Tensors, or of groups `{ params, ...options }`
   * @throws as torch: `Invalid learning rate: -1`, `Invalid beta parameter at index 0: 1`, ...
   */
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput>, options?: AdamOptions) {
    const where = new.target.label;
    const defaults = optionsOver(where, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: new.target.defaultWeightDecay, amsgrad: false, maximize: false }, options);
    checkOptions(where, defaults);
    super(where, params, { ...defaults, betas: [...(defaults.betas as number[])] });
  }

  /** weightDecay's default: 0 for Adam, 1e-2 for AdamW. */
  protected static readonly defaultWeightDecay: number = 0;
  /** The class's name in messages (kept apart from `name`, which a minifier may change). */
  protected static readonly label: string = 'Adam';

  protected checkGroup(group: AdamParamGroup, ranges: boolean): void {
    checkOptions(this.where, group, ranges);
    group.betas = [...group.betas];
  }

  protected loadParamState(param: Tensor, saved: Record<string, unknown>, group: AdamParamGroup, index: number): ParamState {
    const step = saved.step;
    const count = step instanceof Tensor && step.numel === 1 ? step.data[0] : step;
    if (typeof count !== 'number' || !(count >= 0)) {
      throw argError(this.where, `the state of parameter ${index} needs step as a number or a one-element Tensor, got ${show(step)}`);
    }
    const state: ParamState = {
      step: new Tensor(Float32Array.of(count), []),
      exp_avg: this.loadedTensor(param, saved, 'exp_avg', index),
      exp_avg_sq: this.loadedTensor(param, saved, 'exp_avg_sq', index),
    };
    if (group.amsgrad || saved.max_exp_avg_sq !== undefined) state.max_exp_avg_sq = this.loadedTensor(param, saved, 'max_exp_avg_sq', index);
    return state;
  }

  step(): void {
    for (const group of this.paramGroups) {
      const { lr, betas: [beta1, beta2], eps, weightDecay, amsgrad, maximize } = group;
      const b1 = Math.fround(beta1);
      const b2 = Math.fround(beta2);
      const c1 = Math.fround(1 - beta1);
      const c2 = Math.fround(1 - beta2);
      const eps32 = Math.fround(eps);
      const decoupled = this.decoupled;
      const l2 = decoupled ? 0 : Math.fround(weightDecay);
      const shrink = Math.fround(1 - lr * weightDecay);
      for (const p of group.params) {
        if (p.grad === null) continue;
        const state = this.state.get(p) ?? this.initialState(p, amsgrad);
        const count = state.step!.data;
        count[0] += 1;
        const bias1 = 1 - beta1 ** count[0];
        const scale = Math.fround(Math.sqrt(1 - beta2 ** count[0]));
        const negStep = Math.fround(-(lr / bias1));
        if (amsgrad && !state.max_exp_avg_sq) {
          throw argError(this.where, 'amsgrad was turned on for a parameter whose state has no max_exp_avg_sq');
        }
        const x = p.data;
        const grad = p.grad.data;
        const m = state.exp_avg!.data;
        const v = state.exp_avg_sq!.data;
        const vMax = amsgrad ? state.max_exp_avg_sq!.data : v;
        for (let i = 0; i < x.length; i++) {
          let g = maximize ? -grad[i] : grad[i];
          if (decoupled) x[i] *= shrink;
          else if (l2 !== 0) g = fma32(l2, x[i], g);
          const mi = fma32(c1, g, Math.fround(m[i] * b1));
          const vi = fma32(Math.fround(c2 * g), g, Math.fround(v[i] * b2));
          m[i] = mi;
          v[i] = vi;
          let s = vi;
          if (amsgrad) s = vMax[i] = Math.max(vMax[i], vi);
          const denom = Math.fround(Math.fround(Math.fround(Math.sqrt(s)) / scale) + eps32);
          x[i] += Math.fround(Math.fround(negStep * mi) / denom);
        }
        p.markChanged();
      }
    }
  }

  private initialState(p: Tensor, amsgrad: boolean): ParamState {
    const zeros = (): Tensor => new Tensor(new Float32Array(p.numel), p.shape);
    const state: ParamState = { step: new Tensor(new Float32Array(1), []), exp_avg: zeros(), exp_avg_sq: zeros() };
    if (amsgrad) state.max_exp_avg_sq = zeros();
    this.state.set(p, state);
    return state;
  }
}
